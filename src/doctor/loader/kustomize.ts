/**
 * A directory with a kustomization.yaml is checked as what it deploys, not as loose files (an
 * overlay's Service patch alone has no `type`, its base alone no PROXY annotation). This renders
 * the common subset of Kustomize in-process — `resources` (files and directories), `namespace`,
 * strategic-merge `patches` / `patchesStrategicMerge` (by kind + name, or `target`), and
 * `configMapGenerator` (`files`, `literals`) — keeping, for every node, the file and line that set
 * it: a finding on an annotation added by an overlay points at the overlay's patch.
 * Anything else (remote resources, JSON 6902 patches, components, helmCharts, replacements) is
 * reported as a note: render with `kubectl kustomize` and pipe the output to `sourceip doctor -`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { InputError, K8sObject, ObjectPath } from '../types.ts';
import { isRecord, parseManifestText } from './manifests.ts';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'namespace',
  'patches',
  'patchesStrategicMerge',
  'configMapGenerator',
  'generatorOptions',
]);
/** Fields that do not change what the rules read. */
const IGNORED = new Set(['commonAnnotations', 'images', 'replicas', 'buildMetadata', 'sortOptions', 'openapi']);

export function kustomizationFile(dir: string): string | undefined {
  for (const name of KUSTOMIZATION_FILES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

interface Context {
  readonly errors: InputError[];
  readonly notes: string[];
  readonly depth: number;
}

/** Renders a kustomization directory into objects (with merged provenance). */
export function renderKustomization(dir: string, errors: InputError[], notes: string[], depth = 0): K8sObject[] {
  return render(dir, { errors, notes, depth });
}

function render(dir: string, ctx: Context): K8sObject[] {
  const file = kustomizationFile(dir);
  if (!file) {
    ctx.errors.push({ file: dir, message: 'no kustomization.yaml in this directory' });
    return [];
  }
  if (ctx.depth > 20) {
    ctx.errors.push({ file, message: 'kustomization resources nest deeper than 20 levels (a cycle?)' });
    return [];
  }
  const k = readKustomization(file, ctx);
  if (!k) return [];
  const spec = k.raw as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!SUPPORTED.has(key) && !IGNORED.has(key)) {
      ctx.notes.push(
        `${file}: kustomization field ${JSON.stringify(key)} is not rendered by the doctor; pipe \`kubectl kustomize\` output to \`sourceip doctor -\` for an exact check`,
      );
    }
  }
  let objects: K8sObject[] = [];
  const resources = [...strings(spec.resources), ...strings(spec.bases)];
  for (const resource of resources) {
    if (/^[a-z]+:\/\//.test(resource) || resource.startsWith('github.com/')) {
      ctx.notes.push(`${file}: remote resource ${JSON.stringify(resource)} is not fetched`);
      continue;
    }
    const path = resolve(dir, resource);
    try {
      if (statSync(path).isDirectory()) objects.push(...render(path, { ...ctx, depth: ctx.depth + 1 }));
      else parseManifestText(readFileSync(path, 'utf8'), path, objects, ctx.errors);
    } catch {
      ctx.errors.push({ file, message: `resource ${JSON.stringify(resource)}: no such file or directory` });
    }
  }
  objects.push(...generateConfigMaps(spec, k, dir, ctx));
  if (typeof spec.namespace === 'string' && spec.namespace) {
    const ns = spec.namespace;
    objects = objects.map((o) => (o.kind === 'Namespace' || isClusterScoped(o.kind) ? o : withNamespace(o, ns)));
  }
  const patches: { patch: K8sObject; target?: Record<string, unknown> }[] = [];
  for (const entry of Array.isArray(spec.patches) ? spec.patches : []) {
    if (!isRecord(entry)) continue;
    const found: K8sObject[] = [];
    if (typeof entry.path === 'string') {
      const path = join(dir, entry.path);
      try {
        parseManifestText(readFileSync(path, 'utf8'), path, found, ctx.errors);
      } catch {
        ctx.errors.push({ file, message: `patch ${JSON.stringify(entry.path)}: no such file` });
      }
    } else if (typeof entry.patch === 'string') {
      parseManifestText(entry.patch, file, found, ctx.errors);
    }
    if (found.length === 0 && (typeof entry.path === 'string' || typeof entry.patch === 'string')) {
      ctx.notes.push(`${file}: a JSON 6902 patch (or a patch without kind/name) is not applied by the doctor`);
    }
    for (const patch of found) patches.push({ patch, target: isRecord(entry.target) ? entry.target : undefined });
  }
  for (const path of strings(spec.patchesStrategicMerge)) {
    const found: K8sObject[] = [];
    const full = join(dir, path);
    try {
      parseManifestText(readFileSync(full, 'utf8'), full, found, ctx.errors);
    } catch {
      ctx.errors.push({ file, message: `patch ${JSON.stringify(path)}: no such file` });
    }
    for (const patch of found) patches.push({ patch });
  }
  for (const { patch, target } of patches) {
    const matches = objects
      .map((o, i) => [o, i] as const)
      .filter(([o]) =>
        target
          ? (target.kind === undefined || target.kind === o.kind) &&
            (target.name === undefined || target.name === o.name) &&
            (target.namespace === undefined || target.namespace === o.namespace)
          : o.kind === patch.kind && o.name === patch.name,
      );
    if (matches.length === 0) {
      ctx.errors.push({
        file: patch.source.file,
        line: patch.source.line,
        message: `patch target ${patch.kind}/${patch.name} not found in the resources`,
      });
      continue;
    }
    for (const [o, i] of matches) objects[i] = applyPatch(o, patch);
  }
  return objects;
}

/** kustomization.yaml may omit apiVersion/kind, so it is read here rather than as a manifest. */
function readKustomization(file: string, ctx: Context): K8sObject | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    ctx.errors.push({
      file,
      line: lineCounter.linePos(error.pos[0]).line,
      message: `invalid YAML: ${error.message.split('\n')[0]}`,
    });
    return undefined;
  }
  const raw = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (!isRecord(raw)) {
    ctx.errors.push({ file, message: 'not a kustomization (expected a map)' });
    return undefined;
  }
  const lineOf = (path: ObjectPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    name: file,
    namespace: '',
    raw,
    source: { file, line: 1 },
    lineOf,
  };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'GatewayClass',
  'PersistentVolume',
  'StorageClass',
]);
function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

function withNamespace(o: K8sObject, namespace: string): K8sObject {
  const raw = structuredClone(o.raw) as Record<string, unknown>;
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  metadata.namespace = namespace;
  raw.metadata = metadata;
  return { ...o, raw, namespace };
}

function has(value: unknown, path: ObjectPath): boolean {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current) || key >= current.length) return false;
      current = current[key];
    } else {
      if (!isRecord(current) || !(key in current)) return false;
      current = current[key];
    }
  }
  return true;
}

/** Strategic merge for the shapes manifests use: maps merge; lists of named maps merge by name; other lists are replaced. */
function merge(base: unknown, patch: unknown): unknown {
  if (isRecord(base) && isRecord(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in base ? merge(base[key], value) : structuredClone(value);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => isRecord(p) && typeof p.name === 'string')) {
    const out = base.map((b) => structuredClone(b));
    for (const p of patch as Record<string, unknown>[]) {
      const index = out.findIndex((b) => isRecord(b) && b.name === p.name);
      if (index >= 0) out[index] = merge(out[index], p);
      else out.push(structuredClone(p));
    }
    return out;
  }
  return structuredClone(patch);
}

function applyPatch(base: K8sObject, patch: K8sObject): K8sObject {
  const patchRaw = structuredClone(patch.raw) as Record<string, unknown>;
  if (isRecord(patchRaw.metadata)) {
    delete patchRaw.metadata.name;
    delete patchRaw.metadata.namespace;
  }
  const raw = merge(base.raw, patchRaw) as Record<string, unknown>;
  // A node the patch sets is reported at the patch's line, in the patch's file. (List items
  // merged by name keep the base's index, so only map paths are attributed to the patch.)
  const fromPatch = (path: ObjectPath) =>
    path.length > 0 && !path.some((p) => typeof p === 'number') && has(patchRaw, path);
  return {
    ...base,
    raw,
    lineOf: (path) => (fromPatch(path) ? patch.lineOf(path) : base.lineOf(path)),
    locate: (path) => {
      if (fromPatch(path)) return { file: patch.source.file, line: patch.lineOf(path) };
      return base.locate ? base.locate(path) : { file: base.source.file, line: base.lineOf(path) };
    },
  };
}

function generateConfigMaps(spec: Record<string, unknown>, k: K8sObject, dir: string, ctx: Context): K8sObject[] {
  const out: K8sObject[] = [];
  const list = Array.isArray(spec.configMapGenerator) ? spec.configMapGenerator : [];
  list.forEach((gen, index) => {
    if (!isRecord(gen) || typeof gen.name !== 'string') return;
    const data: Record<string, string> = {};
    for (const item of strings(gen.files)) {
      const eq = item.indexOf('=');
      const key = eq >= 0 ? item.slice(0, eq) : basename(item);
      const path = join(dir, eq >= 0 ? item.slice(eq + 1) : item);
      try {
        data[key] = readFileSync(path, 'utf8');
      } catch {
        ctx.errors.push({
          file: k.source.file,
          message: `configMapGenerator ${gen.name}: cannot read ${JSON.stringify(item)}`,
        });
      }
    }
    for (const literal of strings(gen.literals)) {
      const eq = literal.indexOf('=');
      if (eq > 0) data[literal.slice(0, eq)] = literal.slice(eq + 1);
    }
    const namespace = typeof gen.namespace === 'string' ? gen.namespace : '';
    const path: ObjectPath = ['configMapGenerator', index];
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: gen.name,
      namespace,
      raw: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: gen.name, ...(namespace ? { namespace } : {}) },
        data,
      },
      source: { file: k.source.file, line: k.lineOf(path) },
      lineOf: () => k.lineOf(path),
    });
  });
  return out;
}
