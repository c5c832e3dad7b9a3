import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeCheck } from './checks.ts';
import { baselineResult, judge } from './probe.ts';
import type { SendResult } from './send.ts';

const SOCKET = { localAddress: '127.0.0.2', remoteAddress: '127.0.0.1' };
const whoami = (client: string | null, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ peer: { ip: '127.0.0.2' }, client: { ip: client, reason: 'x' }, ...extra });
const ok = (body: string, status = 200): SendResult => ({ ok: true, status, body, ...SOCKET });
const failed = (code: string): SendResult => ({ ok: false, code, error: `${code} happened`, ...SOCKET });

const XFF2: ProbeCheck = {
  id: 'xff-two-entries',
  title: 't',
  headers: [['X-Forwarded-For', '198.18.1.101, 198.18.1.102']],
  canaries: ['198.18.1.101', '198.18.1.102'],
  canaryRoles: ['leftmost entry', 'rightmost entry'],
};
const PROXY: ProbeCheck = {
  id: 'proxy-protocol-v2',
  title: 't',
  headers: [],
  canaries: ['198.18.1.120'],
  proxyProtocol: 2,
};
const V6: ProbeCheck = {
  id: 'xff-ipv6',
  title: 't',
  headers: [['X-Forwarded-For', '2001:db8:2::105']],
  canaries: ['2001:db8:2::105'],
};

type Case = {
  name: string;
  check: ProbeCheck;
  answer: SendResult;
  baseline?: string | null;
  field?: string;
  verdict: string;
  severity: string;
  note?: RegExp;
  appSaw?: string | null;
};
const cases: Case[] = [
  {
    name: 'leftmost canary as client: spoofable, names the leftmost entry',
    check: XFF2,
    answer: ok(whoami('198.18.1.101', { headers: [['X-Forwarded-For', '198.18.1.101, 198.18.1.102']] })),
    verdict: 'spoofable',
    severity: 'error',
    note: /leftmost entry/,
    appSaw: '198.18.1.101',
  },
  {
    name: 'rightmost canary as client: spoofable, names the rightmost entry',
    check: XFF2,
    answer: ok(whoami('198.18.1.102')),
    verdict: 'spoofable',
    severity: 'error',
    note: /rightmost entry/,
  },
  {
    name: 'IPv6 canary printed differently (upper case, expanded) still counts',
    check: V6,
    answer: ok(whoami('2001:DB8:2:0:0:0:0:105')),
    verdict: 'spoofable',
    severity: 'error',
  },
  {
    name: 'canary only in the echoed headers: forwarded (info)',
    check: XFF2,
    answer: ok(whoami('127.0.0.2', { headers: [['X-Forwarded-For', '198.18.1.101, 198.18.1.102, 127.0.0.2']] })),
    verdict: 'forwarded',
    severity: 'info',
  },
  {
    name: 'canary nowhere: ignored (ok)',
    check: XFF2,
    answer: ok(whoami('127.0.0.2', { headers: [['X-Forwarded-For', '127.0.0.2']] })),
    verdict: 'ignored',
    severity: 'ok',
  },
  {
    name: 'a longer address that starts like the canary is not the canary',
    check: XFF2,
    answer: ok(whoami('127.0.0.2', { headers: [['X', '198.18.1.1011']] })),
    verdict: 'ignored',
    severity: 'ok',
  },
  {
    name: 'client moved to something else: changed (warning)',
    check: XFF2,
    answer: ok(whoami(null)),
    verdict: 'changed',
    severity: 'warning',
    note: /from 127\.0\.0\.2 to none/,
  },
  {
    name: 'client from a mapped form of the baseline is unchanged',
    check: XFF2,
    answer: ok(whoami('::ffff:127.0.0.2')),
    verdict: 'ignored',
    severity: 'ok',
  },
  {
    name: 'HTTP 400 without an echo: rejected (ok)',
    check: XFF2,
    answer: ok('Bad Request', 400),
    verdict: 'rejected',
    severity: 'ok',
    appSaw: null,
  },
  {
    name: 'fail: HTTP 200 that is no echo: inconclusive',
    check: XFF2,
    answer: ok('<html>'),
    verdict: 'inconclusive',
    severity: 'warning',
  },
  {
    name: 'fail: reset on a header check: inconclusive',
    check: XFF2,
    answer: failed('ECONNRESET'),
    verdict: 'inconclusive',
    severity: 'warning',
    note: /ECONNRESET/,
  },
  {
    name: 'PROXY source as client: spoofable',
    check: PROXY,
    answer: ok(whoami('198.18.1.120', { proxyProtocol: { source: '198.18.1.120' } })),
    verdict: 'spoofable',
    severity: 'error',
    note: /trusts PROXY headers from us/,
  },
  {
    name: 'PROXY answered 400 by the HTTP parser: refused',
    check: PROXY,
    answer: ok('', 400),
    verdict: 'refused',
    severity: 'info',
  },
  {
    name: 'PROXY connection reset: refused',
    check: PROXY,
    answer: failed('ECONNRESET'),
    verdict: 'refused',
    severity: 'info',
    note: /does not accept a PROXY header from us/,
  },
  {
    name: 'fail: PROXY check timed out: inconclusive, not refused',
    check: PROXY,
    answer: failed('ETIMEDOUT'),
    verdict: 'inconclusive',
    severity: 'warning',
  },
  {
    name: 'PROXY decoded but the client stays ours: forwarded',
    check: PROXY,
    answer: ok(whoami('127.0.0.2', { proxyProtocol: { source: '198.18.1.120' } })),
    verdict: 'forwarded',
    severity: 'info',
  },
  {
    name: 'generic JSON echo through a pointer: spoofable',
    check: XFF2,
    answer: ok('{"origin":"198.18.1.101"}'),
    field: '/origin',
    verdict: 'spoofable',
    severity: 'error',
  },
  {
    name: 'plain-text echo: spoofable',
    check: XFF2,
    answer: ok('198.18.1.102\n'),
    verdict: 'spoofable',
    severity: 'error',
  },
];
for (const c of cases) {
  test(`judge: ${c.name}`, () => {
    const got = judge(c.check, ['sent'], c.answer, c.baseline === undefined ? '127.0.0.2' : c.baseline, c.field);
    assert.equal(got.verdict, c.verdict);
    assert.equal(got.severity, c.severity);
    assert.equal(got.id, c.check.id);
    if (c.note !== undefined) assert.match(got.note, c.note);
    if (c.appSaw !== undefined) assert.equal(got.appSaw, c.appSaw);
  });
}

type BaselineCase = {
  name: string;
  client: string | null;
  expected: string;
  from: 'flag' | 'socket';
  nat: boolean;
  trustsEverything?: boolean;
  peer?: string;
  verdict: string;
  severity: string;
  note?: RegExp;
};
const baselineCases: BaselineCase[] = [
  {
    name: 'same as our socket: preserved',
    client: '127.0.0.2',
    expected: '127.0.0.2',
    from: 'socket',
    nat: false,
    verdict: 'preserved',
    severity: 'ok',
  },
  {
    name: 'mapped form of the expected address: preserved',
    client: '::ffff:203.0.113.9',
    expected: '203.0.113.9',
    from: 'flag',
    nat: false,
    verdict: 'preserved',
    severity: 'ok',
  },
  {
    name: 'fail: another address on loopback: not preserved',
    client: '127.0.0.1',
    expected: '127.0.0.2',
    from: 'socket',
    nat: false,
    verdict: 'not-preserved',
    severity: 'error',
  },
  {
    name: 'fail: --expect-client differs: not preserved',
    client: '10.0.0.5',
    expected: '203.0.113.9',
    from: 'flag',
    nat: false,
    verdict: 'not-preserved',
    severity: 'error',
  },
  {
    name: 'another address, NAT possible: unverified, says --expect-client',
    client: '10.0.0.5',
    expected: '192.168.1.20',
    from: 'socket',
    nat: true,
    verdict: 'unverified',
    severity: 'warning',
    note: /--expect-client/,
  },
  {
    name: 'fail: no client reported',
    client: null,
    expected: '127.0.0.2',
    from: 'socket',
    nat: false,
    verdict: 'no-client',
    severity: 'error',
    note: /reason all-trusted/,
  },
  {
    name: 'preserved but the app trusts everything: said in the note',
    client: '127.0.0.2',
    expected: '127.0.0.2',
    from: 'socket',
    nat: false,
    trustsEverything: true,
    verdict: 'preserved',
    severity: 'ok',
    note: /spoofable by design/,
  },
];
for (const c of baselineCases) {
  test(`baseline: ${c.name}`, () => {
    const got = baselineResult(
      {
        kind: 'whoami',
        client: c.client,
        reason: 'all-trusted',
        ...(c.trustsEverything ? { trustsEverything: true } : {}),
      },
      200,
      c.expected,
      c.from,
      c.nat,
    );
    assert.equal(got.verdict, c.verdict);
    assert.equal(got.severity, c.severity);
    if (c.note !== undefined) assert.match(got.note, c.note);
  });
}
