/**
 * Programs started inside the lab's namespaces (`ip netns exec NS …`, which execs, so the PID we
 * record is the program's own). Every PID goes into the run's state file before we wait on it, so a
 * crashed run's processes can be stopped by the next run — by PID, and only if /proc/PID/cmdline
 * still shows what we started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a run left behind: its namespaces and its processes. */
export interface LabState {
  readonly runPid: number;
  readonly namespaces: string[];
  readonly processes: { pid: number; marker: string; name: string }[];
}

export function statePath(outDir: string, runPid: number): string {
  return join(outDir, `state-${runPid}.json`);
}

export function writeState(outDir: string, state: LabState): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(statePath(outDir, state.runPid), `${JSON.stringify(state, null, 2)}\n`);
}

/** The command line of a live process, NUL-separated parts joined by spaces; null when gone. */
export function cmdlineOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

/** Sends a signal to `pid` only if its command line still contains `marker`. */
export function killIfOurs(pid: number, marker: string, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  const cmdline = cmdlineOf(pid);
  if (cmdline === null || !cmdline.includes(marker)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout + stderr so far (also written to `logs/<name>.log`). */
  output(): string;
  /** Resolves when the output matches `ready`, rejects when the process exits or time runs out. */
  waitFor(ready: RegExp, timeoutMs: number): Promise<void>;
}

export class ProcessManager {
  readonly state: LabState;
  readonly #outDir: string;
  readonly #stateDir: string;
  readonly #started: Started[] = [];
  /** Set by stopAll: nothing starts after a teardown began. */
  #closed = false;

  /** Logs go under `outDir`; the state file under `stateDir` (always lab/out, so any later run finds it). */
  constructor(outDir: string, stateDir: string, state: LabState) {
    this.#outDir = outDir;
    this.#stateDir = stateDir;
    this.state = state;
  }

  /**
   * Starts `argv` inside namespace `ns`; `marker` is a string of argv that identifies it in /proc.
   * Output goes straight to `logs-<run>/<name>.log` (no pipe), so `--keep` can leave it running.
   */
  start(name: string, ns: string, argv: readonly string[], marker: string): Started {
    if (this.#closed) throw new Error(`not starting ${name}: the lab is tearing down`);
    const logDir = join(this.#outDir, `logs-${this.state.runPid}`);
    mkdirSync(logDir, { recursive: true });
    const logPath = join(logDir, `${name}.log`);
    const fd = openSync(logPath, 'w');
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
      stdio: ['ignore', fd, fd],
      detached: false,
      env: { ...process.env, NO_COLOR: '1' },
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    const pid = child.pid;
    this.state.processes.push({ pid, marker, name });
    writeState(this.#stateDir, this.state);
    const output = () => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    };
    const started: Started = {
      name,
      child,
      pid,
      output,
      waitFor: async (ready, timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const text = output();
          if (ready.test(text)) return;
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}): ${text.slice(-600)}`);
          }
          if (Date.now() > deadline) throw new Error(`${name} not ready within ${timeoutMs} ms: ${text.slice(-600)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
    };
    this.#started.push(started);
    return started;
  }

  /** Lets this process exit while the programs keep running (`--keep`). */
  detach(): void {
    for (const s of this.#started) s.child.unref();
  }

  /** SIGTERM to every process we started (if still ours), then SIGKILL what is left after `graceMs`. */
  async stopAll(graceMs = 3000): Promise<void> {
    this.#closed = true;
    const alive = this.#started.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    const exits = alive.map((s) => new Promise<void>((resolve) => s.child.once('exit', () => resolve())));
    for (const s of alive) {
      const marker = this.state.processes.find((p) => p.pid === s.pid)?.marker ?? '';
      killIfOurs(s.pid, marker, 'SIGTERM');
    }
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(exits), timeout]);
    for (const s of alive) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        const marker = this.state.processes.find((p) => p.pid === s.pid)?.marker ?? '';
        killIfOurs(s.pid, marker, 'SIGKILL');
      }
    }
  }

  /** Synchronous last resort (process 'exit' handler): SIGKILL every recorded PID that is still ours. */
  killAllSync(): void {
    for (const p of this.state.processes) killIfOurs(p.pid, p.marker, 'SIGKILL');
  }
}

export function readState(path: string): LabState | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LabState;
  } catch {
    return null;
  }
}
