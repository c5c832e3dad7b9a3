/**
 * Suppression. Two ways, both documented in docs/doctor.md:
 * - on the object: annotation `sourceip.dev/ignore: "SIP-101,SIP-203"` (ids or slugs, or `all`);
 *   anything after ` # ` in the value is a free-text reason.
 * - in a config file (`--config doctor.yaml`): `ignore:` entries with a rule and an optional object
 *   match (kind / namespace / name, `*` globs), plus `severity:` overrides and `failOn:`.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { annotations } from './context.ts';
import { findRule } from './rules/index.ts';
import type { K8sObject, Rule, Severity } from './types.ts';

export const IGNORE_ANNOTATION = 'sourceip.dev/ignore';

const severity = z.enum(['error', 'warning', 'info']);
const schema = z
  .object({
    failOn: severity.optional(),
    ignore: z
      .array(
        z
          .object({
            rule: z.string().min(1),
            kind: z.string().optional(),
            namespace: z.string().optional(),
            name: z.string().optional(),
            reason: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    severity: z.record(z.string(), severity).default({}),
  })
  .strict();

export interface IgnoreEntry {
  readonly rule: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly reason?: string;
}

export interface DoctorConfig {
  readonly failOn?: Severity;
  readonly ignore: readonly IgnoreEntry[];
  /** Rule id → severity override. */
  readonly severity: Readonly<Record<string, Severity>>;
}

export const EMPTY_CONFIG: DoctorConfig = { ignore: [], severity: {} };

/** Reads and validates a doctor config file; throws ConfigError with file:line. */
export async function loadDoctorConfig(file: string): Promise<DoctorConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { file });
  }
  return parseDoctorConfig(text, file);
}

export function parseDoctorConfig(text: string, file: string): DoctorConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new ConfigError(`invalid YAML: ${error.message.split('\n')[0]}`, {
      file,
      line: lineCounter.linePos(error.pos[0]).line,
    });
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    throw new ConfigError(issue.message, { file, line, key: issue.path.join('.') || undefined });
  }
  const config = result.data;
  const overrides: Record<string, Severity> = {};
  for (const [key, value] of Object.entries(config.severity)) {
    const rule = findRule(key);
    if (!rule) throw new ConfigError(`unknown rule ${JSON.stringify(key)}`, { file, key: `severity.${key}` });
    overrides[rule.id] = value;
  }
  for (const [index, entry] of config.ignore.entries()) {
    if (entry.rule !== '*' && entry.rule !== 'all' && !findRule(entry.rule)) {
      throw new ConfigError(`unknown rule ${JSON.stringify(entry.rule)}`, { file, key: `ignore.${index}.rule` });
    }
  }
  return { failOn: config.failOn, ignore: config.ignore, severity: overrides };
}

function glob(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return regex.test(value);
}

function ruleMatches(token: string, rule: Rule): boolean {
  const t = token.trim().toLowerCase();
  return t === 'all' || t === '*' || t === rule.id.toLowerCase() || t === rule.slug;
}

/** Whether a finding of `rule` on `object` is suppressed, and by what. */
export function suppressedBy(rule: Rule, object: K8sObject, config: DoctorConfig): string | undefined {
  const value = annotations(object)[IGNORE_ANNOTATION];
  if (value !== undefined) {
    const list = value.split('#')[0]!;
    if (list.split(/[\s,]+/).some((token) => token && ruleMatches(token, rule)))
      return `annotation ${IGNORE_ANNOTATION}`;
  }
  for (const entry of config.ignore) {
    if (!ruleMatches(entry.rule, rule)) continue;
    if (glob(entry.kind, object.kind) && glob(entry.namespace, object.namespace) && glob(entry.name, object.name))
      return 'config';
  }
  return undefined;
}
