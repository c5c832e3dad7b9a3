import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spoofAttempts } from './spoof.ts';

const raw = [
  'Host',
  'example',
  'X-Forwarded-For',
  '1.2.3.4',
  'x-forwarded-for',
  '5.6.7.8',
  'Forwarded',
  'for=9.9.9.9',
  'X-Real-IP',
  '1.1.1.1',
  'CF-Connecting-IP',
  '2.2.2.2',
  'True-Client-IP',
  '3.3.3.3',
  'Fastly-Client-IP',
  '4.4.4.4',
  'X-Client-IP',
  '5.5.5.5',
  'CloudFront-Viewer-Address',
  '6.6.6.6:443',
  'X-Forwarded-Host',
  'evil',
  'X-Forwarded-Proto',
  'https',
  'X-My-IP',
  '7.7.7.7',
  'User-Agent',
  'curl',
];

test('untrusted peer: every forwarding line, in wire order, names as sent', () => {
  const got = spoofAttempts(raw, false, 'X-Forwarded-For');
  assert.deepEqual(
    got.map((a) => a.header),
    [
      'X-Forwarded-For',
      'x-forwarded-for',
      'Forwarded',
      'X-Real-IP',
      'CF-Connecting-IP',
      'True-Client-IP',
      'Fastly-Client-IP',
      'X-Client-IP',
      'CloudFront-Viewer-Address',
      'X-Forwarded-Host',
      'X-Forwarded-Proto',
    ],
  );
  assert.deepEqual(got[1], { header: 'x-forwarded-for', value: '5.6.7.8' });
});

test('untrusted peer: the configured custom header counts too', () => {
  const got = spoofAttempts(raw, false, 'x-my-ip');
  assert.ok(got.some((a) => a.header === 'X-My-IP' && a.value === '7.7.7.7'));
});

test('trusted peer: no spoof attempts', () => {
  assert.deepEqual(spoofAttempts(raw, true, 'X-Forwarded-For'), []);
});

test('odd-length rawHeaders does not read past the end', () => {
  assert.deepEqual(spoofAttempts(['X-Real-IP'], false, 'X-Forwarded-For'), []);
});
