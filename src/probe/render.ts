/**
 * The probe's report as a verdict table (text) or JSON. The app's answers are untrusted text: the
 * table makes control characters visible (`\x1b`) and cuts long values.
 */
import { escapeControl } from '../whoami/escape.ts';
import type { CheckResult, ProbeReport, Severity } from './probe.ts';

export interface TextOptions {
  /** ANSI colour on the verdict column (only on a TTY, never with NO_COLOR: decided by the caller). */
  readonly colour?: boolean;
}

/**
 * Colour only on a terminal, never with NO_COLOR (any non-empty value, no-color.org) or TERM=dumb.
 * @example useColour(process.stdout.isTTY, process.env)
 */
export function useColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

const COLOURS: Readonly<Record<Severity, string>> = {
  ok: '\x1b[32m',
  info: '\x1b[36m',
  warning: '\x1b[33m',
  error: '\x1b[1;31m',
};
const RESET = '\x1b[0m';
const SENT_WIDTH = 52;
const SAW_WIDTH = 40;

/**
 * @example renderText(report) // "check  sent  app saw  verdict\nbaseline  -  127.0.0.2  preserved\n…"
 */
export function renderText(report: ProbeReport, options: TextOptions = {}): string {
  const lines: string[] = [];
  const where = report.address.includes(':')
    ? `[${report.address}]:${report.port}`
    : `${report.address}:${report.port}`;
  lines.push(`probe ${cut(escapeControl(report.url), 100)} → ${where} (echo: ${report.echo})`);
  lines.push(
    report.expectedFrom === 'flag'
      ? `expected client: ${report.expectedClient} (--expect-client)`
      : `expected client: ${report.expectedClient} (our socket's address${report.natPossible ? '; a NAT in between would change it: pass --expect-client' : ''})`,
  );
  lines.push('');
  const rows = report.checks.map((c) => [c.id, sentText(c), sawText(c), verdictText(c)] as const);
  const header = ['check', 'sent', 'app saw', 'verdict'] as const;
  const widths = [0, 1, 2].map((i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const pad = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ');
  lines.push(pad(header));
  report.checks.forEach((check, i) => {
    const row = rows[i]!;
    const verdict = options.colour === true ? `${COLOURS[check.severity]}${row[3]}${RESET}` : row[3];
    lines.push(pad([row[0], row[1], row[2], verdict]));
  });
  lines.push('');
  // One line per distinct note, naming every check it applies to.
  const notes = new Map<string, string[]>();
  for (const check of report.checks) {
    if (check.severity === 'ok' && check.id !== 'baseline') continue;
    const key = `${check.verdict === 'spoofable' ? 'SPOOFABLE' : check.verdict}: ${check.note}`;
    notes.set(key, [...(notes.get(key) ?? []), check.id]);
  }
  for (const [note, ids] of notes) lines.push(`${ids.join(', ')} — ${escapeControl(note)}`);
  lines.push('');
  lines.push(summary(report));
  return `${lines.join('\n')}\n`;
}

/** The report as JSON (stable field names: docs/probe.md). */
export function renderJson(report: ProbeReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function summary(report: ProbeReport): string {
  const parts: string[] = [];
  if (report.preserved === true) parts.push('client address preserved');
  else if (report.preserved === false) parts.push('client address NOT preserved');
  else parts.push('client address unverified (NAT?)');
  const spoofed = report.checks.filter((c) => c.verdict === 'spoofable').map((c) => c.id);
  parts.push(spoofed.length > 0 ? `SPOOFABLE via ${spoofed.join(', ')}` : 'no forged address accepted');
  if (report.inconclusive > 0) parts.push(`${report.inconclusive} inconclusive`);
  return `${parts.join('; ')} (${report.findings} finding${report.findings === 1 ? '' : 's'})`;
}

function sentText(check: CheckResult): string {
  return check.sent.length === 0 ? '-' : cut(check.sent.join(' ¦ '), SENT_WIDTH);
}

function sawText(check: CheckResult): string {
  if (check.appSaw !== null) return cut(escapeControl(check.appSaw), SAW_WIDTH);
  return check.status === null
    ? '(no answer)'
    : check.verdict === 'rejected' || check.verdict === 'refused'
      ? `(HTTP ${check.status})`
      : '(none)';
}

function verdictText(check: CheckResult): string {
  return check.verdict === 'spoofable' ? 'SPOOFABLE' : check.verdict;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
