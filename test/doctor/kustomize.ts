/**
 * A small Kustomize renderer for our own deploy/ tree (kubectl is not installed in CI): `resources`
 * (files and directories with a kustomization.yaml), `namespace` (applied to the resources of the
 * kustomization that sets it) and `patches: [{ path }]` as strategic-merge patches on maps
 * (lists are replaced), matched by kind + name. Enough for deploy/, not a general Kustomize.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

type Obj = Record<string, unknown>;

const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: unknown, patch: unknown): unknown {
  if (!isMap(base) || !isMap(patch)) return structuredClone(patch);
  const out: Obj = { ...base };
  for (const [key, value] of Object.entries(patch))
    out[key] = key in base ? merge(base[key], value) : structuredClone(value);
  return out;
}

function readDocs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as unknown)
    .filter(isMap);
}

export function renderKustomization(dir: string): Obj[] {
  const [k] = readDocs(join(dir, 'kustomization.yaml'));
  if (!k) throw new Error(`no kustomization in ${dir}`);
  let objects: Obj[] = [];
  const own: Obj[] = [];
  for (const resource of (k.resources as string[] | undefined) ?? []) {
    const path = join(dir, resource);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else {
      const docs = readDocs(path);
      own.push(...docs);
      objects.push(...docs);
    }
  }
  if (typeof k.namespace === 'string') {
    for (const o of [...objects]) {
      if (o.kind === 'Namespace') continue;
      (o.metadata as Obj).namespace = k.namespace;
    }
  }
  void own;
  for (const patch of (k.patches as { path: string }[] | undefined) ?? []) {
    for (const p of readDocs(join(dir, patch.path))) {
      const name = (p.metadata as Obj).name;
      const index = objects.findIndex((o) => o.kind === p.kind && (o.metadata as Obj).name === name);
      if (index < 0) throw new Error(`patch ${patch.path}: no ${String(p.kind)}/${String(name)}`);
      const { namespace: _ns, ...patchMeta } = p.metadata as Obj;
      objects[index] = merge(objects[index], { ...p, metadata: patchMeta }) as Obj;
    }
  }
  objects = objects.map((o) => structuredClone(o));
  return objects;
}

/** The rendered stream, as `kubectl kustomize` prints it (documents separated by ---). */
export function renderToYaml(dir: string): string {
  return renderKustomization(dir)
    .map((o) => stringify(o, { lineWidth: 0 }))
    .join('---\n');
}

export const deployDir = (name: string) => join(dirname(new URL(import.meta.url).pathname), '../../deploy', name);
