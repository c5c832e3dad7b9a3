/**
 * Vector tables for the strict, forwarded, hops and single strategies, shared by their unit
 * tests, the property tests' seeds and the benchmark. Rows marked "§d #n" are the reference's
 * test vectors (client-ip-semantics.md §d, mostly realclientip-go), with its `""` failure
 * translated to `want: null` + a reason word. Most rows carry every forwarding header, so a
 * strategy that reads the wrong one fails.
 */
import type { Resolution, ResolveInput, ResolveOptions, ResolverOptions } from './types.ts';

export interface ResolveCase {
  readonly name: string;
  readonly options: ResolverOptions;
  /** TCP peer as Node reports it; undefined = Unix socket. */
  readonly peer: string | undefined;
  readonly peerPort?: number;
  /** Raw header lines, wire order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly want: string | null;
  readonly port?: number | null;
  readonly reason: string;
}

/** Noise headers a wrong strategy would read. */
const NOISE: ReadonlyArray<readonly [string, string]> = [
  ['Forwarded', 'for=192.0.2.66'],
  ['X-Real-IP', '192.0.2.77'],
  ['CF-Connecting-IP', '192.0.2.88'],
];

function xff(...lines: string[]): Array<readonly [string, string]> {
  return [...NOISE, ...lines.map((l) => ['X-Forwarded-For', l] as const)];
}

const TEN: ResolverOptions = { trusted: ['10.0.0.0/8', 'loopback'] };

export const STRICT_CASES: readonly ResolveCase[] = [
  // Peer gating.
  {
    name: 'untrusted peer: headers ignored, the peer is the client (§d #18)',
    options: { trusted: ['10.0.0.0/8'] },
    peer: '9.9.9.9',
    peerPort: 1234,
    headers: xff('1.2.3.4, 10.0.0.1'),
    want: '9.9.9.9',
    port: 1234,
    reason: 'untrusted-peer',
  },
  {
    name: 'trusted peer: rightmost untrusted entry wins (§d #19)',
    options: { trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.5',
    headers: xff('3.3.3.3, 10.0.0.1'),
    want: '3.3.3.3',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'untrusted link-local peer returned with its zone (§d #20)',
    options: { trusted: ['10.0.0.0/8'] },
    peer: 'fe80::1%eth0',
    headers: xff('1.2.3.4'),
    want: 'fe80::1%eth0',
    reason: 'untrusted-peer',
  },
  {
    name: 'IPv4-mapped peer unmapped and matched against IPv4 ranges (§d #2, #30)',
    options: TEN,
    peer: '::ffff:10.0.0.2',
    headers: xff('192.168.0.1, 10.0.0.2'),
    want: '192.168.0.1',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'untrusted mapped peer printed as IPv4 (§d #2)',
    options: TEN,
    peer: '::ffff:172.21.0.6',
    headers: xff('1.1.1.1'),
    want: '172.21.0.6',
    reason: 'untrusted-peer',
  },
  {
    name: 'NAT64 peer is not IPv4-mapped (§d #3)',
    options: TEN,
    peer: '64:ff9b::188.0.2.128',
    headers: xff('1.1.1.1'),
    want: '64:ff9b::bc00:280',
    reason: 'untrusted-peer',
  },
  {
    name: 'fail: a Unix-socket peer that is not trusted names no client (§d #4, #19: realclientip-go walks instead)',
    options: TEN,
    peer: undefined,
    headers: xff('3.3.3.3, 10.0.0.1'),
    want: null,
    reason: 'peer-not-ip',
  },
  {
    name: 'fail: unspecified peer 0.0.0.0 is no host (§d #4)',
    options: TEN,
    peer: '0.0.0.0',
    headers: xff('3.3.3.3'),
    want: null,
    reason: 'peer-not-ip',
  },
  {
    name: 'fail: peer text that is not an address (§d #4)',
    options: TEN,
    peer: 'ohno',
    headers: xff('3.3.3.3'),
    want: null,
    reason: 'peer-not-ip',
  },
  {
    name: 'Unix-socket peer trusted with unix: walks the header (§d #16)',
    options: { trusted: ['4.4.4.0/24', 'unix:'] },
    peer: undefined,
    headers: xff('2.2.2.2:3384, 3.3.3.3', '4.4.4.4'),
    want: '3.3.3.3',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'IPv6 loopback peer trusted by the loopback name',
    options: TEN,
    peer: '::1',
    headers: xff('2001:db8::7, ::1'),
    want: '2001:db8::7',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'trusted peer without the header: the proxy is the client',
    options: TEN,
    peer: '10.0.0.2',
    peerPort: 5555,
    headers: NOISE,
    want: '10.0.0.2',
    port: 5555,
    reason: 'trusted-peer-no-header',
  },
  {
    name: 'underscore variant X_Forwarded_For is another header (pitfall 19)',
    options: TEN,
    peer: '10.0.0.2',
    headers: [...NOISE, ['X_Forwarded_For', '6.6.6.6']],
    want: '10.0.0.2',
    reason: 'trusted-peer-no-header',
  },
  // Lines, separators, forms.
  {
    name: 'header name matched case-insensitively',
    options: TEN,
    peer: '10.0.0.2',
    headers: [...NOISE, ['x-FORWARDED-for', '198.51.100.7, 10.0.0.9']],
    want: '198.51.100.7',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'two lines are one list: the walk crosses into the earlier line',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('1.1.1.1', '10.0.0.2'),
    want: '1.1.1.1',
    reason: 'rightmost-untrusted',
  },
  {
    name: "attacker's second line cannot hide the proxy's append: rightmost wins",
    options: TEN,
    peer: '10.0.0.2',
    headers: xff('6.6.6.6, 203.0.113.9', '5.5.5.5'),
    want: '5.5.5.5',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'TAB around an entry is trimmed (our semantics; nginx treats it as part of the entry)',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9,\t10.0.0.2'),
    want: '9.9.9.9',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'entries without spaces',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9,10.0.0.2,10.0.0.3'),
    want: '9.9.9.9',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'IPv4 with port: client and port',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9, 2.2.2.2:8080'),
    want: '2.2.2.2',
    port: 8080,
    reason: 'rightmost-untrusted',
  },
  {
    name: 'bracketed IPv6 without port',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9, [2001:db8::1]'),
    want: '2001:db8::1',
    port: null,
    reason: 'rightmost-untrusted',
  },
  {
    name: 'bracketed IPv6 with port, canonicalised (RFC 5952)',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('[2001:DB8:0:0::1]:443, 10.0.0.2'),
    want: '2001:db8::1',
    port: 443,
    reason: 'rightmost-untrusted',
  },
  {
    name: 'bare IPv6 entry, canonicalised',
    options: TEN,
    peer: '::1',
    headers: xff('2001:0db8:0000:0000:0000:0000:0000:0001'),
    want: '2001:db8::1',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'IPv6 entry with zone kept',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9, fe80::1%eth0'),
    want: 'fe80::1%eth0',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'mapped entry matched against IPv4 ranges, trusted and skipped',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9, ::ffff:10.0.0.2'),
    want: '9.9.9.9',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'mapped client entry printed as IPv4',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('::ffff:198.51.100.1, 10.0.0.2'),
    want: '198.51.100.1',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'the leftmost may be garbage: the walk stops before it',
    options: TEN,
    peer: '10.0.0.2',
    headers: xff('oh, hi,,127.0.0.1,,,, 203.0.113.5, 10.0.0.3'),
    want: '203.0.113.5',
    reason: 'rightmost-untrusted',
  },
  // Refusals where nginx would guess.
  {
    name: 'fail: every entry trusted (nginx/Envoy/proxy-addr: leftmost) (§d #21)',
    options: { trusted: ['2.2.2.0/24'] },
    peer: '2.2.2.9',
    headers: xff('2.2.2.2:3384, 2.2.2.3', '2.2.2.4'),
    want: null,
    reason: 'all-trusted',
  },
  {
    name: 'fail: all-trusted chain from nginx table',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('10.0.0.3, 10.0.0.2'),
    want: null,
    reason: 'all-trusted',
  },
  {
    name: 'fail: first untrusted is invalid (§d #22)',
    options: { trusted: ['2.2.2.0/24'] },
    peer: '2.2.2.9',
    headers: xff('nope, 2.2.2.2:3384, 2.2.2.3', '2.2.2.4'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: invalid entry at the decision point (nginx answers the trusted 10.0.0.2) (§d #31)',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('1.1.1.1, bogus, 10.0.0.2'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: rightmost invalid, never skipped (§d #11: RightmostNonPrivate skips and says 5.5.5.5)',
    options: { trusted: ['private'] },
    peer: '10.0.0.1',
    headers: xff('4.4.4.4, 5.5.5.5', '::1, nope'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: unknown at the decision point',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9, unknown'),
    want: null,
    reason: 'unknown-entry',
  },
  {
    name: 'fail: leading-zero IPv4 is not canonical (nginx reads 01.1.1.1 as 1.1.1.1)',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('01.1.1.1'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: empty entry between trusted hops keeps its slot',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('1.1.1.1,,10.0.0.2'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: trailing comma is an empty rightmost entry',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('1.1.1.1, 10.0.0.2,'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: empty header line from a trusted proxy',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff(''),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: unspecified entry 0.0.0.0 is no client',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('0.0.0.0'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'unbracketed 2001:db8::1:80 is one address, never address + port (pitfall 8)',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('2001:db8::1:80'),
    want: '2001:db8::1:80',
    port: null,
    reason: 'rightmost-untrusted',
  },
  {
    name: 'fail: non-numeric port is not dropped (§d #26: realclientip-go answers fe80::abcd%eth0)',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9, [fe80::abcd%eth0]:xyz'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: IPv4 with an empty zone (§d #26: realclientip-go answers 1.1.1.1)',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('9.9.9.9, 1.1.1.1%'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: port out of range',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff('1.1.1.1:65536'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: 65 trusted entries pass the cap',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff(Array.from({ length: 65 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(', ')),
    want: null,
    reason: 'too-many-entries',
  },
  {
    name: 'a long header is fine when the client is near the right',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff(`${Array.from({ length: 200 }, () => '6.6.6.6').join(', ')}, 203.0.113.1, 10.0.0.1`),
    want: '203.0.113.1',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'fail: a line over 8 KiB',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff(`${'1'.repeat(9000)}, 1.1.1.1`),
    want: null,
    reason: 'header-too-long',
  },
  {
    name: 'an over-long earlier line is never read when the client is decided before it',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff(`${'1'.repeat(9000)}`, '203.0.113.9, 10.0.0.1'),
    want: '203.0.113.9',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'fail: the walk reaches an over-long earlier line',
    options: TEN,
    peer: '127.0.0.1',
    headers: xff(`${'1'.repeat(9000)}`, '10.0.0.9, 10.0.0.1'),
    want: null,
    reason: 'header-too-long',
  },
  {
    name: 'any list header by name (X-Original-Forwarded-For)',
    options: { ...TEN, header: 'X-Original-Forwarded-For' },
    peer: '10.0.0.2',
    headers: [...xff('6.6.6.6'), ['X-Original-Forwarded-For', '198.51.100.3, 10.1.1.1']],
    want: '198.51.100.3',
    reason: 'rightmost-untrusted',
  },
];

function fwd(...lines: string[]): Array<readonly [string, string]> {
  return [
    ['X-Forwarded-For', '192.0.2.55'],
    ['X-Real-IP', '192.0.2.77'],
    ...lines.map((l) => ['Forwarded', l] as const),
  ];
}

const REF17: ResolverOptions = {
  semantics: 'forwarded',
  trusted: [
    '2.2.2.2/32',
    '2607:f8b0:4004:83f::200e/128',
    '3.3.0.0/16',
    '2001:db7::/64',
    '::ffff:4.4.4.0/124',
    '64:ff9b::bc00:0/112',
    '10.0.0.0/8',
  ],
};

export const FORWARDED_CASES: readonly ResolveCase[] = [
  {
    name: 'RFC 7239 §4 example: quoted IPv6 with port',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for="[2001:db8:cafe::17]:4711"'),
    want: '2001:db8:cafe::17',
    port: 4711,
    reason: 'rightmost-untrusted',
  },
  {
    name: 'several params, mixed case names, trusted proxy element skipped',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('For=192.0.2.60;PROTO=http;by=203.0.113.43, for=10.0.0.7;host=example.com'),
    want: '192.0.2.60',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'quoted comma inside host= does not split the element (pitfall 14)',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for=198.51.100.17;host="a,for=6.6.6.6"'),
    want: '198.51.100.17',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'quoted IPv4 with port',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for="192.0.2.43:47011"'),
    want: '192.0.2.43',
    port: 47011,
    reason: 'rightmost-untrusted',
  },
  {
    name: 'lines are one list',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for=198.51.100.1', 'for=10.0.0.9'),
    want: '198.51.100.1',
    reason: 'rightmost-untrusted',
  },
  {
    name: "a client's unterminated quote poisons only its own line; the proxy's line is read",
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for="6.6.6.6, for=7.7.7.7', 'for=198.51.100.9'),
    want: '198.51.100.9',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'fail: damaged element left of the trusted proxy element refuses, never skipped (sabotage)',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for=1.1.1.1;for=2.2.2.2, for=10.0.0.7'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'quoted-pair unescaped before parsing',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for="198.51.100.\\7"'),
    want: '198.51.100.7',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'mapped CIDR covers 4.4.4.8; everything right of 99.99.99.99 trusted, properly quoted (§d #17)',
    options: REF17,
    peer: '10.0.0.2',
    headers: fwd(
      'For=99.99.99.99, For=4.4.4.8, For="[2607:f8b0:4004:83f::200e]:4747"',
      'For="2.2.2.2:8883", For="[64:ff9b::188.0.2.200]", For=3.3.5.5, For="[2001:db7::abcd]"',
    ),
    want: '99.99.99.99',
    reason: 'rightmost-untrusted',
  },
  {
    name: 'fail: §d #17 verbatim: unquoted IPv6 / ip:port are syntax errors under RFC 7239 (realclientip-go: 99.99.99.99)',
    options: REF17,
    peer: '10.0.0.2',
    headers: fwd(
      'For=99.99.99.99, For=4.4.4.8, For="[2607:f8b0:4004:83f::200e]:4747"',
      'For=2.2.2.2:8883, For=64:ff9b::188.0.2.200, For=3.3.5.5, For=2001:db7::abcd',
    ),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: for=unknown at the decision point (§6.2)',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for=198.51.100.1, for=unknown, for=10.0.0.3'),
    want: null,
    reason: 'unknown-entry',
  },
  {
    name: 'fail: obfuscated identifier at the decision point (§6.3, §d #25)',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for="_test"'),
    want: null,
    reason: 'obfuscated-entry',
  },
  {
    name: 'fail: unbracketed IPv6 (§d #9)',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('For="2607:f8b0:4004:83f::18"'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: zone ids are not in the RFC 7239 grammar (§d #10: realclientip-go keeps the zone)',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('For=[fe80::1111%zone], Host=blah;For="[2607:f8b0:4004:83f::18%zone]:9943";Proto=https'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: whitespace after = (§d #25)',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('For= 1.1.1.1'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: element without for= keeps its position',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd('for=198.51.100.1, proto=https;by=10.0.0.1'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: quoted comma splits nothing: the whole first value is not a node (§d #24)',
    options: { semantics: 'forwarded', trusted: ['4.4.4.4/32'] },
    peer: '4.4.4.4',
    headers: fwd('For="1.1.1.1, For=2.2.2.2, For=3.3.3.3", For="4.4.4.4"'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'untrusted peer: Forwarded ignored',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '203.0.113.50',
    headers: fwd('for=6.6.6.6'),
    want: '203.0.113.50',
    reason: 'untrusted-peer',
  },
  {
    name: 'trusted peer without Forwarded: the peer (X-Forwarded-For is not read)',
    options: { semantics: 'forwarded', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: fwd(),
    want: '10.0.0.2',
    reason: 'trusted-peer-no-header',
  },
  {
    name: 'strict with header Forwarded uses the RFC 7239 parser',
    options: { trusted: ['10.0.0.0/8'], header: 'Forwarded' },
    peer: '10.0.0.2',
    headers: fwd('for="[2001:db8::9]"'),
    want: '2001:db8::9',
    reason: 'rightmost-untrusted',
  },
];

const REF12 = [
  '4.4.4.4, 5.5.5.5',
  '::1, fe80::382b:141b:fa4a:2a16%28',
  '7.7.7.7.7, 8.8.8.8, 9.9.9.9, 10.10.10.10,11.11.11.11, 12.12.12.12',
];

export const HOPS_CASES: readonly ResolveCase[] = [
  {
    name: 'fifth from the right; invalid entries keep their slot (§d #12)',
    options: { semantics: 'hops', hops: 5, trusted: ['192.0.2.0/24'] },
    peer: '192.0.2.1',
    headers: xff(...REF12),
    want: '8.8.8.8',
    reason: 'hop-count',
  },
  {
    name: 'fail: chain shorter than the count (§d #13; Express would answer the leftmost)',
    options: { semantics: 'hops', hops: 50, trusted: ['192.0.2.0/24'] },
    peer: '192.0.2.1',
    headers: xff(...REF12),
    want: null,
    reason: 'chain-too-short',
  },
  {
    name: 'fail: invalid entry at the target, never skipped (§d #14)',
    options: { semantics: 'hops', hops: 2, trusted: ['192.0.2.0/24'], header: 'Forwarded' },
    peer: '192.0.2.1',
    headers: fwd('For="::ffff:bc15:0006"', 'For=nope', 'host=what;for=6.6.6.6;proto=https'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'Forwarded, first from the right (§d #15)',
    options: { semantics: 'hops', hops: 1, trusted: ['192.0.2.0/24'], header: 'Forwarded' },
    peer: '192.0.2.1',
    headers: fwd('For="::ffff:bc15:0006"', 'host=what;for=6.6.6.6;proto=https'),
    want: '6.6.6.6',
    reason: 'hop-count',
  },
  {
    name: 'hops 1 = the entry the trusted peer appended, even if it is a private address',
    options: { semantics: 'hops', hops: 1, trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: xff('6.6.6.6, 10.9.9.9'),
    want: '10.9.9.9',
    reason: 'hop-count',
  },
  {
    name: 'untrusted peer: the count is not applied (peer-gated)',
    options: { semantics: 'hops', hops: 1, trusted: ['10.0.0.0/8'] },
    peer: '198.51.100.4',
    headers: xff('6.6.6.6, 7.7.7.7'),
    want: '198.51.100.4',
    reason: 'untrusted-peer',
  },
  {
    name: 'Envoy doc example, counted our way: hops 2 from the right',
    options: { semantics: 'hops', hops: 2, trusted: ['192.0.2.0/24'] },
    peer: '192.0.2.5',
    headers: xff('203.0.113.128, 203.0.113.10, 203.0.113.1'),
    want: '203.0.113.10',
    reason: 'hop-count',
  },
];

function single(name: string, ...values: string[]): Array<readonly [string, string]> {
  return [['X-Forwarded-For', '192.0.2.55'], ['Forwarded', 'for=192.0.2.66'], ...values.map((v) => [name, v] as const)];
}

export const SINGLE_CASES: readonly ResolveCase[] = [
  {
    name: 'True-Client-IP with port stripped into port (§d #5)',
    options: { semantics: 'single', header: 'True-Client-IP', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('True-Client-Ip', '2.2.2.2:49489'),
    want: '2.2.2.2',
    port: 49489,
    reason: 'single-ip-header',
  },
  {
    name: 'X-Real-IP from a trusted peer',
    options: { semantics: 'single', header: 'X-Real-IP', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('x-real-ip', '198.51.100.2'),
    want: '198.51.100.2',
    reason: 'single-ip-header',
  },
  {
    name: 'CF-Connecting-IP IPv6',
    options: { semantics: 'single', header: 'CF-Connecting-IP', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('CF-Connecting-IP', '2001:DB8::5'),
    want: '2001:db8::5',
    reason: 'single-ip-header',
  },
  {
    name: 'Fastly-Client-IP bracketed IPv6 with port',
    options: { semantics: 'single', header: 'Fastly-Client-IP', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('Fastly-Client-IP', '[2001:db8::5]:8443'),
    want: '2001:db8::5',
    port: 8443,
    reason: 'single-ip-header',
  },
  {
    name: 'CloudFront-Viewer-Address IPv4:port',
    options: { semantics: 'single', header: 'CloudFront-Viewer-Address', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('CloudFront-Viewer-Address', '198.51.100.10:46532'),
    want: '198.51.100.10',
    port: 46532,
    reason: 'single-ip-header',
  },
  {
    name: 'CloudFront-Viewer-Address unbracketed IPv6: port after the last colon',
    options: { semantics: 'single', header: 'CloudFront-Viewer-Address', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('CloudFront-Viewer-Address', '2001:0db8:85a3:0000:0000:8a2e:0370:7334:46532'),
    want: '2001:db8:85a3::8a2e:370:7334',
    port: 46532,
    reason: 'single-ip-header',
  },
  {
    name: 'fail: CloudFront-Viewer-Address without port',
    options: { semantics: 'single', header: 'CloudFront-Viewer-Address', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('CloudFront-Viewer-Address', '198.51.100.10'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'fail: two lines of a single-IP header (nginx takes the first, realclientip-go the last)',
    options: { semantics: 'single', header: 'X-Real-IP', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('X-Real-IP', '5.5.5.5', '6.6.6.6'),
    want: null,
    reason: 'multiple-single-ip-headers',
  },
  {
    name: 'fail: a list in a single-IP header',
    options: { semantics: 'single', header: 'X-Real-IP', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('X-Real-IP', '5.5.5.5, 6.6.6.6'),
    want: null,
    reason: 'invalid-entry',
  },
  {
    name: 'untrusted peer: CF-Connecting-IP ignored (pitfall 16)',
    options: { semantics: 'single', header: 'CF-Connecting-IP', trusted: ['10.0.0.0/8'] },
    peer: '198.51.100.99',
    headers: single('CF-Connecting-IP', '6.6.6.6'),
    want: '198.51.100.99',
    reason: 'untrusted-peer',
  },
  {
    name: 'trusted peer without the header: the peer',
    options: { semantics: 'single', header: 'X-Real-IP', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('X-Real-IP'),
    want: '10.0.0.2',
    reason: 'trusted-peer-no-header',
  },
  {
    name: 'fail: unknown in X-Real-IP',
    options: { semantics: 'single', header: 'X-Real-IP', trusted: ['10.0.0.0/8'] },
    peer: '10.0.0.2',
    headers: single('X-Real-IP', 'unknown'),
    want: null,
    reason: 'unknown-entry',
  },
];

/** Rawheaders layout of a case's lines. */
export function rawHeadersOf(c: ResolveCase): string[] {
  const raw: string[] = [];
  for (const [name, value] of c.headers) raw.push(name, value);
  return raw;
}

/**
 * Runs one case (plain and traced) and describes the first mismatch, or returns null. Used by
 * the strategy tests; kept free of node:assert so this table ships with the library's tests only.
 */
export function mismatchOf(
  c: ResolveCase,
  resolve: (input: ResolveInput, options?: ResolveOptions) => Resolution,
): string | null {
  const input: ResolveInput = {
    peer: c.peer,
    rawHeaders: rawHeadersOf(c),
    ...(c.peerPort === undefined ? {} : { peerPort: c.peerPort }),
  };
  const plain = resolve(input);
  const show = (r: Resolution) => JSON.stringify({ client: r.client, port: r.port, reason: r.reason });
  if (plain.client !== c.want || plain.reason !== c.reason || (c.port !== undefined && plain.port !== c.port)) {
    return `got ${show(plain)}, want ${JSON.stringify({ client: c.want, port: c.port, reason: c.reason })}`;
  }
  if (plain.trace !== undefined) return 'trace present without { trace: true }';
  const traced = resolve(input, { trace: true });
  if (show(traced) !== show(plain)) return `traced run differs: ${show(traced)}`;
  if (traced.trace === undefined || traced.trace[0]?.source !== 'peer') return 'trace must start with the peer';
  return null;
}
