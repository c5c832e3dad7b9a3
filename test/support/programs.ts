import { spawnSync } from 'node:child_process';

/**
 * Finds an external program (nginx, haproxy, redis-server) for a test. Outside CI a missing
 * program skips the test with a reason; with CI=true it fails, because CI must install it
 * (STYLE.md: a missing external program never skips quietly in CI).
 */
export function requireProgram(name: string, candidates: readonly string[] = []): string | { skip: string } {
  for (const path of [...candidates, `/usr/sbin/${name}`, `/usr/bin/${name}`, `/usr/local/bin/${name}`]) {
    const probe = spawnSync(path, ['-v'], { stdio: 'ignore' });
    if (probe.error === undefined) return path;
  }
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found;
  if (process.env.CI === 'true') throw new Error(`${name} is required in CI but was not found (install it in .ci/run)`);
  return { skip: `${name} not installed` };
}
