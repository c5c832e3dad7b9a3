/**
 * whoami's small HTML page. Every value from the wire or the configuration goes through escapeHtml
 * (which also makes control characters visible); the page has no script and is served with a
 * Content-Security-Policy that forbids any (server.ts).
 */
import { escapeHtmlChars, escapeHtml as h } from './escape.ts';
import { traceLine } from './render-text.ts';
import type { WhoamiReport } from './report.ts';

const STYLE =
  'body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em}' +
  'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}' +
  'code,td{font-family:ui-monospace,monospace;word-break:break-all}.warn{color:#a00;font-weight:bold}';

export function renderHtml(report: WhoamiReport): string {
  const parts: string[] = [];
  const client = report.client.ip === null ? '(none)' : report.client.ip;
  parts.push(
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>sourceip whoami: ${h(client)}</title><style>${STYLE}</style></head><body>`,
    `<h1>Client <code>${h(client)}</code></h1>`,
    `<p>reason: <code>${h(report.client.reason)}</code>`,
    report.client.port === null ? '' : `, port <code>${report.client.port}</code>`,
    '</p><table>',
    row('Hostname', report.host),
    row('Peer', `${report.peer.ip ?? '(unknown)'} port ${report.peer.port ?? '?'}`),
    row('Request', `${report.request.method} ${report.request.url} HTTP/${report.request.httpVersion}`),
    '</table>',
  );
  if (report.proxyProtocol !== null) {
    const p = report.proxyProtocol;
    parts.push('<h2>PROXY protocol</h2><table>');
    parts.push(row('Header', `v${p.version} ${p.command} ${p.family} (${p.headerLength} bytes)`));
    if (p.source !== undefined) parts.push(row('Source', `${p.source} port ${p.sourcePort ?? '?'}`));
    if (p.destination !== undefined) {
      parts.push(row('Destination', `${p.destination} port ${p.destinationPort ?? '?'}`));
    }
    for (const tlv of p.tlvs) parts.push(row(`TLV 0x${tlv.type.toString(16)} ${tlv.name ?? ''}`, htmlTlvValue(tlv)));
    if (p.ssl !== undefined) {
      parts.push(row('SSL', `client=0x${p.ssl.client.toString(16)} verify=${p.ssl.verify}`));
      for (const tlv of p.ssl.subtlvs) {
        parts.push(row(`SSL 0x${tlv.type.toString(16)} ${tlv.name ?? ''}`, htmlTlvValue(tlv)));
      }
    }
    parts.push('</table>');
  }
  const t = report.trust;
  parts.push('<h2>Trust</h2><table>');
  parts.push(row('Semantics', t.semantics));
  parts.push(row('Trusted', t.trusted.length === 0 ? '(none)' : t.trusted.join(', ')));
  parts.push(row('Header', t.header));
  if (t.proxyProtocol.mode !== 'off') parts.push(row('PROXY protocol', t.proxyProtocol.mode));
  parts.push('</table>');
  if (t.trustsEverything) {
    parts.push('<p class="warn">This configuration trusts every address: any client can choose its IP.</p>');
  }
  if (report.spoofAttempts.length > 0) {
    parts.push(
      '<h2 class="warn">Spoof attempts</h2><p>Forwarding headers from an untrusted peer (ignored):</p><table>',
    );
    for (const attempt of report.spoofAttempts) parts.push(row(attempt.header, attempt.value));
    parts.push('</table>');
  }
  parts.push(`<h2>Headers (${report.headers.length}, wire order)</h2><table>`);
  for (const [name, value] of report.headers) parts.push(row(name, value));
  parts.push('</table><h2>Trace</h2><ol>');
  for (const step of report.client.trace) parts.push(`<li><code>${escapeHtmlChars(traceLine(step))}</code></li>`);
  parts.push('</ol></body></html>\n');
  return parts.join('');
}

/** Raw text (row() escapes it) or hex. */
function htmlTlvValue(tlv: { readonly hex: string; readonly text?: string }): string {
  return tlv.text === undefined ? tlv.hex : `"${tlv.text}"`;
}

function row(name: string, value: string): string {
  return `<tr><th>${h(name)}</th><td>${h(value)}</td></tr>`;
}
