import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { createBatchedDestination } from './log-destination.ts';

function withFile(run: (fd: number, read: () => string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-logdest-'));
  const file = join(dir, 'log');
  const fd = openSync(file, 'w');
  return run(fd, () => readFileSync(file, 'utf8')).finally(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
}

test('lines are written in order, batched per event-loop turn; drain waits for them', () =>
  withFile(async (fd, read) => {
    const destination = createBatchedDestination(fd);
    for (let i = 0; i < 1000; i++) destination.write(`line ${i}\n`);
    assert.equal(read(), '', 'nothing is written synchronously');
    await destination.drain();
    const lines = read().trimEnd().split('\n');
    assert.equal(lines.length, 1000);
    assert.deepEqual(lines.slice(0, 2), ['line 0', 'line 1']);
    assert.equal(lines.at(-1), 'line 999');
    destination.write('more\n');
    await destination.drain();
    assert.ok(read().endsWith('line 999\nmore\n'));
  }));

test('a full buffer drops lines and counts them instead of growing', () =>
  withFile(async (fd, read) => {
    const destination = createBatchedDestination(fd, 10);
    destination.write('0123456789ab\n'); // over the limit once this is queued
    destination.write('dropped\n');
    assert.equal(destination.dropped(), 1);
    await destination.drain();
    assert.equal(read(), '0123456789ab\n');
  }));

test('flushSync writes what is pending at once', () =>
  withFile(async (fd, read) => {
    const destination = createBatchedDestination(fd);
    destination.write('a\n');
    destination.write('b\n');
    destination.flushSync();
    assert.equal(read(), 'a\nb\n');
    await destination.drain();
    assert.equal(read(), 'a\nb\n', 'nothing written twice');
  }));
