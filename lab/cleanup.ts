/**
 * Removes what a lab run created: its processes (by recorded PID, only while /proc/PID/cmdline
 * still matches), then its namespaces (deleting a namespace stops nothing by itself, so processes
 * go first; their veth pairs and bridges disappear with the namespaces). `cleanStale` does the same
 * for every run whose own process is gone — what a crash or SIGKILL left.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cmdlineOf, killIfOurs, readState } from './processes.ts';
import { NS_PREFIX } from './topology.ts';

/** Namespaces whose name starts with the lab's prefix, as `ip netns list` shows them. */
export function labNamespaces(): string[] {
  let out = '';
  try {
    out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name.startsWith(NS_PREFIX)) names.push(name);
  }
  return names;
}

/** The run id inside `siplab-<runId>-<part>`, or null. */
function runIdOf(ns: string): number | null {
  const rest = ns.slice(NS_PREFIX.length);
  const dash = rest.indexOf('-');
  const id = Number(rest.slice(0, dash));
  return dash > 0 && Number.isInteger(id) ? id : null;
}

/** True while the lab run with this PID is alive (its command line names lab/run.ts or the lab test). */
export function runIsAlive(runPid: number): boolean {
  if (runPid === process.pid) return true;
  const cmdline = cmdlineOf(runPid);
  return cmdline?.includes('lab/run.ts') ?? false;
}

function deleteNamespace(ns: string): void {
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    // already gone
  }
}

/** Waits (bounded) for PIDs to disappear. */
function waitGone(pids: readonly number[], timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some((p) => cmdlineOf(p) !== null)) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

/** Stops one run's recorded processes and deletes its namespaces and state file. */
export function cleanRun(stateDir: string, runPid: number): { processes: number; namespaces: number } {
  const path = join(stateDir, `state-${runPid}.json`);
  const state = readState(path);
  let processes = 0;
  if (state !== null) {
    for (const p of state.processes) if (killIfOurs(p.pid, p.marker, 'SIGTERM')) processes++;
    waitGone(
      state.processes.map((p) => p.pid),
      2000,
    );
    for (const p of state.processes) killIfOurs(p.pid, p.marker, 'SIGKILL');
  }
  const mine = labNamespaces().filter((ns) => runIdOf(ns) === runPid);
  for (const ns of mine) deleteNamespace(ns);
  rmSync(path, { force: true });
  return { processes, namespaces: mine.length };
}

/** Removes a finished run's configs and logs (kept after a run for inspection, until the next one). */
export function removeRunFiles(outDir: string, runPid: number): void {
  rmSync(join(outDir, `run-${runPid}`), { recursive: true, force: true });
  rmSync(join(outDir, `logs-${runPid}`), { recursive: true, force: true });
}

/**
 * Cleans every run that is no longer alive (call it before creating anything): state files in `stateDir`, namespaces with the lab
 * prefix, and the finished runs' configs and logs in `outDir`.
 */
export function cleanStale(
  stateDir: string,
  outDir = stateDir,
): { runs: number; processes: number; namespaces: number } {
  const runs = new Set<number>();
  try {
    for (const f of readdirSync(stateDir)) {
      const m = /^state-(\d+)\.json$/.exec(f);
      if (m) runs.add(Number(m[1]));
    }
  } catch {
    // no out dir yet
  }
  for (const ns of labNamespaces()) {
    const id = runIdOf(ns);
    if (id !== null) runs.add(id);
  }
  const total = { runs: 0, processes: 0, namespaces: 0 };
  try {
    for (const f of readdirSync(outDir)) {
      const m = /^(?:run|logs)-(\d+)$/.exec(f);
      if (m && Number(m[1]) !== process.pid && !runIsAlive(Number(m[1]))) removeRunFiles(outDir, Number(m[1]));
    }
  } catch {
    // no out dir yet
  }
  for (const runPid of runs) {
    // Our own PID here can only be a dead run's (we have created nothing yet): PIDs get reused.
    if (runPid !== process.pid && runIsAlive(runPid)) continue;
    const r = cleanRun(stateDir, runPid);
    total.runs++;
    total.processes += r.processes;
    total.namespaces += r.namespaces;
  }
  return total;
}
