/**
 * The `npm start` demo (runGatewayDemo) on free ports: every curl command it prints runs as
 * printed (real curl) and shows what its comment says; the per-request lines name client, peer,
 * chain and reason; stopping drains and returns.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import test from 'node:test';
import { promisify } from 'node:util';
import { type DemoPorts, runGatewayDemo } from '../../src/gateway/demo.ts';
import { requireProgram } from '../support/programs.ts';

const run = promisify(execFile);

test('demo: gateway in front of whoami; the printed curl commands show client, spoof and trace', {
  timeout: 60_000,
}, async (t) => {
  const curl = requireProgram('curl');
  if (typeof curl !== 'string') {
    t.skip(curl.skip);
    return;
  }
  const lines: string[] = [];
  const controller = new AbortController();
  let ready!: (ports: DemoPorts) => void;
  const started = new Promise<DemoPorts>((resolve) => {
    ready = resolve;
  });
  const done = runGatewayDemo({
    write: (line) => lines.push(line),
    ports: { gateway: 0, whoami: 0, lb: 0, admin: 0 },
    stop: controller.signal,
    onReady: ({ ports }) => ready(ports),
  });
  const ports = await Promise.race([started, done.then(() => Promise.reject(new Error('demo ended early')))]);
  try {
    assert.ok(ports.gateway > 0 && ports.whoami > 0 && ports.lb > 0 && ports.admin > 0);
    const banner = lines.join('\n');
    assert.match(banner, new RegExp(`listening on http://127\\.0\\.0\\.1:${ports.gateway}/ in front of whoami`));
    const commands = lines.filter((line) => line.trimStart().startsWith('curl '));
    assert.equal(commands.length, 6);
    const outputs: string[] = [];
    for (const command of commands) {
      const shell = command.trim().replace(/^curl /, `${curl} --silent --show-error --max-time 5 `);
      const { stdout } = await run('sh', ['-c', shell]);
      outputs.push(stdout);
    }
    const [direct, spoof, metrics, viaLb, notLb, json] = outputs as [string, string, string, string, string, string];
    assert.match(direct, /^Client: 127\.0\.0\.2 /m, 'the real client is the TCP peer');
    assert.match(spoof, /^Client: 127\.0\.0\.2 /m, 'the spoofed headers are ignored');
    assert.doesNotMatch(spoof, /1\.2\.3\.4/, 'neither spoofed value reaches the upstream');
    assert.match(metrics, /^sourceip_spoof_attempts_total\{listener="public"\} [1-9]/m);
    assert.match(viaLb, /^Client: 203\.0\.113\.7 /m, 'the load balancer is believed');
    assert.match(notLb, /^Client: 127\.0\.0\.2 /m, 'anyone else is not');
    const report = JSON.parse(json) as { client: { ip: string; trace: unknown[] } };
    assert.equal(report.client.ip, '203.0.113.7');
    assert.ok(report.client.trace.length >= 2, 'the trace is in the JSON report');
    // One human line per request, naming client, peer, chain and reason.
    const requestLines = lines.filter((line) => /^(public|behind-lb): GET/.test(line));
    assert.ok(
      requestLines.some((line) => line.includes('client 127.0.0.2 peer 127.0.0.2 chain ["1.2.3.4"] (untrusted-peer)')),
      requestLines.join('\n'),
    );
    assert.ok(
      requestLines.some((line) => line.includes('client 203.0.113.7 peer 127.0.0.3')),
      requestLines.join('\n'),
    );
  } finally {
    controller.abort();
    await done;
  }
  assert.ok(lines.includes('gateway stopped'));
});
