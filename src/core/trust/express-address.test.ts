import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileExpressTrust, expressParseSubnet, ipaddrParse } from './express-address.ts';

// [input, what ipaddr.js 1.9.1 makes of it (null = not valid)]; all checked against the real
// library in test/resolve/express-address-differential.test.ts.
const parses: [string, string | null][] = [
  ['1.2.3.4', '4:1.2.3.4'],
  ['10', '4:0.0.0.10'],
  ['167772161', '4:10.0.0.1'],
  ['0xa.0.0.1', '4:10.0.0.1'],
  ['012.0.0.1', '4:10.0.0.1'],
  ['08.0.0.1', '4:0.0.0.1'],
  ['0X1F', '4:0.0.0.0'],
  ['0x1f', '4:0.0.0.31'],
  ['127.1', null],
  ['256.0.0.1', null],
  ['4294967296', null],
  ['::1', '6:0:0:0:0:0:0:0:1'],
  ['::ffff:1.2.3.4', '6:0:0:0:0:0:ffff:102:304'],
  ['::ffff:010.0.0.1', '6:0:0:0:0:0:ffff:a00:1'],
  ['::1.2.3.4', null],
  ['1::1.2.3.4', null],
  ['::0:1.2.3.4', '6:0:0:0:0:0:0:102:304'],
  ['1:2:3:4:5:6:7:8:', '6:1:2:3:4:5:6:7:8'],
  ['1::2:3:4:5:6:7:8', '6:1:2:3:4:5:6:7:8'],
  ['::1:2:3:4:5:6:7:8', '6:1:2:3:4:5:6:7:8'],
  ['fe80::1%eth0', '6:fe80:0:0:0:0:0:0:1'],
  ['fe80::1%', null],
  ['fe80::1%e-1', null],
  [':::', null],
  ['1::2::3', null],
  ['[::1]', null],
  ['1.2.3.4:80', null],
  ['unknown', null],
  ['', null],
];

function text(s: string): string | null {
  const a = ipaddrParse(s);
  if (a === null) return null;
  if (a.family === 4) return `4:${[a.w3 >>> 24, (a.w3 >>> 16) & 255, (a.w3 >>> 8) & 255, a.w3 & 255].join('.')}`;
  const g = [
    a.w0 >>> 16,
    a.w0 & 0xffff,
    a.w1 >>> 16,
    a.w1 & 0xffff,
    a.w2 >>> 16,
    a.w2 & 0xffff,
    a.w3 >>> 16,
    a.w3 & 0xffff,
  ];
  return `6:${g.map((p) => p.toString(16)).join(':')}`;
}

for (const [input, want] of parses) {
  test(`${want === null ? 'fail: ' : ''}ipaddr.js 1.9.1 reads ${JSON.stringify(input)} as ${want}`, () => {
    assert.equal(text(input), want);
  });
}

test('trust lists: ranges, netmasks, names, mapped forms', () => {
  const t = compileExpressTrust('loopback, 10.0.0.0/255.0.0.0, ::ffff:192.168.0.0/112').trust;
  assert.equal(t('127.0.0.9', 0), true);
  assert.equal(t('::ffff:127.0.0.9', 0), true);
  assert.equal(t('::1', 0), true);
  assert.equal(t('10.200.0.1', 0), true);
  assert.equal(t('192.168.3.3', 0), true);
  assert.equal(t('::ffff:c0a8:303', 0), true);
  assert.equal(t('11.0.0.1', 0), false);
  assert.equal(t('nope', 0), false);
  assert.equal(t(undefined, 0), false);
  assert.equal(compileExpressTrust(['127.0.0.1']).trust('::1', 0), false);
  assert.equal(compileExpressTrust(2).trust('anything', 1), true);
  assert.equal(compileExpressTrust(2).trust('anything', 2), false);
  assert.equal(compileExpressTrust(false).trust('127.0.0.1', 0), false);
  assert.equal(expressParseSubnet('10/8').ip.w3, 10);
});

test('fail: trust values proxy-addr refuses are setup errors', () => {
  for (const bad of [
    '0.0.0.0/0',
    '::/0',
    'private',
    '10.0.0.0/33',
    '10.0.0.1/255.0.255.0',
    '',
    ' 10.0.0.1',
    '1.2.3.4/',
    '::1/255.0.0.0',
  ]) {
    assert.throws(() => compileExpressTrust([bad]), { code: 'SIP_ERR_INVALID_CIDR' }, bad);
  }
  assert.doesNotThrow(() => compileExpressTrust(' 10.0.0.1 , loopback'));
});
