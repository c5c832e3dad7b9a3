/**
 * The request head sent upstream: request line in origin-form over HTTP/1.1, the client's headers minus
 * hop-by-hop ones (RFC 9110 §7.6.1) and minus forwarding headers an untrusted peer sent, then the framing
 * header in one normalised form and the forwarding headers we write (docs/gateway-safety.md):
 *
 * - X-Forwarded-For `append`: incoming lines (only from a trusted peer) + the real peer — the TCP peer or the
 *   PROXY-protocol source, never the resolved client (ingress-nginx #11994). `replace`: the real peer only.
 * - X-Real-IP: the resolved client; omitted when the resolver refused (a refusal is not the peer).
 * - X-Forwarded-Proto/Host/Port: passed on from a trusted peer, computed otherwise (ingress-nginx #9163).
 * - Forwarded (RFC 7239): trusted incoming elements + `for=<real peer>;host=…;proto=…`.
 * - `Connection` may nominate headers to drop, but never the ones we manage (Host, framing, forwarding).
 */
import { latin1 } from '../http1/bytes.ts';
import {
  H_CONNECTION,
  H_CONTENT_LENGTH,
  H_EXPECT,
  H_FIRST_EXTRA,
  H_FORWARDED,
  H_HOST,
  H_KEEP_ALIVE,
  H_OTHER,
  H_PROXY_CONNECTION,
  H_TE,
  H_TRAILER,
  H_TRANSFER_ENCODING,
  H_UNDERSCORE,
  H_UPGRADE,
  H_X_REAL_IP,
  H_X_REQUEST_ID,
  H_XF_HOST,
  H_XF_PORT,
  H_XF_PROTO,
  H_XFF,
  hashName,
} from '../http1/header-names.ts';
import type { RequestHead } from '../http1/request-head.ts';
import type { RouteRuntime } from '../runtime.ts';

export interface ForwardInput {
  readonly buf: Buffer;
  readonly head: RequestHead;
  readonly route: RouteRuntime;
  readonly peerTrusted: boolean;
  /** Canonical text of the real peer (PROXY source or TCP peer); null for a non-IP peer. */
  readonly realPeer: string | null;
  /** Resolved client or null (strict refusal). */
  readonly client: string | null;
  readonly isTls: boolean;
  readonly localPort: number;
  readonly requestId: string;
  /** Used as Host when an HTTP/1.0 request had none. */
  readonly upstreamAuthority: string;
}

/** Kind is a forwarding header whose presence from an untrusted peer is a spoof attempt. */
export function isForwardingKind(kind: number, route: RouteRuntime): boolean {
  if ((kind & H_UNDERSCORE) !== 0) return true;
  return (
    kind === H_XFF ||
    kind === H_X_REAL_IP ||
    kind === H_XF_PROTO ||
    kind === H_XF_HOST ||
    kind === H_XF_PORT ||
    kind === H_FORWARDED ||
    (kind >= H_FIRST_EXTRA && route.stripKind[kind] === 1)
  );
}

const KEEP = 1;
const DROP = 0;

/** Builds the upstream request head, as a latin1 string (bytes as received survive: one char per byte). */
export function buildUpstreamHead(input: ForwardInput): string {
  const { buf, head, route, peerTrusted } = input;
  const fw = route.forwarding;
  const n = head.headerCount;
  const kinds = head.kinds;
  const offs = head.offs;
  const nominated = head.nominated;
  let xff = '';
  let forwardedIn = '';
  let hasXfProto = false;
  let hasXfHost = false;
  let hasXfPort = false;
  // Decide per header; keep[] reuses a module buffer (requests are processed synchronously here).
  if (keepScratch.length < n) keepScratch = new Uint8Array(n * 2);
  const keep = keepScratch;
  for (let h = 0; h < n; h++) {
    const kind = kinds[h]!;
    let decision = KEEP;
    if ((kind & H_UNDERSCORE) !== 0) {
      // `X_Forwarded_For` & co. reach CGI-style apps under the same name as ours: always dropped.
      decision = DROP;
    } else {
      switch (kind) {
        case H_OTHER:
          if (nominated.length > 0 && nominated.includes(hashName(buf, offs[h * 4]!, offs[h * 4 + 1]!)))
            decision = DROP;
          break;
        case H_HOST:
          if (head.absoluteForm) decision = DROP;
          break;
        case H_CONTENT_LENGTH:
        case H_TRANSFER_ENCODING:
        case H_CONNECTION:
        case H_KEEP_ALIVE:
        case H_PROXY_CONNECTION:
        case H_TE:
        case H_TRAILER:
          decision = DROP;
          break;
        case H_UPGRADE:
          if (!head.isUpgrade) decision = DROP;
          break;
        case H_XFF:
          if (peerTrusted && fw.xForwardedFor === 'append') {
            const s = offs[h * 4 + 2]!;
            const e = offs[h * 4 + 3]!;
            if (e > s) xff = xff === '' ? latin1(buf, s, e) : `${xff}, ${latin1(buf, s, e)}`;
          }
          decision = DROP;
          break;
        case H_X_REAL_IP:
          if (fw.xRealIp || !peerTrusted) decision = DROP;
          break;
        case H_XF_PROTO:
        case H_XF_HOST:
        case H_XF_PORT:
          if (!peerTrusted) decision = DROP;
          else if (kind === H_XF_PROTO) hasXfProto = true;
          else if (kind === H_XF_HOST) hasXfHost = true;
          else hasXfPort = true;
          break;
        case H_FORWARDED:
          if (!peerTrusted) decision = DROP;
          else if (fw.forwarded) {
            const s = offs[h * 4 + 2]!;
            const e = offs[h * 4 + 3]!;
            if (e > s) forwardedIn = forwardedIn === '' ? latin1(buf, s, e) : `${forwardedIn}, ${latin1(buf, s, e)}`;
            decision = DROP;
          }
          break;
        case H_X_REQUEST_ID:
          if (fw.requestId) decision = DROP;
          break;
        case H_EXPECT:
          break;
        default:
          if (!peerTrusted && route.stripKind[kind] === 1) decision = DROP;
          else if (nominated.length > 0 && nominated.includes(hashName(buf, offs[h * 4]!, offs[h * 4 + 1]!))) {
            decision = DROP;
          }
      }
    }
    keep[h] = decision;
  }

  // Headers we write, as one latin1 string.
  let added = '';
  if (head.absoluteForm || (head.host === '' && head.minor === 0)) {
    added += `host: ${head.absoluteForm ? head.host : input.upstreamAuthority}\r\n`;
  }
  if (head.chunked) added += 'transfer-encoding: chunked\r\n';
  else if (head.contentLength >= 0) added += `content-length: ${head.contentLength}\r\n`;
  if (head.isUpgrade) added += 'connection: upgrade\r\n';
  const peer = input.realPeer;
  if (fw.xForwardedFor !== 'off' && peer !== null) {
    added += `x-forwarded-for: ${xff === '' ? peer : `${xff}, ${peer}`}\r\n`;
  }
  if (fw.xRealIp && input.client !== null) added += `x-real-ip: ${input.client}\r\n`;
  if (fw.xForwardedProtoHostPort) {
    if (!hasXfProto) added += input.isTls ? 'x-forwarded-proto: https\r\n' : 'x-forwarded-proto: http\r\n';
    if (!hasXfHost && head.host !== '') added += `x-forwarded-host: ${head.host}\r\n`;
    if (!hasXfPort) added += `x-forwarded-port: ${input.localPort}\r\n`;
  }
  if (fw.forwarded) {
    const element = forwardedElement(peer, head.host, input.isTls);
    added += `forwarded: ${forwardedIn === '' ? element : `${forwardedIn}, ${element}`}\r\n`;
  }
  if (fw.requestId) added += `x-request-id: ${input.requestId}\r\n`;

  // One latin1 string (socket.write(…, 'latin1') writes it without an intermediate Buffer); consecutive kept
  // lines are sliced as one run, their CRLFs included.
  let out = `${head.method} ${head.target} HTTP/1.1\r\n`;
  let runStart = -1;
  let runEnd = -1;
  for (let h = 0; h < n; h++) {
    if (keep[h] === KEEP) {
      if (runStart < 0) runStart = offs[h * 4]!;
      runEnd = offs[h * 4 + 3]!;
    } else if (runStart >= 0) {
      out += `${latin1(buf, runStart, runEnd)}\r\n`;
      runStart = -1;
    }
  }
  if (runStart >= 0) out += `${latin1(buf, runStart, runEnd)}\r\n`;
  return `${out}${added}\r\n`;
}

let keepScratch = new Uint8Array(128);

/** `for=…;host=…;proto=…` (RFC 7239 §4–§6): IPv6 bracketed and quoted, host quoted when not a token. */
export function forwardedElement(peer: string | null, host: string, isTls: boolean): string {
  const node = peer === null ? 'unknown' : peer.includes(':') ? `"[${peer}]"` : peer;
  let element = `for=${node}`;
  if (host !== '') element += `;host=${isToken(host) ? host : `"${host}"`}`;
  return `${element};proto=${isTls ? 'https' : 'http'}`;
}

function isToken(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Host bytes were validated; of those, ':' '[' ']' ',' ';' '=' '(' ')' are not tchars.
    if (c === 58 || c === 91 || c === 93 || c === 44 || c === 59 || c === 61 || c === 40 || c === 41) return false;
  }
  return true;
}
