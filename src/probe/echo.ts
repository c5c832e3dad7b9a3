/**
 * Reading an echo backend's answer: which client did the app see? Three shapes are understood:
 * `sourceip whoami` JSON (docs/whoami.md, `client.ip`), any JSON with the address at a JSON
 * pointer (RFC 6901, `--client-field /origin`), and a plain-text body that is just the address
 * (icanhazip-style). Bodies are attacker-influenced bytes when a proxy reflects headers: nothing
 * here evaluates them beyond JSON.parse, and messages quote them escaped and cut short.
 */
import { equalIP, parseEndpoint, parseIP, unmapIPv4, withoutZone } from '../core/ip/address.ts';

export type EchoKind = 'whoami' | 'json-pointer' | 'text';

export interface EchoReading {
  readonly kind: EchoKind;
  /** The address the app reports as its client, as it printed it; null when it reports none. */
  readonly client: string | null;
  /** whoami only: the app's reason word (`untrusted-peer`, `rightmost-untrusted`, …). */
  readonly reason?: string;
  /** whoami only: the app's trust configuration trusts every address (`trust.trustsEverything`). */
  readonly trustsEverything?: boolean;
  /** whoami only: the app's TCP peer (a proxy or load balancer when the client came through one). */
  readonly peer?: string | null;
  /** whoami only: the PROXY header source the app decoded on this connection, if any. */
  readonly proxySource?: string | null;
}

export type EchoResult =
  | { readonly ok: true; readonly echo: EchoReading }
  | { readonly ok: false; readonly error: string };

/**
 * Checks a JSON pointer's syntax (RFC 6901 §3): empty, or `/`-separated tokens with `~0`/`~1` only.
 * @example isJsonPointer('/client/ip') // true
 */
export function isJsonPointer(pointer: string): boolean {
  if (pointer === '') return true;
  if (pointer[0] !== '/') return false;
  for (let i = 0; i < pointer.length; i++) {
    if (pointer[i] === '~' && pointer[i + 1] !== '0' && pointer[i + 1] !== '1') return false;
  }
  return true;
}

/** Evaluates a JSON pointer (RFC 6901 §4); undefined when a token does not exist. */
export function evaluatePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return node;
}

/**
 * Reads the client the app saw from a response body.
 * @example readEcho('{"peer":{"ip":"127.0.0.1"},"client":{"ip":"127.0.0.1","reason":"untrusted-peer"}}')
 * // { ok: true, echo: { kind: 'whoami', client: '127.0.0.1', reason: 'untrusted-peer', … } }
 * readEcho('{"origin":"192.0.2.1"}', '/origin') // { ok: true, echo: { kind: 'json-pointer', client: '192.0.2.1' } }
 * readEcho('192.0.2.1\n') // { ok: true, echo: { kind: 'text', client: '192.0.2.1' } }
 */
export function readEcho(body: string, clientField?: string): EchoResult {
  const trimmed = body.trim();
  if (clientField !== undefined) {
    const document = parseJson(trimmed);
    if (document === undefined) return { ok: false, error: `the answer is not JSON (${excerpt(trimmed)})` };
    const value = evaluatePointer(document, clientField);
    if (value === null) return { ok: true, echo: { kind: 'json-pointer', client: null } };
    if (typeof value !== 'string') {
      return { ok: false, error: `the answer has no string at ${JSON.stringify(clientField)} (${excerpt(trimmed)})` };
    }
    return { ok: true, echo: { kind: 'json-pointer', client: value } };
  }
  if (trimmed.startsWith('{')) {
    const document = parseJson(trimmed);
    const whoami = document === undefined ? undefined : whoamiReading(document);
    if (whoami !== undefined) return { ok: true, echo: whoami };
    return {
      ok: false,
      error: `the answer is not sourceip whoami JSON; name the client's field with --client-field (${excerpt(trimmed)})`,
    };
  }
  if (trimmed.length <= 64 && parseEndpoint(trimmed) !== null) {
    return { ok: true, echo: { kind: 'text', client: trimmed } };
  }
  return {
    ok: false,
    error: `the answer is neither whoami JSON nor a plain-text address; use --client-field for JSON (${excerpt(trimmed)})`,
  };
}

function whoamiReading(document: unknown): EchoReading | undefined {
  if (!isObject(document) || !isObject(document.client) || !isObject(document.peer)) return undefined;
  const ip = document.client.ip;
  if (ip !== null && typeof ip !== 'string') return undefined;
  const reason = document.client.reason;
  const trust = document.trust;
  const proxy = document.proxyProtocol;
  const peer = document.peer.ip;
  const source = isObject(proxy) && typeof proxy.source === 'string' ? proxy.source : null;
  return {
    kind: 'whoami',
    client: ip,
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(isObject(trust) && typeof trust.trustsEverything === 'boolean'
      ? { trustsEverything: trust.trustsEverything }
      : {}),
    peer: typeof peer === 'string' ? peer : null,
    proxySource: source,
  };
}

/**
 * Whether `ip` occurs in `text` as a whole address (not inside a longer one), in any header,
 * trace or chain the app echoed.
 * @example mentions('{"v":"198.18.7.100, 10.0.0.1"}', '198.18.7.100') // true
 */
export function mentions(text: string, ip: string): boolean {
  const needle = ip.toLowerCase();
  const haystack = text.toLowerCase();
  const v6 = needle.includes(':');
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    // IPv4 may be followed by `:port` or preceded by `::ffff:`; IPv6 must stand alone.
    if (!isAddressChar(haystack[at - 1], v6) && !isAddressChar(haystack[at + needle.length], v6)) return true;
  }
  return false;
}

/**
 * Whether two address texts name the same address (RFC 5952 / `::ffff:` forms compared by value,
 * a port allowed as in `198.51.100.7:1234`); false when either is not an address.
 * @example sameAddress('::ffff:127.0.0.1', '127.0.0.1') // true
 */
export function sameAddress(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  const x = parseEndpoint(a)?.ip ?? parseIP(a);
  const y = parseEndpoint(b)?.ip ?? parseIP(b);
  if (x === null || y === null) return false;
  return equalIP(withoutZone(unmapIPv4(x)), withoutZone(unmapIPv4(y)));
}

function isAddressChar(c: string | undefined, v6: boolean): boolean {
  if (c === undefined) return false;
  if ((c >= '0' && c <= '9') || c === '.') return true;
  return v6 && ((c >= 'a' && c <= 'f') || c === ':');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The first characters of attacker-influenced text, JSON-quoted so controls are visible. */
export function excerpt(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
