import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import test from 'node:test';
import type { AccessRecord } from '../engine.ts';
import { createGatewayLogger, formatAccessLine, logAccess } from './access-log.ts';

const base: AccessRecord = {
  listener: 'public',
  route: 'default',
  upstream: '127.0.0.1:8081',
  method: 'GET',
  path: '/a/b',
  status: 200,
  bytesIn: 0,
  bytesOut: 12,
  durationMs: 1.23456,
  client: '198.51.100.7',
  clientPort: 51234,
  peer: '10.0.0.2',
  directPeer: null,
  chain: ['198.51.100.7', '10.0.0.9'],
  reason: 'rightmost-untrusted',
  requestId: 'f3a1c2',
  policy: '',
  decision: '',
  error: '',
};

type Case = { name: string; record: AccessRecord };
const cases: Case[] = [
  { name: 'a proxied request', record: base },
  {
    name: 'refused resolver: nulls, empty chain, error words',
    record: {
      ...base,
      client: null,
      clientPort: null,
      peer: null,
      chain: [],
      status: 0,
      error: 'upstream-connect' as never,
    },
  },
  {
    name: 'attacker text: quotes, backslashes, control bytes, non-ASCII, lone surrogate',
    record: {
      ...base,
      path: '/"x"\\y\u0000\u001f\u007f\u00e9',
      chain: ['"], "injected": 1', 'a\nb', '\ud800'],
      requestId: 'id"\r\n{',
      method: 'G\tT',
    },
  },
  {
    name: 'PROXY peer kept, policy decided',
    record: { ...base, directPeer: '127.0.0.1', policy: 'rl', decision: 'deny' as never },
  },
  { name: 'odd numbers: NaN duration', record: { ...base, durationMs: Number.NaN, bytesOut: 1e21 } },
];

function viaPino(record: AccessRecord): string {
  let out = '';
  const sink = new Writable({
    write(chunk, _e, cb) {
      out += String(chunk);
      cb();
    },
  });
  const { logger } = createGatewayLogger('info', sink);
  logAccess(logger, record);
  return out;
}

for (const c of cases) {
  test(`access line by hand equals pino's: ${c.name}`, () => {
    const pino = viaPino(c.record);
    const time = (JSON.parse(pino) as { time: string }).time;
    assert.equal(formatAccessLine(c.record, time), pino);
  });
}

test('access() respects the level and writes one line per record', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _e, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const gw = createGatewayLogger('warn', sink);
  gw.access(base);
  assert.equal(lines.length, 0, 'info lines are off at level warn');
  gw.logger.level = 'info';
  gw.access(base);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  for (const key of [
    'client.ip',
    'client.port',
    'peer.ip',
    'forwarded.chain',
    'resolve.reason',
    'http.status',
    'duration_ms',
    'request_id',
    'route',
    'upstream',
    'bytes_in',
    'bytes_out',
    'policy',
  ])
    assert.ok(key in line, key);
  assert.equal(line.msg, 'request');
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});
