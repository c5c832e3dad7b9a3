import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIP } from '../ip/address.ts';
import { ForwardedCursor, type ParsedNode, parseForwarded, parseForwardedNode } from './forwarded.ts';

type Row = { name: string; lines: string[]; want: Array<[state: string, value: string]> };

// want: [state, for value (ok) or element text (no-for / malformed)]
const rows: Row[] = [
  {
    name: 'RFC 7239 §4 examples',
    lines: [
      'for="_gazonk"',
      'For="[2001:db8:cafe::17]:4711"',
      'for=192.0.2.60;proto=http;by=203.0.113.43',
      'for=192.0.2.43, for=198.51.100.17',
    ],
    want: [
      ['ok', '_gazonk'],
      ['ok', '[2001:db8:cafe::17]:4711'],
      ['ok', '192.0.2.60'],
      ['ok', '192.0.2.43'],
      ['ok', '198.51.100.17'],
    ],
  },
  {
    name: 'quoted comma and semicolon stay inside the value',
    lines: ['host="a,b;c";for=1.2.3.4, for=5.6.7.8'],
    want: [
      ['ok', '1.2.3.4'],
      ['ok', '5.6.7.8'],
    ],
  },
  { name: 'quoted-pair unescaped', lines: ['for="1.2.3.\\4";host="a\\"b"'], want: [['ok', '1.2.3.4']] },
  {
    name: 'empty elements skipped, OWS around , and ; allowed',
    lines: [' , for=1.1.1.1 ;  proto=https ,, for=2.2.2.2 , '],
    want: [
      ['ok', '1.1.1.1'],
      ['ok', '2.2.2.2'],
    ],
  },
  {
    name: 'element without for keeps its position',
    lines: ['proto=https;by=1.1.1.1, for=2.2.2.2'],
    want: [
      ['no-for', 'proto=https;by=1.1.1.1'],
      ['ok', '2.2.2.2'],
    ],
  },
  {
    name: 'duplicate parameter (any case) makes the element malformed (§d #25 deviation: realclientip-go takes the first)',
    lines: ['for=1.1.1.1;FOR=2.2.2.2, for=3.3.3.3'],
    want: [
      ['malformed', 'for=1.1.1.1;FOR=2.2.2.2'],
      ['ok', '3.3.3.3'],
    ],
  },
  {
    name: 'whitespace around = is malformed',
    lines: ['For= 1.1.1.1, for =2.2.2.2, for=3.3.3.3'],
    want: [
      ['malformed', 'For= 1.1.1.1'],
      ['malformed', 'for =2.2.2.2'],
      ['ok', '3.3.3.3'],
    ],
  },
  {
    name: 'unquoted backslash is malformed (§d #25)',
    lines: ['for=1.1.1.\\1, for=2.2.2.2'],
    want: [
      ['malformed', 'for=1.1.1.\\1'],
      ['ok', '2.2.2.2'],
    ],
  },
  {
    name: 'misplaced quote (§d #25)',
    lines: ['for="[0:0:0:0:0:ffff:bc15:0006"], for=2.2.2.2'],
    want: [
      ['malformed', 'for="[0:0:0:0:0:ffff:bc15:0006"]'],
      ['ok', '2.2.2.2'],
    ],
  },
  {
    name: 'unterminated quote poisons the rest of its line only',
    lines: ['for=1.1.1.1, for="2.2.2.2, for=3.3.3.3', 'for=4.4.4.4'],
    want: [
      ['ok', '1.1.1.1'],
      ['malformed', 'for="2.2.2.2, for=3.3.3.3'],
      ['ok', '4.4.4.4'],
    ],
  },
  {
    name: 'a quote after an error is honoured while resynchronising',
    lines: ['by=x y;host="a, for=6.6.6.6", for=7.7.7.7'],
    want: [
      ['malformed', 'by=x y;host="a, for=6.6.6.6"'],
      ['ok', '7.7.7.7'],
    ],
  },
  {
    name: 'quoted comma: RFC reading of §d #24',
    lines: ['For="1.1.1.1, For=2.2.2.2, For=3.3.3.3", For="4.4.4.4"'],
    want: [
      ['ok', '1.1.1.1, For=2.2.2.2, For=3.3.3.3'],
      ['ok', '4.4.4.4'],
    ],
  },
  {
    name: 'unquoted ip:port and bare IPv6 are not tokens',
    lines: ['for=1.2.3.4:80, for=2001:db8::1, for=[2001:db8::1]'],
    want: [
      ['malformed', 'for=1.2.3.4:80'],
      ['malformed', 'for=2001:db8::1'],
      ['malformed', 'for=[2001:db8::1]'],
    ],
  },
  {
    name: 'control character inside quotes is malformed',
    lines: ['for="1.1.1.1\u0001", for=2.2.2.2'],
    want: [
      ['malformed', 'for="1.1.1.1\u0001"'],
      ['ok', '2.2.2.2'],
    ],
  },
  { name: 'empty line has no elements', lines: [''], want: [] },
];

for (const r of rows) {
  test(`parseForwarded: ${r.name}`, () => {
    const got = parseForwarded(r.lines).map((e) => [e.state, e.state === 'ok' ? (e.for ?? '') : e.text]);
    assert.deepEqual(got, r.want);
  });
}

const nodes: Array<[node: string, status: number, ip?: string, port?: number]> = [
  ['192.0.2.43', 0, '192.0.2.43', -1],
  ['192.0.2.43:47011', 0, '192.0.2.43', 47011],
  ['[2001:db8:cafe::17]:4711', 0, '2001:db8:cafe::17', 4711],
  ['[2001:db8:cafe::17]', 0, '2001:db8:cafe::17', -1],
  ['[::ffff:1.2.3.4]', 0, '::ffff:1.2.3.4', -1],
  ['192.0.2.43:_hidden', 0, '192.0.2.43', -1],
  ['unknown', 3],
  ['UNKNOWN:80', 3],
  ['_gazonk', 4],
  ['_', 2],
  ['_bad/char', 2],
  ['', 1],
  ['2001:db8::1', 2],
  ['[1.2.3.4]', 2],
  ['[fe80::1%eth0]', 2],
  ['01.2.3.4', 2],
  ['0.0.0.0', 2],
  ['[::]', 2],
  ['1.2.3.4:65536', 5],
  ['1.2.3.4:080', 5],
  ['1.2.3.4:', 5],
  ['[2001:db8::1]x', 2],
];
for (const [node, status, ip, port] of nodes) {
  test(`parseForwardedNode ${JSON.stringify(node)} → ${status}${ip ? ` ${ip}` : ''}`, () => {
    const out: ParsedNode = { ip: null, port: -1 };
    assert.equal(parseForwardedNode(node, 0, node.length, out), status);
    if (ip !== undefined) {
      assert.ok(out.ip !== null);
      assert.equal(formatIP(out.ip), ip);
      assert.equal(out.port, port);
    }
  });
}

test('ForwardedCursor hands elements right to left across lines, with line and index', () => {
  const c = new ForwardedCursor('Forwarded', 8);
  assert.equal(
    c.reset(['Forwarded', 'for=1.1.1.1, for=2.2.2.2', 'Host', 'x', 'forwarded', 'proto=https, for=3.3.3.3']),
    1,
  );
  const seen: string[] = [];
  while (c.next()) seen.push(`${c.line()}:${c.index()}:${c.parse()}:${c.text()}`);
  assert.deepEqual(seen, ['1:1:0:3.3.3.3', '1:0:7:proto=https', '0:1:0:2.2.2.2', '0:0:0:1.1.1.1']);
});

test('ForwardedCursor keeps only the rightmost maxEntries + 1 elements', () => {
  const c = new ForwardedCursor('Forwarded', 2);
  c.reset(['Forwarded', 'for=1.1.1.1, for=2.2.2.2, for=3.3.3.3, for=4.4.4.4']);
  const seen: string[] = [];
  while (c.next()) seen.push(c.text());
  assert.deepEqual(seen, ['4.4.4.4', '3.3.3.3', '2.2.2.2']);
});

test('ForwardedCursor: absent header, and a line over the cap', () => {
  const c = new ForwardedCursor();
  assert.equal(c.reset(['X-Forwarded-For', '1.1.1.1']), 0);
  assert.equal(c.next(), false);
  assert.equal(c.reset(['Forwarded', `for=${'1'.repeat(9000)}`]), 3);
});
