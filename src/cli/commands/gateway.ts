import { type Command, Option } from 'commander';
import { UsageError } from '../exit.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `sourceip gateway` — the edge reverse proxy that keeps the client IP (docs/gateway.md). */
export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description(
      'Run the gateway: the edge reverse proxy that keeps the real client IP (SIGHUP reloads the config, SIGTERM drains)',
    )
    .option(
      '-c, --config <file>',
      'config file (default: SOURCEIP_CONFIG, ./sourceip.yaml, /etc/sourceip/config.yaml, else embedded defaults)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level (overrides log.level and SOURCEIP_LOG_LEVEL)').choices(LOG_LEVELS),
    )
    .action(async (flags: { config?: string; logLevel?: string }) => {
      const [{ startGateway }, { findConfigFile }, { VERSION }, { compilePolicies }, { TopN }] = await Promise.all([
        import('../../gateway/gateway.ts'),
        import('../../gateway/config/load.ts'),
        import('../version.ts'),
        import('../../gateway/policy/engine.ts'),
        import('../../gateway/policy/top-n.ts'),
      ]);
      const configFile = findConfigFile(flags.config);
      if (flags.config !== undefined && configFile !== null) {
        const { existsSync } = await import('node:fs');
        if (!existsSync(configFile)) throw new UsageError(`config file not found: ${configFile}`);
      }
      // Policies (issue 8): recompiled on every reload; the top-N of limited clients spans reloads.
      const top = new TopN(100);
      const gateway = await startGateway({
        configFile,
        version: VERSION,
        policies: (config, context) => compilePolicies(config, { ...context, top }),
        adminRoutes: {
          '/debug/top-limited': () => ({ total: top.total, capacity: top.capacity, top: top.snapshot() }),
        },
        ...(flags.logLevel === undefined ? {} : { logLevel: flags.logLevel }),
      });
      await gateway.closed;
      // Everything is closed; a stray handle (a slow upstream socket) must not keep the process up.
      setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
    });
}
