/**
 * whoami never crashes and never echoes raw markup, whatever bytes arrive: random request targets,
 * header names and values (every byte 0x00–0xff, including controls and obs-text) over a live
 * loopback socket. Time-boxed: SOURCEIP_FUZZ_RUNS raises the run count (`npm run fuzz`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { type RunningWhoami, startWhoami } from '../../src/whoami/server.ts';
import { request } from '../middleware/support.ts';

const RUNS = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 60);
/** Every value carries this marker; in an HTML answer it must only ever appear escaped. */
const MARK = '<zq';

const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const bytes = (maxLength: number) => fc.string({ unit: byte, maxLength });
const nameChar = fc.constantFrom(...'abcXYZ-_!#$%&*+.^`|~0123456789'.split(''), ':', ' ', '\u00e9', '<');
const headerLine = fc.tuple(
  fc.oneof(
    fc.constantFrom('X-Forwarded-For', 'Forwarded', 'X-Real-IP', 'CF-Connecting-IP', 'Accept'),
    fc.string({ unit: nameChar, minLength: 1, maxLength: 12 }),
  ),
  fc.oneof(bytes(40), fc.constantFrom('1.2.3.4, 10.0.0.1', 'for="[2001:db8::1]:80"', '<script>', ' ,,unknown')),
);
const target = fc.oneof(
  fc.constantFrom('/', '/?format=json', '/?format=html', '/?format=text', '*', 'http://x/?format=html'),
  bytes(30).map((t) => `/${t}?format=html`),
);

let whoami: RunningWhoami;
before(async () => {
  whoami = await startWhoami({ port: 0, trusted: ['127.0.0.1'] });
});
after(() => whoami.close());

test('any request bytes: an HTTP answer (200/400/431), the server stays up, HTML never echoes markup raw', async () => {
  await fc.assert(
    fc.asyncProperty(target, fc.array(headerLine, { maxLength: 8 }), async (path, headers) => {
      const lines = [`GET ${path} HTTP/1.1`, 'Host: fuzz'];
      for (const [name, value] of headers) lines.push(`${name}: ${value}${MARK}`);
      lines.push('Connection: close', '', '');
      const reply = await request(whoami.url, { raw: lines.join('\r\n'), localAddress: '127.0.0.1' });
      assert.ok([200, 400, 431].includes(reply.status), `status ${reply.status}`);
      const type = reply.headers.find(([n]) => n === 'content-type')?.[1] ?? '';
      if (reply.status === 200 && type.startsWith('text/html')) {
        assert.ok(!reply.body.includes(MARK), 'raw marker in HTML');
        assert.ok(!reply.body.includes('<script'), 'raw <script> in HTML');
      }
      if (reply.status === 200 && type.startsWith('text/plain')) {
        assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(reply.body), 'raw control character in text');
      }
      if (reply.status === 200 && type.startsWith('application/json')) JSON.parse(reply.body);
    }),
    { numRuns: RUNS, interruptAfterTimeLimit: 20_000 },
  );
  const alive = await request(whoami.url, { path: '/?format=json' });
  assert.equal(alive.status, 200);
});
