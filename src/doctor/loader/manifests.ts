/**
 * Manifest input: files, directories (recursive *.yaml / *.yml / *.json) and stdin. Everything goes
 * through the `yaml` parser (JSON is YAML 1.2), so every object keeps the line of every node for
 * file:line findings and SARIF regions. Handles multi-document streams, `List` objects
 * (`kubectl get … -o json`), Helm-rendered output (`# Source:` comments) and, as virtual objects,
 * the Kong, ingress-nginx and Traefik Helm chart values files (see helm-values.ts). A directory with a
 * kustomization.yaml is rendered (kustomize.ts) instead of read file by file.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Document, isNode, LineCounter, parseAllDocuments } from 'yaml';
import type { InputError, K8sObject, ObjectPath, Snapshot, SourceRef } from '../types.ts';
import { helmValuesObjects } from './helm-values.ts';
import { jsonLineIndex } from './json-lines.ts';
import { KUSTOMIZATION_FILES, kustomizationFile, renderKustomization } from './kustomize.ts';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
/** A manifest larger than this is refused: the doctor reads configuration, not data. */
const MAX_FILE_BYTES = 128 * 1024 * 1024;

/** Kind given to a sourceip gateway configuration file (not a Kubernetes object). */
export const SOURCEIP_CONFIG_KIND = 'SourceipConfig';

/** Loads every path (`-` = stdin). Never throws for bad input: problems become `errors`. */
export async function loadManifests(paths: readonly string[], stdin?: () => Promise<string>): Promise<Snapshot> {
  const objects: K8sObject[] = [];
  const errors: InputError[] = [];
  const notes: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      const text = stdin ? await stdin() : await readStdin();
      parseManifestText(text, '-', objects, errors);
      continue;
    }
    let files: string[];
    try {
      files = await expand(path, (dir) => {
        for (const o of renderKustomization(dir, errors, notes)) objects.push({ ...o, group: dir });
      });
    } catch (error) {
      errors.push({ file: path, message: `cannot read: ${describeFsError(error)}` });
      continue;
    }
    for (const file of files) {
      try {
        const info = await stat(file);
        if (info.size > MAX_FILE_BYTES) {
          errors.push({ file, message: `file larger than ${MAX_FILE_BYTES} bytes, skipped` });
          continue;
        }
        parseManifestText(await readFile(file, 'utf8'), file, objects, errors);
      } catch (error) {
        errors.push({ file, message: `cannot read: ${describeFsError(error)}` });
      }
    }
  }
  return { mode: 'static', objects, errors, notes };
}

/** Files under `path`; kustomization directories go to `kustomize` instead of being listed. */
async function expand(path: string, kustomize: (dir: string) => void): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    // `sourceip doctor overlays/prod/kustomization.yaml` means the kustomization, not the file.
    if (KUSTOMIZATION_FILES.includes(basename(path))) {
      kustomize(dirname(path) || '.');
      return [];
    }
    return [path];
  }
  if (kustomizationFile(path)) {
    kustomize(path);
    return [];
  }
  const out: string[] = [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await expand(full, kustomize)));
    else if (entry.isFile() && MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) out.push(full);
  }
  return out;
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses one YAML/JSON stream into objects. A document with a syntax error is reported with its
 * line and skipped; the other documents of the stream are still used.
 */
export function parseManifestText(text: string, file: string, objects: K8sObject[], errors: InputError[]): void {
  if (parseJsonFast(text, file, objects)) return;
  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false }) as Document.Parsed[];
  } catch (error) {
    errors.push({ file, message: `cannot parse: ${error instanceof Error ? error.message : String(error)}` });
    return;
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors.slice(0, 3)) {
        const line = lineCounter.linePos(error.pos[0]).line;
        errors.push({ file, line, message: `invalid YAML: ${firstLine(error.message)}` });
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      const line = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
      errors.push({ file, line, message: `cannot load document: ${firstLine(String((error as Error).message))}` });
      continue;
    }
    if (!isRecord(value)) continue;
    const helmSource = helmSourceOf(doc);
    const lineAt = (path: ObjectPath): number | undefined => {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    };
    collect(value, [], file, helmSource, lineAt, objects);
  }
}

/**
 * JSON documents (`kubectl get -o json` dumps, often megabytes) go through JSON.parse with lines
 * found on demand (json-lines.ts); anything JSON.parse refuses falls back to the YAML parser,
 * which reports the error with its line.
 */
function parseJsonFast(text: string, file: string, objects: K8sObject[]): boolean {
  let start = 0;
  while (start < text.length && /\s/.test(text[start]!)) start++;
  if (text[start] !== '{' && text[start] !== '[') return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isRecord(value)) return true;
  const index = jsonLineIndex(text);
  collect(value, [], file, undefined, (path) => index.lineOf(path), objects);
  return true;
}

function collect(
  value: Record<string, unknown>,
  base: ObjectPath,
  file: string,
  helmSource: string | undefined,
  lineAt: (path: ObjectPath) => number | undefined,
  objects: K8sObject[],
): void {
  const kind = typeof value.kind === 'string' ? value.kind : '';
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  if (kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item, index) => {
      if (isRecord(item)) collect(item, [...base, 'items', index], file, helmSource, lineAt, objects);
    });
    return;
  }
  const source: SourceRef = { file, line: lineAt(base), helmSource };
  if (!kind || !apiVersion) {
    if (looksLikeSourceipConfig(value, file)) {
      objects.push(
        makeObject(value, SOURCEIP_CONFIG_KIND, 'sourceip.dev/v1', basename(file), '', source, base, lineAt),
      );
      return;
    }
    for (const virtual of helmValuesObjects(value, file)) {
      objects.push(
        makeObject(virtual.raw, virtual.kind, virtual.apiVersion, virtual.name, '', source, [], (path) =>
          lineAt([...base, ...virtual.mapPath(path)]),
        ),
      );
    }
    return;
  }
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name =
    typeof metadata.name === 'string'
      ? metadata.name
      : typeof metadata.generateName === 'string'
        ? `${metadata.generateName}*`
        : '(unnamed)';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  objects.push(makeObject(value, kind, apiVersion, name, namespace, source, base, lineAt));
}

function makeObject(
  raw: Record<string, unknown>,
  kind: string,
  apiVersion: string,
  name: string,
  namespace: string,
  source: SourceRef,
  base: ObjectPath,
  lineAt: (path: ObjectPath) => number | undefined,
): K8sObject {
  return {
    apiVersion,
    kind,
    name,
    namespace,
    raw,
    source,
    lineOf: (path) => lineAt([...base, ...path]) ?? source.line,
  };
}

/** A sourceip gateway config: a file named sourceip.y(a)ml, or a mapping with the gateway's top-level keys. */
export function looksLikeSourceipConfig(value: Record<string, unknown>, file: string): boolean {
  if (/(^|[/\\])sourceip\.ya?ml$/.test(file)) return true;
  return ('trustProfiles' in value || 'trust_profiles' in value) && ('listeners' in value || 'routes' in value);
}

function helmSourceOf(doc: Document.Parsed): string | undefined {
  // After `---` the comment belongs to the first node; before any marker, to the document.
  const contents = doc.contents as { commentBefore?: string | null } | null;
  const comment = `${doc.commentBefore ?? ''}\n${contents?.commentBefore ?? ''}`;
  const match = /(?:^|\n)\s*Source:\s*(\S+)/.exec(comment);
  return match ? match[1] : undefined;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
