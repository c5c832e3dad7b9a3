import type { Command } from 'commander';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from '../exit.ts';

interface DoctorFlags {
  cluster?: boolean;
  context?: string;
  namespace?: string;
  kubeconfig?: string;
  requestTimeout?: string;
  format: string;
  failOn?: string;
  config?: string;
  explain?: string;
  listRules?: boolean;
}

const SEVERITIES = ['error', 'warning', 'info', 'none'] as const;

/**
 * `sourceip doctor` — finds the settings that lose or falsify the client IP in manifests or a live
 * cluster (docs/doctor.md). Exit 0 clean, 1 findings at/above --fail-on (default warning), 2 usage,
 * input or API error.
 */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check manifests or a cluster for settings that lose or falsify the client IP')
    .argument('[paths...]', 'files, directories (recursive *.yaml, *.yml, *.json), or - for stdin')
    .option('--cluster', 'read the cluster of the current kubeconfig context (read-only list calls)')
    .option('--context <name>', 'kubeconfig context (with --cluster)')
    .option('-n, --namespace <ns>', 'only this namespace (with --cluster)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG or ~/.kube/config)')
    .option('--request-timeout <ms>', 'deadline per API request in milliseconds', '10000')
    .option('-f, --format <format>', 'text | json | sarif', 'text')
    .option(
      '--fail-on <severity>',
      'exit 1 when a finding is at or above: error | warning | info | none (default warning)',
    )
    .option('--config <file>', 'doctor config: ignore rules (by id, optionally per object) and severity overrides')
    .option('--explain <rule>', 'print the documentation of a rule (id or slug) and exit')
    .option('--list-rules', 'list every rule and exit')
    .action(async (paths: string[], flags: DoctorFlags) => {
      process.exitCode = await runDoctorCommand(paths, flags);
    });
}

async function runDoctorCommand(paths: string[], flags: DoctorFlags): Promise<number> {
  const { findRule } = await import('../../doctor/rules/index.ts');
  const docs = await import('../../doctor/docs.ts');
  if (flags.listRules) {
    process.stdout.write(docs.renderRuleList());
    return EXIT_OK;
  }
  if (flags.explain !== undefined) {
    const rule = findRule(flags.explain);
    if (!rule) throw new UsageError(`unknown rule ${JSON.stringify(flags.explain.slice(0, 40))} (see --list-rules)`);
    process.stdout.write(docs.renderExplain(rule));
    return EXIT_OK;
  }
  if (!['text', 'json', 'sarif'].includes(flags.format)) throw new UsageError(`--format must be text, json or sarif`);
  if (flags.failOn !== undefined && !(SEVERITIES as readonly string[]).includes(flags.failOn)) {
    throw new UsageError('--fail-on must be error, warning, info or none');
  }
  if (flags.cluster && paths.length > 0) throw new UsageError('give either paths or --cluster, not both');
  if (!flags.cluster && paths.length === 0)
    throw new UsageError('nothing to check: give paths (or - for stdin) or --cluster');
  if (!flags.cluster && (flags.context || flags.namespace || flags.kubeconfig)) {
    throw new UsageError('--context, --namespace and --kubeconfig need --cluster');
  }
  const timeoutMs = Number(flags.requestTimeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--request-timeout must be a positive number of milliseconds');

  const { EMPTY_CONFIG, loadDoctorConfig } = await import('../../doctor/suppress.ts');
  const config = flags.config ? await loadDoctorConfig(flags.config) : EMPTY_CONFIG;
  const { runDoctor, atOrAbove } = await import('../../doctor/engine.ts');

  let snapshot: import('../../doctor/types.ts').Snapshot;
  if (flags.cluster) {
    const { loadCluster } = await import('../../doctor/live.ts');
    snapshot = await loadCluster({
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      namespace: flags.namespace,
      timeoutMs,
    });
  } else {
    const { loadManifests } = await import('../../doctor/loader/manifests.ts');
    snapshot = await loadManifests(paths);
  }
  const result = runDoctor(snapshot, config);
  const { safeText } = await import('../../doctor/report/text.ts');
  for (const note of result.notes) process.stderr.write(`sourceip doctor: note: ${safeText(note)}\n`);
  for (const error of result.errors) {
    const where = error.file ? `${error.file}${error.line ? `:${error.line}` : ''}: ` : '';
    process.stderr.write(`sourceip doctor: ${safeText(`${where}${error.message}`)}\n`);
  }
  if (flags.format === 'json') {
    const { renderJson } = await import('../../doctor/report/json.ts');
    process.stdout.write(renderJson(result));
  } else if (flags.format === 'sarif') {
    const { renderSarif } = await import('../../doctor/report/sarif.ts');
    process.stdout.write(renderSarif(result));
  } else {
    const { renderText } = await import('../../doctor/report/text.ts');
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    process.stdout.write(renderText(result, { colour }));
  }
  if (result.errors.length > 0) return EXIT_USAGE;
  const failOn = (flags.failOn ?? config.failOn ?? 'warning') as (typeof SEVERITIES)[number];
  if (failOn === 'none') return EXIT_OK;
  return result.findings.some((f) => atOrAbove(f, failOn)) ? EXIT_FINDINGS : EXIT_OK;
}
