import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeReport } from './probe.ts';
import { renderJson, renderText, useColour } from './render.ts';

const report: ProbeReport = {
  url: 'http://127.0.0.1:8081/',
  address: '127.0.0.1',
  port: 8081,
  localAddress: '127.0.0.2',
  expectedClient: '127.0.0.2',
  expectedFrom: 'socket',
  natPossible: false,
  echo: 'whoami',
  checks: [
    {
      id: 'baseline',
      title: 'b',
      sent: [],
      status: 200,
      appSaw: '127.0.0.2',
      verdict: 'preserved',
      severity: 'ok',
      note: 'The app sees our own address.',
    },
    {
      id: 'xff-single',
      title: 'x',
      sent: ['X-Forwarded-For: 198.18.1.100'],
      status: 200,
      appSaw: '198.18.1.100',
      verdict: 'spoofable',
      severity: 'error',
      note: 'took it',
    },
    {
      id: 'x-real-ip',
      title: 'x',
      sent: ['X-Real-IP: 198.18.1.101'],
      status: 200,
      appSaw: '127.0.0.2',
      verdict: 'forwarded',
      severity: 'info',
      note: 'reached',
    },
    {
      id: 'x-client-ip',
      title: 'x',
      sent: ['X-Client-IP: 198.18.1.102'],
      status: 200,
      appSaw: '127.0.0.2',
      verdict: 'forwarded',
      severity: 'info',
      note: 'reached',
    },
    {
      id: 'true-client-ip',
      title: 'x',
      sent: ['True-Client-IP: 198.18.1.103'],
      status: 200,
      appSaw: 'evil\x1b[2Jtext',
      verdict: 'changed',
      severity: 'warning',
      note: 'moved to evil\x1b[2Jtext',
    },
    {
      id: 'proxy-protocol-v2',
      title: 'p',
      sent: ['PROXY v2 …'],
      status: 400,
      appSaw: null,
      verdict: 'refused',
      severity: 'info',
      note: 'no PROXY',
    },
  ],
  preserved: true,
  spoofable: true,
  findings: 1,
  inconclusive: 0,
  exitCode: 1,
};

test('text: a row per check, SPOOFABLE in capitals, grouped notes, a summary', () => {
  const text = renderText(report);
  const lines = text.split('\n');
  assert.match(lines[0]!, /^probe http:\/\/127\.0\.0\.1:8081\/ → 127\.0\.0\.1:8081 \(echo: whoami\)$/);
  assert.match(text, /^check +sent +app saw +verdict$/m);
  assert.match(text, /^xff-single +X-Forwarded-For: 198\.18\.1\.100 +198\.18\.1\.100 +SPOOFABLE$/m);
  assert.match(text, /^proxy-protocol-v2 +PROXY v2 … +\(HTTP 400\) +refused$/m);
  assert.match(text, /^x-real-ip, x-client-ip — forwarded: reached$/m);
  assert.match(text, /client address preserved; SPOOFABLE via xff-single \(1 finding\)\n$/);
});

test('text: app answers are escaped (no raw ESC), no colour unless asked', () => {
  const text = renderText(report);
  assert.ok(!text.includes('\x1b'), 'no raw escape byte');
  assert.match(text, /^true-client-ip +True-Client-IP: 198\.18\.1\.103 +evil\\x1b\[2Jtext +changed$/m);
  assert.match(text, /^true-client-ip — changed: moved to evil\\x1b\[2Jtext$/m);
  const coloured = renderText(report, { colour: true });
  assert.match(coloured, /\x1b\[1;31mSPOOFABLE\x1b\[0m/);
});

test('text: the NAT caveat when our socket address is the expectation', () => {
  const text = renderText({ ...report, natPossible: true, preserved: null, spoofable: false, findings: 0, checks: [] });
  assert.match(text, /a NAT in between would change it: pass --expect-client/);
  assert.match(text, /client address unverified \(NAT\?\); no forged address accepted \(0 findings\)/);
});

test('json: the report round-trips', () => {
  assert.deepEqual(JSON.parse(renderJson(report)), report);
});

const colourCases: Array<[string, boolean | undefined, NodeJS.ProcessEnv, boolean]> = [
  ['a terminal', true, { TERM: 'xterm' }, true],
  ['fail: not a terminal', undefined, {}, false],
  ['fail: a terminal with NO_COLOR', true, { NO_COLOR: '1' }, false],
  ['fail: a terminal with TERM=dumb', true, { TERM: 'dumb' }, false],
  ['a terminal with an empty NO_COLOR', true, { NO_COLOR: '' }, true],
];
for (const [name, tty, env, want] of colourCases) {
  test(`colour: ${name}`, () => assert.equal(useColour(tty, env), want));
}
