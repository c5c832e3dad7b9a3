/**
 * `--format json`: one object, stable field names (public API, versioned by `version`).
 * Each finding: ruleId, slug, severity, message, object {kind, namespace, name}, file, line, related.
 */
import { VERSION } from '../../cli/version.ts';
import type { DoctorResult } from '../engine.ts';

export function renderJson(result: DoctorResult): string {
  const count = (s: string) => result.findings.filter((f) => f.severity === s).length;
  const out = {
    version: 1,
    tool: { name: 'sourceip doctor', version: VERSION },
    mode: result.mode,
    objects: result.objects,
    summary: { error: count('error'), warning: count('warning'), info: count('info'), suppressed: result.suppressed },
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      slug: f.slug,
      severity: f.severity,
      message: f.message,
      object: f.object,
      file: f.file ?? null,
      line: f.line ?? null,
      related: f.related,
    })),
    errors: result.errors,
    notes: result.notes,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
