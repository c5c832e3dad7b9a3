/**
 * Every `reason` word a resolver returns. Public API (docs/errors.md, "Reason words"): released
 * words never change meaning. A reason names the rule that ended the trust walk.
 */

// ── The client is the TCP peer ──────────────────────────────────────────────────────────────
/** The peer is not a trusted proxy: its headers are ignored and the peer is the client. */
export const UNTRUSTED_PEER = 'untrusted-peer';
/** The peer is trusted but sent no forwarding header (express: no non-empty item): the proxy itself is the client. */
export const TRUSTED_PEER_NO_HEADER = 'trusted-peer-no-header';
/** The peer has no IP address (Unix socket) and is not trusted: no client can be named. */
export const PEER_NOT_IP = 'peer-not-ip';

// ── The client is a header entry ────────────────────────────────────────────────────────────
/** The first untrusted entry from the right (strict, forwarded, nginx recursive, express). */
export const RIGHTMOST_UNTRUSTED = 'rightmost-untrusted';
/** One step only (nginx `real_ip_recursive off`): the rightmost entry, trusted or not. */
export const RIGHTMOST_ENTRY = 'rightmost-entry';
/** The n-th entry from the right (`hops`). */
export const HOP_COUNT = 'hop-count';
/** The single-IP header's value (`single`). */
export const SINGLE_IP_HEADER = 'single-ip-header';
/** Every entry was trusted and the dialect answers with the leftmost one (nginx, express). */
export const ALL_TRUSTED_LEFTMOST = 'all-trusted-leftmost';
/** An entry at the decision point was not an address; the dialect keeps the last trusted hop (nginx). */
export const INVALID_ENTRY_KEPT_LAST = 'invalid-entry-kept-last';
/** An entry at the decision point was not an address; the dialect returns its text (express `req.ip`). */
export const INVALID_ENTRY_VERBATIM = 'invalid-entry-verbatim';

// ── Refusals: client is null ────────────────────────────────────────────────────────────────
/** The entry at the decision point is empty, not an address, or has a bad port. */
export const INVALID_ENTRY = 'invalid-entry';
/** The entry at the decision point is `unknown` (RFC 7239 §6.2, Squid). */
export const UNKNOWN_ENTRY = 'unknown-entry';
/** The entry at the decision point is an obfuscated identifier `_…` (RFC 7239 §6.3). */
export const OBFUSCATED_ENTRY = 'obfuscated-entry';
/** Every entry is a trusted proxy: the client's own address is missing. */
export const ALL_TRUSTED = 'all-trusted';
/** The walk passed the entry cap without deciding. */
export const TOO_MANY_ENTRIES = 'too-many-entries';
/** A header line is longer than the line cap. */
export const HEADER_TOO_LONG = 'header-too-long';
/** The chain is shorter than the configured hop count. */
export const CHAIN_TOO_SHORT = 'chain-too-short';
/** A single-IP header arrived on several lines: which one a proxy wrote is unknowable. */
export const MULTIPLE_SINGLE_IP_HEADERS = 'multiple-single-ip-headers';
/** The resolver met input it cannot reason about (never thrown; reported). */
export const UNEXPECTED_INPUT = 'unexpected-input';

/** All reason words, for docs and tests. */
export const REASONS: readonly string[] = [
  UNTRUSTED_PEER,
  TRUSTED_PEER_NO_HEADER,
  PEER_NOT_IP,
  RIGHTMOST_UNTRUSTED,
  RIGHTMOST_ENTRY,
  HOP_COUNT,
  SINGLE_IP_HEADER,
  ALL_TRUSTED_LEFTMOST,
  INVALID_ENTRY_KEPT_LAST,
  INVALID_ENTRY_VERBATIM,
  INVALID_ENTRY,
  UNKNOWN_ENTRY,
  OBFUSCATED_ENTRY,
  ALL_TRUSTED,
  TOO_MANY_ENTRIES,
  HEADER_TOO_LONG,
  CHAIN_TOO_SHORT,
  MULTIPLE_SINGLE_IP_HEADERS,
  UNEXPECTED_INPUT,
];

/** One-line explanation per reason word, for `--explain`, whoami and docs. */
export const REASON_TEXT: Readonly<Record<string, string>> = {
  [UNTRUSTED_PEER]: 'the TCP peer is not a trusted proxy, so its headers are not evidence; the peer is the client',
  [TRUSTED_PEER_NO_HEADER]: 'the trusted peer sent no forwarding header; the proxy itself is the client',
  [PEER_NOT_IP]: 'the peer has no IP address (Unix socket) and is not trusted',
  [RIGHTMOST_UNTRUSTED]: 'the first entry from the right that is not a trusted proxy',
  [RIGHTMOST_ENTRY]: 'one step only (real_ip_recursive off): the rightmost entry',
  [HOP_COUNT]: 'the configured number of hops from the right',
  [SINGLE_IP_HEADER]: "the trusted peer's single-IP header",
  [ALL_TRUSTED_LEFTMOST]: 'every entry is trusted; this dialect answers the leftmost (client-controlled) entry',
  [INVALID_ENTRY_KEPT_LAST]: 'an entry is not an address; this dialect keeps the last trusted hop',
  [INVALID_ENTRY_VERBATIM]: 'an entry is not an address; this dialect returns its text',
  [INVALID_ENTRY]: 'refused: the entry at the decision point is empty, not an address or has a bad port',
  [UNKNOWN_ENTRY]: 'refused: the entry at the decision point is "unknown"',
  [OBFUSCATED_ENTRY]: 'refused: the entry at the decision point is an obfuscated identifier',
  [ALL_TRUSTED]: "refused: every entry is a trusted proxy, the client's address is missing",
  [TOO_MANY_ENTRIES]: 'refused: more entries than the cap were walked',
  [HEADER_TOO_LONG]: 'refused: a header line is longer than the cap',
  [CHAIN_TOO_SHORT]: 'refused: the chain is shorter than the hop count',
  [MULTIPLE_SINGLE_IP_HEADERS]: 'refused: the single-IP header arrived on several lines',
  [UNEXPECTED_INPUT]: 'refused: the request data had an unexpected shape',
};
