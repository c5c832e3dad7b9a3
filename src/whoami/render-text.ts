/**
 * whoami's plain-text page. Every value that came from the wire goes through escapeControl:
 * a header cannot move the cursor, recolour the terminal or fake a line of this output.
 */
import type { TraceStep } from '../core/trust/types.ts';
import { escapeControl } from './escape.ts';
import type { ProxyReport, WhoamiReport } from './report.ts';

/** Renders a report as text lines (ends with a newline). */
export function renderText(report: WhoamiReport): string {
  const lines: string[] = [];
  const e = escapeControl;
  lines.push(`Hostname: ${e(report.host)}`);
  lines.push(`Peer: ${endpoint(report.peer.ip, report.peer.port)}`);
  if (report.proxyProtocol !== null) lines.push(...proxyLines(report.proxyProtocol));
  const client = report.client.ip === null ? '(none)' : endpoint(report.client.ip, report.client.port);
  lines.push(`Client: ${e(client)} (${e(report.client.reason)})`);
  lines.push(`Request: ${e(report.request.method)} ${e(report.request.url)} HTTP/${e(report.request.httpVersion)}`);
  lines.push('');
  lines.push('Trust:');
  lines.push(...trustLines(report));
  lines.push('');
  lines.push(`Headers (${report.headers.length}, wire order):`);
  for (const [name, value] of report.headers) lines.push(`  ${e(name)}: ${e(value)}`);
  if (report.spoofAttempts.length > 0) {
    lines.push('');
    lines.push('Spoof attempts (forwarding headers from an untrusted peer, ignored):');
    for (const attempt of report.spoofAttempts) lines.push(`  ${e(attempt.header)}: ${e(attempt.value)}`);
  }
  lines.push('');
  lines.push('Trace:');
  if (report.client.trace.length === 0) lines.push('  (empty)');
  report.client.trace.forEach((step, i) => {
    lines.push(`  ${i + 1}. ${traceLine(step)}`);
  });
  return `${lines.join('\n')}\n`;
}

function endpoint(ip: string | null, port: number | null): string {
  if (ip === null) return '(unknown)';
  const host = ip.indexOf(':') === -1 ? ip : `[${ip}]`;
  return port === null ? ip : `${host}:${port}`;
}

function proxyLines(proxy: ProxyReport): string[] {
  const e = escapeControl;
  const lines = [`PROXY protocol: v${proxy.version} ${proxy.command} ${proxy.family} (${proxy.headerLength} bytes)`];
  if (proxy.source !== undefined) lines.push(`  source: ${e(endpoint(proxy.source, proxy.sourcePort ?? null))}`);
  if (proxy.destination !== undefined) {
    lines.push(`  destination: ${e(endpoint(proxy.destination, proxy.destinationPort ?? null))}`);
  }
  for (const tlv of proxy.tlvs) lines.push(`  TLV ${tlvLabel(tlv)}: ${tlvValue(tlv)}`);
  if (proxy.ssl !== undefined) {
    lines.push(`  SSL: client=0x${proxy.ssl.client.toString(16)} verify=${proxy.ssl.verify}`);
    for (const tlv of proxy.ssl.subtlvs) lines.push(`    ${tlvLabel(tlv)}: ${tlvValue(tlv)}`);
  }
  return lines;
}

/** Text TLVs quoted (escaped), others as hex. */
export function tlvValue(tlv: { readonly hex: string; readonly text?: string }): string {
  return tlv.text === undefined ? tlv.hex : quoted(tlv.text);
}

function tlvLabel(tlv: { readonly type: number; readonly name?: string }): string {
  const hex = `0x${tlv.type.toString(16).padStart(2, '0')}`;
  return tlv.name === undefined ? hex : `${hex} ${tlv.name}`;
}

function trustLines(report: WhoamiReport): string[] {
  const t = report.trust;
  const e = escapeControl;
  const lines = [
    `  semantics: ${t.semantics}`,
    `  trusted: ${t.trusted.length === 0 ? '(none)' : e(t.trusted.join(', '))}`,
    `  header: ${e(t.header)}`,
  ];
  if (t.trustAll) lines.push('  trust all: yes');
  if (t.hops !== null) lines.push(`  hops: ${t.hops}`);
  if (t.semantics === 'nginx') lines.push(`  recursive: ${t.recursive ? 'on' : 'off'}`);
  if (t.proxyProtocol.mode !== 'off') {
    const from = t.proxyProtocol.trusted.length === 0 ? '' : ` from ${e(t.proxyProtocol.trusted.join(', '))}`;
    lines.push(`  PROXY protocol: ${t.proxyProtocol.mode}${from}`);
  }
  if (t.trustsEverything) {
    lines.push('  WARNING: this configuration trusts every address: any client can choose its IP (spoofable)');
  }
  return lines;
}

/** One trace step on one line, e.g. `X-Forwarded-For line 0 entry 1 "10.0.0.2": trusted (10.0.0.0/8)`. */
export function traceLine(step: TraceStep): string {
  const e = escapeControl;
  let where = 'peer';
  if (step.source === 'header') {
    where = e(step.header ?? 'header');
    if (step.line !== undefined) where += ` line ${step.line}`;
    if (step.index !== undefined) where += ` entry ${step.index}`;
  }
  let verdict: string = step.verdict;
  const details = [step.range, step.why].filter((part) => part !== undefined).map((part) => e(String(part)));
  if (details.length > 0) verdict += ` (${details.join(', ')})`;
  return `${where} ${quoted(step.value)}: ${verdict}`;
}

/** Double-quoted, with quotes and controls escaped. */
export function quoted(text: string): string {
  return `"${escapeControl(text).replaceAll('"', '\\"')}"`;
}
