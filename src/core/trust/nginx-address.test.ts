import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxCidrMatch, nginxFormatAddress, nginxParseAddrPort, nginxParseCidr } from './nginx-address.ts';

// [input, `$remote_addr` nginx prints (null = nginx rejects the entry), port (0 = none)].
const cases: [string, string | null, number][] = [
  ['1.2.3.4', '1.2.3.4', 0],
  ['001.002.003.004', '1.2.3.4', 0],
  ['1..2.3', '1.0.2.3', 0],
  ['...', '0.0.0.0', 0],
  ['255.255.255.255', null, 0],
  ['256.1.1.1', null, 0],
  ['1.2.3', null, 0],
  ['1.2.3.4.5', null, 0],
  ['1.2.3.4:80', '1.2.3.4', 80],
  ['1.2.3.4:0080', '1.2.3.4', 80],
  ['1.2.3.4:0', null, 0],
  ['1.2.3.4:65536', null, 0],
  ['1.2.3.4:', null, 0],
  ['1.2.3.4:+1', null, 0],
  ['[1.2.3.4]:80', '1.2.3.4', 80],
  ['[::1]:443', '::1', 443],
  ['[::1]', null, 0],
  ['[::1]:', null, 0],
  ['[]:80', null, 0],
  ['::1', '::1', 0],
  ['::', '::', 0],
  ['1::', '1::', 0],
  [':1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 0],
  ['1::2:3:4:5:6:7:8', null, 0],
  ['1:2:3:4:5:6:7:8::', null, 0],
  ['1:2:3:4:5:6:7', null, 0],
  ['::12345', null, 0],
  ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 0],
  ['1:0:0:2:0:0:0:3', '1:0:0:2::3', 0],
  ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0', 0],
  ['::ffff:1.2.3.4', '::ffff:1.2.3.4', 0],
  ['::ffff:1..2.3', '::ffff:1.0.2.3', 0],
  ['::ffff:255.255.255.255', null, 0],
  ['::1.2.3.4', '::1.2.3.4', 0],
  ['::102', '::0.0.1.2', 0],
  ['::101', '::101', 0],
  ['::2', '::2', 0],
  ['::1:0', '::0.1.0.0', 0],
  ['::ffff:0:1.2.3.4', '::ffff:0:102:304', 0],
  ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304', 0],
  ['1:2:3:4:5:6:7:1.2.3.4', null, 0],
  ['fe80::1%eth0', null, 0],
  ['unknown', null, 0],
  ['', null, 0],
];

for (const [input, want, port] of cases) {
  test(`${want === null ? 'fail: ' : ''}nginx parses ${JSON.stringify(input)} as ${want}${port ? `:${port}` : ''}`, () => {
    const got = nginxParseAddrPort(input);
    if (want === null) assert.equal(got, null);
    else {
      assert.ok(got);
      assert.equal(nginxFormatAddress(got.ip), want);
      assert.equal(got.port, port);
    }
  });
}

test('set_real_ip_from: host bits cleared, mapped matched as IPv4 only, unix:', () => {
  const cidrs = ['10.0.0.1/8', '::ffff:1.2.3.0/120', '2001:db8::/32', 'unix:'].map((t) => nginxParseCidr(t));
  const m = (text: string): string | undefined => {
    const ep = nginxParseAddrPort(text);
    assert.ok(ep, text);
    return nginxCidrMatch(ep.ip, cidrs)?.text;
  };
  assert.equal(m('10.9.9.9'), '10.0.0.1/8');
  assert.equal(m('::ffff:10.9.9.9'), '10.0.0.1/8');
  assert.equal(m('::ffff:1.2.3.4'), undefined);
  assert.equal(m('2001:db8::5'), '2001:db8::/32');
  assert.equal(m('11.0.0.1'), undefined);
  assert.equal(nginxCidrMatch('unix', cidrs)?.text, 'unix:');
  assert.equal(nginxParseCidr('0.0.0.0/0').mask[3], 0);
});
