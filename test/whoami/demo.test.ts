/**
 * The `npm start` demo (runDemo): embedded defaults, the curl commands it prints actually behave
 * as the banner says, and a taken port moves it to the next free one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { runDemo } from '../../src/whoami/demo.ts';
import type { RunningWhoami } from '../../src/whoami/server.ts';
import { getJson } from '../middleware/support.ts';
import { requireProgram } from '../support/programs.ts';

const run = promisify(execFile);

/** Starts the demo with its first port taken; resolves once it listens. */
async function startDemo(): Promise<{
  whoami: RunningWhoami;
  lines: string[];
  stop: () => Promise<void>;
  taken: number;
}> {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const taken = (blocker.address() as { port: number }).port;
  const lines: string[] = [];
  const controller = new AbortController();
  let ready: (whoami: RunningWhoami) => void = () => {};
  const listening = new Promise<RunningWhoami>((resolve) => {
    ready = resolve;
  });
  const done = runDemo({
    port: taken,
    attempts: 20,
    write: (line) => lines.push(line),
    onReady: ready,
    stop: controller.signal,
  });
  const whoami = await Promise.race([listening, done.then(() => Promise.reject(new Error('demo ended early')))]);
  return {
    whoami,
    lines,
    taken,
    stop: async () => {
      controller.abort();
      await done;
      blocker.close();
    },
  };
}

test('demo: a taken port moves to the next free one and says so; banner lists the curl commands', async () => {
  const demo = await startDemo();
  try {
    assert.ok(demo.whoami.port > demo.taken && demo.whoami.port < demo.taken + 20);
    assert.equal(demo.lines[0], `port ${demo.taken} is in use, trying ${demo.taken + 1}`);
    const banner = demo.lines.join('\n');
    assert.match(banner, new RegExp(`listening on ${demo.whoami.url.replaceAll('.', '\\.')}`));
    assert.match(banner, /curl -H 'X-Forwarded-For: 203\.0\.113\.7'/);
    assert.match(banner, /--interface 127\.0\.0\.2/);
    assert.match(banner, /format=json/);
  } finally {
    await demo.stop();
  }
});

test('demo: embedded trust (127.0.0.1, ::1) resolves a local proxy header and flags the 127.0.0.2 spoof', async () => {
  const demo = await startDemo();
  try {
    const viaProxy = await getJson(demo.whoami.url, {
      path: '/?format=json',
      localAddress: '127.0.0.1',
      headers: [['X-Forwarded-For', '203.0.113.7, 127.0.0.1']],
    });
    assert.equal(viaProxy.json.client.ip, '203.0.113.7');
    assert.equal(viaProxy.json.client.trace.length, 3);
    const spoof = await getJson(demo.whoami.url, {
      path: '/?format=json',
      localAddress: '127.0.0.2',
      headers: [['X-Forwarded-For', '1.2.3.4']],
    });
    assert.equal(spoof.json.client.ip, '127.0.0.2');
    assert.deepEqual(spoof.json.spoofAttempts, [{ header: 'X-Forwarded-For', value: '1.2.3.4' }]);
    // The demo's own log lines: one human line per request.
    assert.ok(
      demo.lines.some((line) =>
        line.includes('from 127.0.0.2 → client 127.0.0.2 (untrusted-peer)  (1 spoof attempt(s) ignored)'),
      ),
      demo.lines.join('\n'),
    );
  } finally {
    await demo.stop();
  }
});

test('demo: the printed curl commands run as printed (real curl)', async (t) => {
  const curl = requireProgram('curl');
  if (typeof curl !== 'string') {
    t.skip(curl.skip);
    return;
  }
  const curlPath: string = curl;
  const demo = await startDemo();
  try {
    const commands = demo.lines.filter((line) => line.trimStart().startsWith('curl '));
    assert.equal(commands.length, 5);
    for (const command of commands) {
      const shell: string = `${command.trim().replace(/^curl /, `${curlPath} `)} --silent --show-error --max-time 5`;
      const { stdout }: { stdout: string } = await run('sh', ['-c', shell]);
      assert.ok(stdout.length > 0, command);
      if (command.includes('--interface')) assert.match(stdout, /^Spoof attempts/m, command);
      if (command.includes("X-Forwarded-For: 203.0.113.7'")) assert.match(stdout, /^Client: 203\.0\.113\.7 /m, command);
      if (command.includes('format=json')) assert.equal(JSON.parse(stdout).trust.semantics, 'strict');
    }
  } finally {
    await demo.stop();
  }
});
