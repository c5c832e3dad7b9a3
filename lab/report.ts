/**
 * The lab's output: a plain table on stdout and a Markdown report (lab/out/REPORT.md) with the
 * same rows, the notes that explain them, the topology and the run time.
 */
import { type Row, type Scenario, verdictOf } from './context.ts';

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Fixed-width text table (one line per row). */
export function textTable(rows: readonly Row[]): string {
  const head = ['#', 'case', 'the guide says', 'the app saw', 'verdict'];
  const cells = rows.map((r) => [
    String(r.scenario),
    cut(r.name, 64),
    cut(r.expected, 64),
    cut(r.observed, 96),
    verdictOf(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function md(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export interface ReportInput {
  readonly rows: readonly Row[];
  readonly scenarios: readonly Scenario[];
  readonly errors: readonly { scenario: number; message: string }[];
  readonly seconds: number;
  /** Seconds per phase (topology, programs, each scenario, teardown). */
  readonly phases: Record<string, number>;
  readonly date: Date;
  readonly versions: Record<string, string>;
}

/** The Markdown report. */
export function markdownReport(input: ReportInput): string {
  const failed = input.rows.filter((r) => verdictOf(r) === 'MISMATCH').length + input.errors.length;
  const out: string[] = [
    '# sourceip lab report',
    '',
    `Run ${input.date.toISOString()} in ${input.seconds.toFixed(1)} s — ${input.rows.length} rows, ` +
      (failed === 0 ? 'every observation matches the guide.' : `**${failed} mismatch(es)**.`),
    '',
    `Programs: ${Object.entries(input.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}. Every "observed" value below was read from the application's own answer ` +
      "(whoami JSON or the nginx test app's body) or from the gateway's /metrics, in this run.",
    '',
    '| # | case | the guide says | the app saw | verdict |',
    '|---|---|---|---|---|',
  ];
  for (const r of input.rows) {
    out.push(
      `| ${r.scenario} | ${md(r.name)} | ${md(r.expected)} | ${md(r.observed)} | ${{ ok: '✅ ok', MISMATCH: '❌ MISMATCH' }[verdictOf(r)]} |`,
    );
  }
  for (const e of input.errors)
    out.push(`| ${e.scenario} | (scenario failed to run) | | ${md(e.message)} | ❌ ERROR |`);
  out.push('', '## Why', '');
  for (const s of input.scenarios) {
    const notes = input.rows.filter((r) => r.scenario === s.id && r.note);
    if (notes.length === 0) continue;
    out.push(`**${s.id}. ${s.title}.** ${[...new Set(notes.map((r) => r.note))].join(' ')}`, '');
  }
  out.push(
    '## Time',
    '',
    `${Object.entries(input.phases)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}; total ${input.seconds.toFixed(1)} s.`,
    '',
    '## Topology',
    '',
    'See lab/README.md for the drawing. Namespaces `siplab-<pid>-*`, addresses in 198.18.0.0/15 and fd00::/8; ',
    'kube-proxy, the NAT gateway and MetalLB L2 are iptables rules and addresses inside the node/gateway namespaces.',
    '',
  );
  return out.join('\n');
}
