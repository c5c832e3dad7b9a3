/**
 * `npm run lab` — builds the topology (lab/topology.ts), starts the programs (lab/services.ts),
 * runs the scenarios, prints the table, writes lab/out/REPORT.md, tears everything down and exits 1
 * on any mismatch.
 *
 *   npm run lab                  # every scenario
 *   npm run lab -- --only 4      # one scenario (or --only 1,3)
 *   npm run lab -- --keep        # leave the namespaces and programs up for poking (then --clean)
 *   npm run lab -- --clean       # only remove what earlier runs left
 *   npm run lab -- --out DIR     # report and state under DIR instead of lab/out
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanRun, cleanStale } from './cleanup.ts';
import { describe, LabContext, type Row, type Scenario, verdictOf } from './context.ts';
import { ProcessManager, writeState } from './processes.ts';
import { markdownReport, textTable } from './report.ts';
import { scenario1 } from './scenarios/s1-same-segment.ts';
import { scenario2 } from './scenarios/s2-nat-gateway.ts';
import { scenario3 } from './scenarios/s3-cluster-vs-local.ts';
import { scenario4 } from './scenarios/s4-lab2-ingress.ts';
import { scenario5 } from './scenarios/s5-multi-tier.ts';
import { scenario6 } from './scenarios/s6-cdn.ts';
import { scenario7 } from './scenarios/s7-two-profiles.ts';
import { scenario8 } from './scenarios/s8-proxy-protocol.ts';
import { scenario9 } from './scenarios/s9-ipv6.ts';
import { ports, ROOT, startServices } from './services.ts';
import { addr, buildTopology, type NsName, Topology } from './topology.ts';

const SCENARIOS: readonly Scenario[] = [
  scenario1,
  scenario2,
  scenario3,
  scenario4,
  scenario5,
  scenario6,
  scenario7,
  scenario8,
  scenario9,
];

function missingTools(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const tool of ['ip', 'iptables-restore', 'ip6tables-restore', 'nginx', 'haproxy']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`], { stdio: 'ignore' });
    } catch {
      missing.push(tool);
    }
  }
  return missing;
}

function version(cmd: string, args: string[], re: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '?';
}

/**
 * nginx and HAProxy print no ready line: wait (bounded) until every chain answers 200 once — the
 * nginx ingress and the gateway in front of the nginx app, the LB and the CDN in front of the gateway.
 */
async function warmUp(ctx: LabContext): Promise<void> {
  const checks: [NsName, string][] = [
    ['client', `http://${addr.vip}:${ports.nginxIngress}/`],
    ['client', `http://${addr.vip}:${ports.imported}/`],
    ['inet', `http://${addr.lb.wan}:${ports.lbHttp}/`],
    ['inet', `http://${addr.cdn.ip}:${ports.cdnHttp}/`],
  ];
  const deadline = Date.now() + 20_000;
  for (let attempt = 0; ; attempt++) {
    const results = await Promise.all(checks.map(([ns, url]) => ctx.request(ns, { url, retryUntilMs: 2000 })));
    const failing = results.flatMap((r, i) => (r.ok && r.status === 200 ? [] : [`${checks[i]?.[1]}: ${describe(r)}`]));
    if (failing.length === 0) return;
    if (Date.now() > deadline || attempt >= 40) throw new Error(`programs not answering: ${failing.join('; ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      clean: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  // State files always live in lab/out, whatever --out says, so any later run finds a crashed one's PIDs.
  const stateDir = join(ROOT, 'lab', 'out');
  const outDir = values.out ?? stateDir;
  mkdirSync(outDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const stale = cleanStale(stateDir, outDir);
  if (stale.runs > 0) {
    console.error(
      `cleaned ${stale.runs} earlier run(s): ${stale.processes} process(es), ${stale.namespaces} namespace(s)`,
    );
  }
  if (values.clean) return 0;
  const missing = missingTools();
  if (missing.length > 0) {
    console.error(`lab: needs ${missing.join(', ')} (run as root with iproute2, iptables, nginx and haproxy)`);
    return 2;
  }
  let selected = SCENARIOS;
  if (values.only !== undefined) {
    const ids = values.only.split(',').map((s) => Number(s.trim()));
    selected = SCENARIOS.filter((s) => ids.includes(s.id));
    if (selected.length === 0 || ids.some((id) => !SCENARIOS.some((s) => s.id === id))) {
      console.error(`lab: --only takes scenario numbers among ${SCENARIOS.map((s) => s.id).join(', ')}`);
      return 2;
    }
  }

  const runPid = process.pid;
  const t = new Topology(String(runPid));
  const pm = new ProcessManager(outDir, stateDir, { runPid, namespaces: t.all(), processes: [] });
  writeState(stateDir, pm.state);
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await pm.stopAll();
    cleanRun(stateDir, runPid);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`lab: ${signal}, tearing down`);
    void teardown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => {
    // Also after a teardown: a program started while it ran (a signal during start-up) is still ours.
    if (!values.keep) {
      pm.killAllSync();
      cleanRun(stateDir, runPid);
    }
  });

  const phases: Record<string, number> = {};
  let tTeardown = performance.now();
  const rows: Row[] = [];
  const errors: { scenario: number; message: string }[] = [];
  try {
    buildTopology(t);
    const tTopology = performance.now();
    const dir = join(outDir, `run-${runPid}`);
    rmSync(dir, { recursive: true, force: true });
    const services = await startServices(t, pm, dir);
    const ctx = new LabContext(t, services.importedConfig);
    await warmUp(ctx);
    const tServices = performance.now();
    phases.topology = (tTopology - started) / 1000;
    phases.programs = (tServices - tTopology) / 1000;
    console.error(
      `lab: topology ${((tTopology - started) / 1000).toFixed(1)} s, programs ready ${((tServices - tTopology) / 1000).toFixed(1)} s`,
    );
    for (const s of selected) {
      const t0 = performance.now();
      try {
        rows.push(...(await s.run(ctx)));
      } catch (error) {
        errors.push({ scenario: s.id, message: (error as Error).message.slice(0, 500) });
      }
      phases[`scenario ${s.id}`] = (performance.now() - t0) / 1000;
    }
  } catch (error) {
    errors.push({ scenario: 0, message: (error as Error).message.slice(0, 2000) });
  } finally {
    tTeardown = performance.now();
    if (values.keep) {
      tornDown = true;
      pm.detach();
      console.error(
        `lab: --keep: namespaces ${t.ns('lan').replace('-lan', '-*')} are up; \`npm run lab -- --clean\` removes them`,
      );
    } else await teardown();
  }
  const seconds = (performance.now() - started) / 1000;
  phases.teardown = (performance.now() - tTeardown) / 1000;
  const versions = {
    node: process.version,
    nginx: version('/usr/sbin/nginx', ['-v'], /nginx\/(\S+)/),
    haproxy: version('/usr/sbin/haproxy', ['-v'], /version (\S+)/),
    iptables: version('iptables', ['--version'], /v(\S+ \S+)/),
    kernel: version('uname', ['-r'], /(\S+)/),
  };
  console.log(textTable(rows));
  for (const e of errors) console.log(`ERROR in scenario ${e.scenario}: ${e.message}`);
  const report = markdownReport({ rows, scenarios: selected, errors, seconds, phases, date: new Date(), versions });
  writeFileSync(join(outDir, 'REPORT.md'), report);
  const failed = rows.filter((r) => verdictOf(r) === 'MISMATCH').length + errors.length;
  console.log(
    `\n${rows.length} rows, ${failed === 0 ? 'all match' : `${failed} mismatch(es)`}; total ${seconds.toFixed(1)} s; report: ${join(outDir, 'REPORT.md')}`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
