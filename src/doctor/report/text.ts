/**
 * The terminal report: findings grouped by the guide's troubleshooting symptom, most severe first,
 * each with its object, file:line and message, then a one-line summary. Colour only when asked
 * (the CLI enables it on a TTY without NO_COLOR).
 */
import type { DoctorResult } from '../engine.ts';
import { findRule } from '../rules/index.ts';
import type { Finding, RuleDoc, Severity } from '../types.ts';

const GROUPS: readonly { symptom: RuleDoc['symptom']; title: string }[] = [
  { symptom: 'spoofing-possible', title: 'Spoofing possible: clients can choose the IP the application sees' },
  { symptom: 'source-ip-is-node-ip', title: 'Source IP shows a node or load-balancer IP' },
  { symptom: 'xff-empty', title: 'X-Forwarded-For empty or missing the client' },
  { symptom: 'uneven-load', title: 'Uneven load distribution' },
  { symptom: 'traffic-loss', title: 'Dropped traffic or failed health checks' },
  { symptom: 'context', title: 'Context' },
];

export interface TextOptions {
  readonly colour: boolean;
}

const ANSI: Record<Severity | 'dim' | 'bold', string> = { error: '31', warning: '33', info: '36', dim: '2', bold: '1' };

export function renderText(result: DoctorResult, options: TextOptions): string {
  const paint = (style: keyof typeof ANSI, text: string) =>
    options.colour ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text;
  const lines: string[] = [];
  for (const group of GROUPS) {
    const items = result.findings.filter((f) => findRule(f.ruleId)?.symptom === group.symptom);
    if (items.length === 0) continue;
    lines.push(paint('bold', `${group.title} (${items.length})`));
    for (const f of items) lines.push(...renderFinding(f, paint));
    lines.push('');
  }
  const count = (s: Severity) => result.findings.filter((f) => f.severity === s).length;
  const summary = [
    `${count('error')} error(s)`,
    `${count('warning')} warning(s)`,
    `${count('info')} info`,
    ...(result.suppressed ? [`${result.suppressed} suppressed`] : []),
    ...(result.errors.length ? [`${result.errors.length} input error(s)`] : []),
  ].join(', ');
  const source = result.mode === 'live' ? 'from the cluster' : 'from manifests';
  if (result.findings.length === 0 && result.suppressed === 0 && result.errors.length === 0) {
    lines.push(`No findings in ${result.objects} object(s) ${source}.`);
  } else {
    lines.push(`${summary} in ${result.objects} object(s) ${source}.`);
  }
  if (result.findings.length > 0) lines.push(paint('dim', 'Explain a rule: sourceip doctor --explain <ID>'));
  return `${lines.join('\n')}\n`;
}

/**
 * Names and values in messages come from manifests anyone may have written: control characters
 * (ANSI escapes, CR) are shown escaped so they cannot rewrite the terminal, and long text is cut.
 */
export function safeText(text: string, max = 400): string {
  const escaped = text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

function refText(r: { kind: string; namespace: string; name: string }): string {
  return safeText(`${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`, 200);
}

function renderFinding(f: Finding, paint: (style: keyof typeof ANSI, text: string) => string): string[] {
  const where = f.file ? `${safeText(f.file, 200)}${f.line ? `:${f.line}` : ''}` : '';
  const out = [
    `  ${paint(f.severity, f.severity.padEnd(7))} ${f.ruleId} ${f.slug}  ${refText(f.object)}${where ? paint('dim', `  ${where}`) : ''}`,
    `          ${safeText(f.message)}`,
  ];
  if (f.related.length > 0) out.push(paint('dim', `          related: ${f.related.map(refText).join(', ')}`));
  return out;
}
