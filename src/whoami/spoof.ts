/**
 * Forwarding headers: the ones that claim a client address, host or scheme. Sent by an untrusted
 * peer, each of them is a spoof attempt — the client chose its value, and nothing should believe it.
 */

/** Lower-case names. CDN and proxy sources: docs/whoami.md. */
export const FORWARDING_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'true-client-ip',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cloudfront-viewer-address',
  'x-original-forwarded-for',
  'x-envoy-external-address',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
]);

export interface SpoofAttempt {
  /** The header name as sent. */
  readonly header: string;
  /** The value as sent (escape before printing). */
  readonly value: string;
}

/**
 * Forwarding header lines (plus the configured header, if it is not one of the known ones) that an
 * untrusted peer sent, in wire order. Empty when the peer is trusted.
 *
 * @example spoofAttempts(['X-Forwarded-For', '1.2.3.4'], false, 'x-forwarded-for') // [{ header: 'X-Forwarded-For', value: '1.2.3.4' }]
 */
export function spoofAttempts(
  rawHeaders: readonly string[],
  peerTrusted: boolean,
  configuredHeader: string,
): SpoofAttempt[] {
  if (peerTrusted) return [];
  const configured = configuredHeader.toLowerCase();
  const found: SpoofAttempt[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (FORWARDING_HEADERS.has(lower) || lower === configured) found.push({ header: name, value: rawHeaders[i + 1]! });
  }
  return found;
}
