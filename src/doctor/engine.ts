/**
 * Runs every rule over a snapshot. Pure: `(snapshot, config) => findings`; the loaders are the
 * only I/O. A rule that throws on an odd object becomes an input error naming the rule, never a crash.
 */
import { DoctorContext } from './context.ts';
import { RULES } from './rules/index.ts';
import { type DoctorConfig, EMPTY_CONFIG, suppressedBy } from './suppress.ts';
import { type Finding, type InputError, SEVERITY_RANK, type Snapshot } from './types.ts';

export interface DoctorResult {
  readonly findings: readonly Finding[];
  readonly suppressed: number;
  readonly errors: readonly InputError[];
  /** Non-fatal input gaps (see Snapshot.notes). */
  readonly notes: readonly string[];
  readonly objects: number;
  readonly mode: Snapshot['mode'];
}

export function runDoctor(snapshot: Snapshot, config: DoctorConfig = EMPTY_CONFIG): DoctorResult {
  const ctx = new DoctorContext(snapshot);
  const findings: Finding[] = [];
  const errors: InputError[] = [...snapshot.errors];
  const seen = new Set<string>();
  let suppressed = 0;
  for (const rule of RULES) {
    let raw: ReturnType<typeof rule.check>;
    try {
      raw = rule.check(ctx);
    } catch (error) {
      errors.push({
        message: `rule ${rule.id} could not run: ${error instanceof Error ? error.message : String(error)}`,
      });
      continue;
    }
    for (const r of raw) {
      if (suppressedBy(rule, r.object, config)) {
        suppressed++;
        continue;
      }
      const object = { kind: r.object.kind, namespace: r.object.namespace, name: r.object.name };
      const key = `${rule.id}\0${object.kind}\0${object.namespace}\0${object.name}\0${r.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const line = r.line ?? (r.path ? r.object.lineOf(r.path) : r.object.source.line);
      findings.push({
        ruleId: rule.id,
        slug: rule.slug,
        severity: config.severity[rule.id] ?? r.severity ?? rule.severity,
        message: r.message,
        object,
        ...(r.object.source.file !== undefined ? { file: r.object.source.file } : {}),
        ...(line !== undefined ? { line } : {}),
        related: (r.related ?? [])
          .filter((o) => o !== r.object)
          .map((o) => ({ kind: o.kind, namespace: o.namespace, name: o.name })),
      });
    }
  }
  findings.sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0),
  );
  return {
    findings,
    suppressed,
    errors,
    notes: snapshot.notes ?? [],
    objects: snapshot.objects.length,
    mode: snapshot.mode,
  };
}

/** True when a finding is at or above the threshold. */
export function atOrAbove(finding: Finding, threshold: Finding['severity']): boolean {
  return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[threshold];
}
