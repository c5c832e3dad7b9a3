import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluatePointer, isJsonPointer, mentions, readEcho, sameAddress } from './echo.ts';

const WHOAMI = JSON.stringify({
  peer: { ip: '127.0.0.1', port: 4000 },
  proxyProtocol: { version: 2, source: '198.18.7.120' },
  client: { ip: '198.18.7.120', port: 40001, reason: 'untrusted-peer', trace: [] },
  trust: { trustsEverything: false },
  headers: [['X-Forwarded-For', '198.18.7.101']],
});

type ReadCase = {
  name: string;
  body: string;
  field?: string;
  want: { kind: string; client: string | null; reason?: string; proxySource?: string | null } | { error: RegExp };
};
const readCases: ReadCase[] = [
  {
    name: 'whoami JSON: client.ip, reason and the PROXY source',
    body: WHOAMI,
    want: { kind: 'whoami', client: '198.18.7.120', reason: 'untrusted-peer', proxySource: '198.18.7.120' },
  },
  {
    name: 'whoami JSON with a refused client: null',
    body: '{"peer":{"ip":"127.0.0.1"},"client":{"ip":null,"reason":"all-trusted"},"proxyProtocol":null}',
    want: { kind: 'whoami', client: null, reason: 'all-trusted', proxySource: null },
  },
  {
    name: 'JSON pointer into a generic echo',
    body: '{"origin":"192.0.2.1"}',
    field: '/origin',
    want: { kind: 'json-pointer', client: '192.0.2.1' },
  },
  {
    name: 'JSON pointer with ~1 and an array index',
    body: '{"a/b":[{"ip":"2001:db8::1"}]}',
    field: '/a~1b/0/ip',
    want: { kind: 'json-pointer', client: '2001:db8::1' },
  },
  {
    name: 'JSON pointer to null: no client',
    body: '{"ip":null}',
    field: '/ip',
    want: { kind: 'json-pointer', client: null },
  },
  { name: 'plain text address with a newline', body: '192.0.2.9\n', want: { kind: 'text', client: '192.0.2.9' } },
  { name: 'plain text IPv6', body: ' 2001:db8::9 ', want: { kind: 'text', client: '2001:db8::9' } },
  { name: 'fail: JSON pointer to a number', body: '{"ip":7}', field: '/ip', want: { error: /no string at "\/ip"/ } },
  { name: 'fail: pointer on a non-JSON body', body: '<html>', field: '/ip', want: { error: /not JSON/ } },
  {
    name: 'fail: JSON that is not whoami, no pointer',
    body: '{"origin":"192.0.2.1"}',
    want: { error: /--client-field/ },
  },
  {
    name: 'fail: whoami-like with a numeric client',
    body: '{"peer":{},"client":{"ip":5}}',
    want: { error: /not sourceip whoami/ },
  },
  {
    name: 'fail: HTML page',
    body: '<html>hello</html>',
    want: { error: /neither whoami JSON nor a plain-text address/ },
  },
  { name: 'fail: text that only contains an address', body: 'your ip: 192.0.2.1', want: { error: /neither/ } },
  { name: 'fail: control bytes are quoted escaped', body: '\x1b[2Jboom', want: { error: /\\u001b\[2Jboom/ } },
];
for (const c of readCases) {
  test(`readEcho: ${c.name}`, () => {
    const got = readEcho(c.body, c.field);
    if ('error' in c.want) {
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.error, c.want.error);
      return;
    }
    assert.equal(got.ok, true);
    if (!got.ok) return;
    assert.equal(got.echo.kind, c.want.kind);
    assert.equal(got.echo.client, c.want.client);
    if (c.want.reason !== undefined) assert.equal(got.echo.reason, c.want.reason);
    if (c.want.proxySource !== undefined) assert.equal(got.echo.proxySource, c.want.proxySource);
  });
}

test('readEcho: an excerpt of a long body is cut', () => {
  const got = readEcho(`<${'x'.repeat(10_000)}>`);
  assert.equal(got.ok, false);
  if (!got.ok) assert.ok(got.error.length < 250, got.error);
});

const pointerCases: Array<[string, boolean]> = [
  ['', true],
  ['/a', true],
  ['/a~0b~1c', true],
  ['a', false],
  ['/a~2', false],
  ['/a~', false],
];
for (const [pointer, want] of pointerCases) {
  test(`isJsonPointer(${JSON.stringify(pointer)}) is ${want}`, () => assert.equal(isJsonPointer(pointer), want));
}

test('evaluatePointer: missing tokens, inherited names and bad indexes are undefined', () => {
  assert.equal(evaluatePointer({ a: 1 }, '/b'), undefined);
  assert.equal(evaluatePointer({}, '/constructor'), undefined);
  assert.equal(evaluatePointer([1, 2], '/01'), undefined);
  assert.equal(evaluatePointer([1, 2], '/1'), 2);
  assert.deepEqual(evaluatePointer({ a: 1 }, ''), { a: 1 });
});

const mentionCases: Array<[string, string, string, boolean]> = [
  ['IPv4 in a list', '"198.18.7.100, 10.0.0.1"', '198.18.7.100', true],
  ['IPv4 with a port', '"198.18.7.100:443"', '198.18.7.100', true],
  ['IPv4 mapped', '"::ffff:198.18.7.100"', '198.18.7.100', true],
  ['fail: longer IPv4', '"198.18.7.1001"', '198.18.7.100', false],
  ['fail: IPv4 inside a longer dotted text', '"1198.18.7.100"', '198.18.7.100', false],
  ['IPv6 bracketed', 'for="[2001:db8:8::105]"', '2001:db8:8::105', true],
  ['IPv6 upper case', 'for=2001:DB8:8::105', '2001:db8:8::105', true],
  ['fail: longer IPv6', '"2001:db8:8::105:1"', '2001:db8:8::105', false],
  ['fail: IPv6 with more hex after', '"2001:db8:8::105a"', '2001:db8:8::105', false],
  ['fail: absent', '{}', '198.18.7.100', false],
];
for (const [name, text, ip, want] of mentionCases) {
  test(`mentions: ${name}`, () => assert.equal(mentions(text, ip), want));
}

const sameCases: Array<[string | null, string | null, boolean]> = [
  ['127.0.0.1', '127.0.0.1', true],
  ['::ffff:127.0.0.1', '127.0.0.1', true],
  ['2001:DB8::1', '2001:db8:0::1', true],
  ['198.51.100.7:1234', '198.51.100.7', true],
  ['[2001:db8::1]:80', '2001:db8::1', true],
  ['127.0.0.1', '127.0.0.2', false],
  ['unknown', 'unknown', false],
  [null, '127.0.0.1', false],
  [null, null, false],
];
for (const [a, b, want] of sameCases) {
  test(`sameAddress(${a}, ${b}) is ${want}`, () => assert.equal(sameAddress(a, b), want));
}
