/**
 * Request-smuggling and malformed-request corpus. Each case is the raw bytes a client sends on a fresh
 * connection and what the gateway must do: reject (status + stable kind, then close) or forward in exactly
 * one unambiguous form (what the upstream must receive). Used by the parser's unit test
 * (request-head.test.ts) and end to end through the gateway to Node and nginx upstreams
 * (test/gateway/smuggling.test.ts).
 */

export interface ForwardedRequest {
  readonly method: string;
  readonly url: string;
  /** Body the upstream must receive (after de-chunking). */
  readonly body?: string;
  /** Header (lower-case name) and the exact value the upstream must see; `null` = must be absent. */
  readonly headers?: Readonly<Record<string, string | null>>;
}

export interface SmugglingCase {
  readonly name: string;
  readonly raw: string;
  /** Reject: status sent before closing; the kind passed to observer.badRequest. */
  readonly reject?: { readonly status: number; readonly kind: string };
  /** Forward: the requests the upstream must receive, in order (pipelining: several). */
  readonly forward?: readonly ForwardedRequest[];
}

const H = 'Host: a.test\r\n';
const GET = (path = '/') => `GET ${path} HTTP/1.1\r\n${H}`;
const POST = `POST /p HTTP/1.1\r\n${H}`;
const bad = (kind: string, status = 400) => ({ status, kind });
const TE = 'Transfer-Encoding';

export const SMUGGLING_CASES: readonly SmugglingCase[] = [
  // --- CL.TE / TE.CL: both framing headers --------------------------------------------------------------
  {
    name: 'fail: CL.TE (Content-Length before Transfer-Encoding)',
    raw: `${POST}Content-Length: 6\r\n${TE}: chunked\r\n\r\n0\r\n\r\nX`,
    reject: bad('cl-and-te'),
  },
  {
    name: 'fail: TE.CL (Transfer-Encoding before Content-Length)',
    raw: `${POST}${TE}: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n`,
    reject: bad('cl-and-te'),
  },
  {
    name: 'fail: CL.TE with a smuggled GET in the body',
    raw: `${POST}Content-Length: 44\r\n${TE}: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a.test\r\n\r\n`,
    reject: bad('cl-and-te'),
  },
  {
    name: 'fail: CL.TE with TE identity',
    raw: `${POST}Content-Length: 3\r\n${TE}: identity\r\n\r\nabc`,
    reject: bad('bad-transfer-encoding'),
  },
  // --- TE.TE obfuscations --------------------------------------------------------------------------------
  { name: 'fail: TE xchunked', raw: `${POST}${TE}: xchunked\r\n\r\n0\r\n\r\n`, reject: bad('bad-transfer-encoding') },
  {
    name: 'fail: TE chunked, identity',
    raw: `${POST}${TE}: chunked, identity\r\n\r\n0\r\n\r\n`,
    reject: bad('bad-transfer-encoding'),
  },
  {
    name: 'fail: TE identity, chunked (only a single chunked is accepted)',
    raw: `${POST}${TE}: identity, chunked\r\n\r\n0\r\n\r\n`,
    reject: bad('bad-transfer-encoding'),
  },
  {
    name: 'fail: TE gzip, chunked (no codings but chunked)',
    raw: `${POST}${TE}: gzip, chunked\r\n\r\n0\r\n\r\n`,
    reject: bad('bad-transfer-encoding'),
  },
  {
    name: 'fail: space before the colon of Transfer-Encoding',
    raw: `${POST}${TE} : chunked\r\n\r\n0\r\n\r\n`,
    reject: bad('space-before-colon'),
  },
  {
    name: 'fail: two Transfer-Encoding lines',
    raw: `${POST}${TE}: chunked\r\n${TE}: chunked\r\n\r\n0\r\n\r\n`,
    reject: bad('duplicate-transfer-encoding'),
  },
  {
    name: 'fail: Transfer-Encoding chunked then identity on a second line',
    raw: `${POST}${TE}: chunked\r\n${TE}: identity\r\n\r\n0\r\n\r\n`,
    reject: bad('duplicate-transfer-encoding'),
  },
  {
    name: 'fail: quoted "chunked"',
    raw: `${POST}${TE}: "chunked"\r\n\r\n0\r\n\r\n`,
    reject: bad('bad-transfer-encoding'),
  },
  {
    name: 'fail: chunked;q=1',
    raw: `${POST}${TE}: chunked;q=1\r\n\r\n0\r\n\r\n`,
    reject: bad('bad-transfer-encoding'),
  },
  {
    name: 'fail: TE with vertical tab in the name',
    raw: `${POST}${TE}\x0b: chunked\r\n\r\n0\r\n\r\n`,
    reject: bad('bad-header-name'),
  },
  {
    name: 'fail: TE value starting with a vertical tab',
    raw: `${POST}${TE}: \x0bchunked\r\n\r\n0\r\n\r\n`,
    reject: bad('ctl-in-value'),
  },
  {
    name: 'fail: TE value after a NUL',
    raw: `${POST}${TE}: chunked\x00\r\n\r\n0\r\n\r\n`,
    reject: bad('nul-in-value'),
  },
  {
    name: 'fail: TE hidden by obs-fold',
    raw: `${POST}X-Pad: y\r\n ${TE}: chunked\r\n\r\n0\r\n\r\n`,
    reject: bad('obs-fold'),
  },
  {
    name: 'fail: TE value on a folded line',
    raw: `${POST}${TE}:\r\n chunked\r\n\r\n0\r\n\r\n`,
    reject: bad('bad-transfer-encoding'),
  },
  {
    name: 'fail: TE on HTTP/1.0',
    raw: `POST /p HTTP/1.0\r\n${H}${TE}: chunked\r\n\r\n0\r\n\r\n`,
    reject: bad('te-on-http10'),
  },
  {
    name: 'TE with a leading tab (OWS) is chunked, forwarded normalised',
    raw: `${POST}${TE}:\tchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    forward: [{ method: 'POST', url: '/p', body: 'abc', headers: { 'transfer-encoding': 'chunked' } }],
  },
  {
    name: 'TE with trailing spaces (OWS) is chunked',
    raw: `${POST}${TE}: chunked  \r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    forward: [{ method: 'POST', url: '/p', body: 'abc', headers: { 'transfer-encoding': 'chunked' } }],
  },
  {
    name: 'TE Chunked (case-insensitive, RFC 9112 §7) is forwarded as lower-case chunked',
    raw: `${POST}${TE}: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    forward: [{ method: 'POST', url: '/p', body: 'abc', headers: { 'transfer-encoding': 'chunked' } }],
  },
  {
    name: 'TE CHUNKED upper-case',
    raw: `${POST}transfer-encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    forward: [{ method: 'POST', url: '/p', body: 'abc', headers: { 'transfer-encoding': 'chunked' } }],
  },
  {
    name: 'Transfer_Encoding (underscore) is not framing: CL body, the underscore header dropped',
    raw: `${POST}Transfer_Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc`,
    forward: [{ method: 'POST', url: '/p', body: 'abc', headers: { transfer_encoding: null, 'content-length': '3' } }],
  },
  // --- Content-Length ---------------------------------------------------------------------------------------
  {
    name: 'fail: two differing Content-Length lines',
    raw: `${POST}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
    reject: bad('duplicate-content-length'),
  },
  {
    name: 'fail: two identical Content-Length lines (rejected like nginx)',
    raw: `${POST}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`,
    reject: bad('duplicate-content-length'),
  },
  {
    name: 'fail: Content-Length list "5, 5"',
    raw: `${POST}Content-Length: 5, 5\r\n\r\nhello`,
    reject: bad('bad-content-length'),
  },
  { name: 'fail: Content-Length +5', raw: `${POST}Content-Length: +5\r\n\r\nhello`, reject: bad('bad-content-length') },
  { name: 'fail: Content-Length -1', raw: `${POST}Content-Length: -1\r\n\r\n`, reject: bad('bad-content-length') },
  {
    name: 'fail: Content-Length 0x5',
    raw: `${POST}Content-Length: 0x5\r\n\r\nhello`,
    reject: bad('bad-content-length'),
  },
  {
    name: 'fail: Content-Length "5 6"',
    raw: `${POST}Content-Length: 5 6\r\n\r\nhello!`,
    reject: bad('bad-content-length'),
  },
  { name: 'fail: empty Content-Length', raw: `${POST}Content-Length:\r\n\r\n`, reject: bad('bad-content-length') },
  {
    name: 'fail: Content-Length beyond any limit (413)',
    raw: `${POST}Content-Length: 99999999999999999999\r\n\r\n`,
    reject: bad('body-too-large', 413),
  },
  {
    name: 'fail: "Content Length" (space in the name)',
    raw: `${POST}Content Length: 5\r\n\r\nhello`,
    reject: bad('space-before-colon'),
  },
  {
    name: 'Content-Length with trailing OWS is forwarded as one clean header',
    raw: `${POST}Content-Length: 5 \r\n\r\nhello`,
    forward: [{ method: 'POST', url: '/p', body: 'hello', headers: { 'content-length': '5' } }],
  },
  {
    name: 'Content-Length 005 (leading zeros) is forwarded as 5',
    raw: `${POST}Content-Length: 005\r\n\r\nhello`,
    forward: [{ method: 'POST', url: '/p', body: 'hello', headers: { 'content-length': '5' } }],
  },
  {
    name: 'Connection: Content-Length cannot remove the framing header',
    raw: `${POST}Connection: Content-Length\r\nContent-Length: 5\r\n\r\nhello`,
    forward: [{ method: 'POST', url: '/p', body: 'hello', headers: { 'content-length': '5', connection: null } }],
  },
  // --- chunked body ------------------------------------------------------------------------------------------
  {
    name: 'fail: chunk size with a trailing space',
    raw: `${POST}${TE}: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n`,
    reject: bad('bad-chunk-size'),
  },
  {
    name: 'fail: chunk size 0x5',
    raw: `${POST}${TE}: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`,
    reject: bad('bad-chunk-size'),
  },
  {
    name: 'fail: chunk size -5',
    raw: `${POST}${TE}: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n`,
    reject: bad('bad-chunk-size'),
  },
  {
    name: 'fail: chunk size of 14 hex digits',
    raw: `${POST}${TE}: chunked\r\n\r\n0000000000000005\r\nhello\r\n0\r\n\r\n`,
    reject: bad('bad-chunk-size'),
  },
  {
    name: 'fail: chunk extension with a bare LF',
    raw: `${POST}${TE}: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n`,
    reject: bad('bad-chunk-extension'),
  },
  {
    name: 'fail: chunk data longer than its size',
    raw: `${POST}${TE}: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n`,
    reject: bad('bad-chunk-data'),
  },
  {
    name: 'fail: chunk data without CRLF',
    raw: `${POST}${TE}: chunked\r\n\r\n5\r\nhello0\r\n\r\n`,
    reject: bad('bad-chunk-data'),
  },
  {
    name: 'fail: chunk lines with bare LF',
    raw: `${POST}${TE}: chunked\r\n\r\n5\nhello\n0\n\n`,
    reject: bad('bad-chunk-size'),
  },
  {
    name: 'fail: obs-fold in a trailer',
    raw: `${POST}${TE}: chunked\r\n\r\n0\r\nX-T: 1\r\n 2\r\n\r\n`,
    reject: bad('obs-fold'),
  },
  {
    name: 'fail: chunked body beyond maxBodyBytes (413)',
    raw: `${POST}${TE}: chunked\r\n\r\n200000\r\n`,
    reject: bad('body-too-large', 413),
  },
  {
    name: 'chunk extensions are dropped, data forwarded',
    raw: `${POST}${TE}: chunked\r\n\r\n5;foo=bar;baz\r\nhello\r\n0\r\n\r\n`,
    forward: [{ method: 'POST', url: '/p', body: 'hello' }],
  },
  {
    name: 'trailers are validated and dropped',
    raw: `${POST}${TE}: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n`,
    forward: [{ method: 'POST', url: '/p', body: 'hello', headers: { 'x-trailer': null } }],
  },
  {
    name: 'upper-case hex chunk sizes over several chunks',
    raw: `${POST}${TE}: chunked\r\n\r\nA\r\n0123456789\r\n1\r\nX\r\n0\r\n\r\n`,
    forward: [{ method: 'POST', url: '/p', body: '0123456789X' }],
  },
  // --- line endings --------------------------------------------------------------------------------------------
  { name: 'fail: bare LF after the request line', raw: 'GET / HTTP/1.1\nHost: a.test\r\n\r\n', reject: bad('bare-lf') },
  { name: 'fail: bare LF after a header line', raw: `${GET()}X-A: b\n\r\n`, reject: bad('bare-lf') },
  { name: 'fail: bare-LF-only request', raw: 'GET / HTTP/1.1\nHost: a.test\n\n', reject: bad('bare-lf') },
  { name: 'fail: bare CR inside a value', raw: `${GET()}X-A: b\rc\r\n\r\n`, reject: bad('bare-cr') },
  { name: 'fail: bare CR after the request line', raw: 'GET / HTTP/1.1\rHost: a.test\r\n\r\n', reject: bad('bare-cr') },
  // --- header bytes ---------------------------------------------------------------------------------------------
  { name: 'fail: NUL in a value', raw: `${GET()}X-A: b\x00c\r\n\r\n`, reject: bad('nul-in-value') },
  { name: 'fail: NUL in a name', raw: `${GET()}X\x00A: b\r\n\r\n`, reject: bad('bad-header-name') },
  { name: 'fail: CR in a name', raw: `${GET()}X\rA: b\r\n\r\n`, reject: bad('bare-cr') },
  { name: 'fail: LF in a name', raw: `${GET()}X\nA: b\r\n\r\n`, reject: bad('bare-lf') },
  { name: 'fail: DEL in a value', raw: `${GET()}X-A: b\x7fc\r\n\r\n`, reject: bad('ctl-in-value') },
  { name: 'fail: SOH in a value', raw: `${GET()}X-A: \x01\r\n\r\n`, reject: bad('ctl-in-value') },
  { name: 'fail: @ in a name', raw: `${GET()}X@A: b\r\n\r\n`, reject: bad('bad-header-name') },
  { name: 'fail: empty header name', raw: `${GET()}: b\r\n\r\n`, reject: bad('empty-header-name') },
  { name: 'fail: header line without a colon', raw: `${GET()}X-A\r\n\r\n`, reject: bad('missing-colon') },
  {
    name: 'fail: space before the colon of Host',
    raw: 'GET / HTTP/1.1\r\nHost : a.test\r\n\r\n',
    reject: bad('space-before-colon'),
  },
  {
    name: 'obs-text (0xE9) in a value is forwarded byte for byte',
    raw: `${GET('/o')}X-Name: caf\xe9\r\n\r\n`,
    forward: [{ method: 'GET', url: '/o', headers: { 'x-name': 'caf\xe9' } }],
  },
  {
    name: 'HTAB inside a value is kept',
    raw: `${GET('/t')}X-Tab: a\tb\r\n\r\n`,
    forward: [{ method: 'GET', url: '/t', headers: { 'x-tab': 'a\tb' } }],
  },
  // --- request line ------------------------------------------------------------------------------------------------
  { name: 'fail: two spaces after the method', raw: `GET  / HTTP/1.1\r\n${H}\r\n`, reject: bad('bad-request-target') },
  { name: 'fail: lower-case http/1.1', raw: `GET / http/1.1\r\n${H}\r\n`, reject: bad('bad-version') },
  { name: 'fail: HTTP/2.0 (505)', raw: `GET / HTTP/2.0\r\n${H}\r\n`, reject: bad('unsupported-version', 505) },
  { name: 'fail: no version (HTTP/0.9 style)', raw: 'GET /\r\n\r\n', reject: bad('bad-request-target') },
  { name: 'fail: CONNECT (405)', raw: `CONNECT a.test:443 HTTP/1.1\r\n${H}\r\n`, reject: bad('connect-method', 405) },
  {
    name: 'fail: control byte in the target',
    raw: `GET /a\x01b HTTP/1.1\r\n${H}\r\n`,
    reject: bad('bad-request-target'),
  },
  {
    name: 'fail: non-ASCII byte in the target',
    raw: `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`,
    reject: bad('bad-request-target'),
  },
  { name: 'fail: asterisk-form with GET', raw: `GET * HTTP/1.1\r\n${H}\r\n`, reject: bad('bad-request-target') },
  {
    name: 'fail: absolute-form with userinfo',
    raw: `GET http://u@a.test/x HTTP/1.1\r\n${H}\r\n`,
    reject: bad('bad-request-target'),
  },
  { name: 'fail: unknown scheme', raw: `GET ftp://a.test/x HTTP/1.1\r\n${H}\r\n`, reject: bad('bad-request-target') },
  { name: 'fail: dot-segment in the path', raw: `${GET('/static/../admin')}\r\n`, reject: bad('dot-segment') },
  {
    name: 'fail: encoded dot-segment in the path',
    raw: `${GET('/static/%2e%2e/admin')}\r\n`,
    reject: bad('dot-segment'),
  },
  { name: 'fail: backslash in the path', raw: `${GET('/static\\..\\admin')}\r\n`, reject: bad('dot-segment') },
  {
    name: 'absolute-form: Host replaced by the target authority, origin-form upstream',
    raw: 'GET http://a.test/x?y=1 HTTP/1.1\r\nHost: other.test\r\n\r\n',
    forward: [{ method: 'GET', url: '/x?y=1', headers: { host: 'a.test' } }],
  },
  {
    name: 'HTTP/1.2 is answered as HTTP/1.1',
    raw: `GET /v HTTP/1.2\r\n${H}\r\n`,
    forward: [{ method: 'GET', url: '/v' }],
  },
  {
    name: 'leading empty line before the request line is ignored (RFC 9112 §2.2)',
    raw: `\r\n${GET('/lead')}\r\n`,
    forward: [{ method: 'GET', url: '/lead' }],
  },
  // --- Host -----------------------------------------------------------------------------------------------------------
  { name: 'fail: HTTP/1.1 without Host', raw: 'GET / HTTP/1.1\r\nX-A: b\r\n\r\n', reject: bad('missing-host') },
  {
    name: 'fail: two Host lines',
    raw: 'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n',
    reject: bad('duplicate-host'),
  },
  { name: 'fail: space inside Host', raw: 'GET / HTTP/1.1\r\nHost: a .test\r\n\r\n', reject: bad('bad-host') },
  { name: 'fail: empty Host', raw: 'GET / HTTP/1.1\r\nHost:\r\n\r\n', reject: bad('empty-host') },
  { name: 'fail: Host with a slash', raw: 'GET / HTTP/1.1\r\nHost: a.test/x\r\n\r\n', reject: bad('bad-host') },
  {
    name: 'HTTP/1.0 without Host is forwarded (Host set to the upstream)',
    raw: 'GET /old HTTP/1.0\r\n\r\n',
    forward: [{ method: 'GET', url: '/old' }],
  },
  // --- limits -------------------------------------------------------------------------------------------------------------
  {
    name: 'fail: request line over the header limit (414)',
    raw: `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`,
    reject: bad('request-line-too-long', 414),
  },
  {
    name: 'fail: headers over the size limit (431)',
    raw: `${GET()}X-Big: ${'b'.repeat(9000)}\r\n\r\n`,
    reject: bad('headers-too-large', 431),
  },
  {
    name: 'fail: too many headers (431)',
    raw: `${GET()}${Array.from({ length: 70 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`,
    reject: bad('too-many-headers', 431),
  },
  {
    name: 'fail: Content-Length over maxBodyBytes (413)',
    raw: `${POST}Content-Length: 2000000\r\n\r\n`,
    reject: bad('body-too-large', 413),
  },
  // --- pipelining -----------------------------------------------------------------------------------------------------------
  {
    name: 'two pipelined GETs are answered in order',
    raw: `${GET('/one')}\r\n${GET('/two')}\r\n`,
    forward: [
      { method: 'GET', url: '/one' },
      { method: 'GET', url: '/two' },
    ],
  },
  {
    name: 'a Content-Length body holding request bytes is body, the rest is the next request',
    raw: `${POST}Content-Length: 18\r\n\r\nGET /in HTTP/1.1\r\n${GET('/after')}\r\n`,
    forward: [
      { method: 'POST', url: '/p', body: 'GET /in HTTP/1.1\r\n' },
      { method: 'GET', url: '/after' },
    ],
  },
  {
    name: 'a chunked POST then a pipelined GET',
    raw: `${POST}${TE}: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n${GET('/next')}\r\n`,
    forward: [
      { method: 'POST', url: '/p', body: 'abc' },
      { method: 'GET', url: '/next' },
    ],
  },
  {
    name: 'POST with Content-Length 0 then a pipelined GET',
    raw: `${POST}Content-Length: 0\r\n\r\n${GET('/z')}\r\n`,
    forward: [
      { method: 'POST', url: '/p', body: '' },
      { method: 'GET', url: '/z' },
    ],
  },
  {
    name: 'fail: a valid request pipelined before an invalid one: first answered, then 400',
    raw: `${GET('/ok')}\r\nGET / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n`,
    forward: [{ method: 'GET', url: '/ok' }],
    reject: bad('duplicate-content-length'),
  },
  // --- hop-by-hop -------------------------------------------------------------------------------------------------------------
  {
    name: 'Connection-nominated headers, Keep-Alive, TE, Proxy-Connection and Upgrade are removed',
    raw: `${GET('/h')}Connection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nUpgrade: h2c\r\n\r\n`,
    forward: [
      {
        method: 'GET',
        url: '/h',
        headers: { 'x-secret': null, 'keep-alive': null, te: null, 'proxy-connection': null, upgrade: null },
      },
    ],
  },
  {
    name: 'Expect: 100-continue is forwarded',
    raw: `${POST}Expect: 100-continue\r\nContent-Length: 2\r\n\r\nok`,
    forward: [{ method: 'POST', url: '/p', body: 'ok', headers: { expect: '100-continue' } }],
  },
];
