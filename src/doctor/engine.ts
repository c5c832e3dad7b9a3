/**
 * Runs every rule over a snapshot. Pure: `(snapshot, config) => findings`; the loaders are the
 * only I/O. A rule that throws on an odd object becomes an input error naming the rule, never a crash.
 */
import { DoctorContext } from './context.ts';
import { RULES } from './rules/index.ts';
import { type DoctorConfig, EMPTY_CONFIG, suppressedBy } from './suppress.ts';
import { type Finding, type InputError, type K8sObject, SEVERITY_RANK, type Snapshot } from './types.ts';

export interface DoctorResult {
  readonly findings: readonly Finding[];
  readonly suppressed: number;
  readonly errors: readonly InputError[];
  /** Non-fatal input gaps (see Snapshot.notes). */
  readonly notes: readonly string[];
  readonly objects: number;
  readonly mode: Snapshot['mode'];
}

/**
 * Objects rendered from different kustomizations are alternatives (deploy/overlays/aws-nlb and
 * deploy/overlays/gke both define the same Service), so each group is checked on its own, together
 * with the loose (ungrouped) objects; identical findings from several runs are reported once.
 */
function partitions(snapshot: Snapshot): Snapshot[] {
  const loose = snapshot.objects.filter((o) => o.group === undefined);
  const groups = new Map<string, K8sObject[]>();
  for (const o of snapshot.objects) {
    if (o.group === undefined) continue;
    const list = groups.get(o.group) ?? [];
    list.push(o);
    groups.set(o.group, list);
  }
  if (groups.size === 0) return [snapshot];
  return [...groups.values()].map((objects) => ({ ...snapshot, objects: [...loose, ...objects] }));
}

export function runDoctor(snapshot: Snapshot, config: DoctorConfig = EMPTY_CONFIG): DoctorResult {
  const findings: Finding[] = [];
  const errors: InputError[] = [...snapshot.errors];
  const seen = new Set<string>();
  const suppressedKeys = new Set<string>();
  const failedRules = new Set<string>();
  for (const part of partitions(snapshot)) {
    const ctx = new DoctorContext(part);
    for (const rule of RULES) {
      let raw: ReturnType<typeof rule.check>;
      try {
        raw = rule.check(ctx);
      } catch (error) {
        if (!failedRules.has(rule.id)) {
          failedRules.add(rule.id);
          errors.push({
            message: `rule ${rule.id} could not run: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
        continue;
      }
      for (const r of raw) {
        const object = { kind: r.object.kind, namespace: r.object.namespace, name: r.object.name };
        const located = r.path && r.object.locate ? r.object.locate(r.path) : undefined;
        const file = located?.file ?? r.object.source.file;
        const line = r.line ?? located?.line ?? (r.path ? r.object.lineOf(r.path) : r.object.source.line);
        const key = `${rule.id}\0${object.kind}\0${object.namespace}\0${object.name}\0${r.message}\0${file}\0${line}`;
        if (suppressedBy(rule, r.object, config)) {
          suppressedKeys.add(key);
          continue;
        }
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({
          ruleId: rule.id,
          slug: rule.slug,
          severity: config.severity[rule.id] ?? r.severity ?? rule.severity,
          message: r.message,
          object,
          ...(file !== undefined ? { file } : {}),
          ...(line !== undefined ? { line } : {}),
          related: (r.related ?? [])
            .filter((o) => o !== r.object)
            .map((o) => ({ kind: o.kind, namespace: o.namespace, name: o.name })),
        });
      }
    }
  }
  const suppressed = suppressedKeys.size;
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
