import { type Command, Option } from 'commander';
import { EXIT_OK, EXIT_USAGE, UsageError } from '../exit.ts';

/** `sourceip config check|show|import` — validate, print the effective config, translate ingress-nginx / Kong. */
export function registerConfig(program: Command): void {
  const config = program
    .command('config')
    .description('Validate the gateway config, print the effective config, or import an ingress-nginx / Kong setup');

  config
    .command('check')
    .description('Validate a config file (exit 0 valid, 2 invalid; errors name the key and file:line)')
    .argument('[file]', 'config file (default: SOURCEIP_CONFIG, ./sourceip.yaml, /etc/sourceip/config.yaml, embedded)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string | undefined, flags: { format: 'text' | 'json' }) => {
      const { checkConfigFile, findConfigFile } = await import('../../gateway/config/load.ts');
      const result = checkConfigFile(findConfigFile(file));
      if (flags.format === 'json') {
        const report = {
          source: result.source,
          valid: result.config !== null,
          errors: result.errors.map((error) => ({
            code: error.code,
            key: error.key ?? null,
            file: error.file ?? null,
            line: error.line ?? null,
            message: error.message,
          })),
          warnings: result.warnings,
        };
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        for (const error of result.errors) process.stderr.write(`error: ${error.message}\n`);
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        if (result.config !== null) process.stdout.write(`${result.source}: valid\n`);
      }
      process.exitCode = result.config === null ? EXIT_USAGE : EXIT_OK;
    });

  config
    .command('show')
    .description('Print the effective config (defaults, file, SOURCEIP_* overrides and compat: applied) as YAML')
    .argument('[file]', 'config file (default as for check)')
    .action(async (file: string | undefined) => {
      const [{ loadConfig, findConfigFile }, { stringify }] = await Promise.all([
        import('../../gateway/config/load.ts'),
        import('yaml'),
      ]);
      const result = loadConfig(findConfigFile(file));
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(
        `# effective configuration from ${result.source}\n${stringify(result.config, { lineWidth: 0 })}`,
      );
    });

  config
    .command('import')
    .description(
      'Print the sourceip config equivalent to an ingress-nginx ConfigMap or a Kong environment (warnings on stderr)',
    )
    .addOption(new Option('--from <seed>', 'what FILE is').choices(['ingress-nginx', 'kong']).makeOptionMandatory())
    .argument(
      '<file>',
      'ingress-nginx: ConfigMap YAML or key: value map; kong: env file, Deployment / Helm values, or YAML map',
    )
    .option(
      '--listen <host:port>',
      'where the listener binds when the seed does not say (ingress-nginx)',
      '0.0.0.0:8080',
    )
    .option(
      '--upstream <host:port>',
      'backend target of the generated route; repeat for several (default 127.0.0.1:8081)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (file: string, flags: { from: 'ingress-nginx' | 'kong'; listen: string; upstream: string[] }) => {
      const { readFileSync } = await import('node:fs');
      const listen = parseListen(flags.listen);
      for (const target of flags.upstream) parseListen(target, '--upstream');
      const upstreams = flags.upstream.length > 0 ? flags.upstream : ['127.0.0.1:8081'];
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new UsageError(`cannot read ${JSON.stringify(file)}`);
      }
      const common = await import('../../gateway/config/import-common.ts');
      const options = { listen, upstreams };
      let translation: import('../../gateway/config/import-common.ts').Translation;
      if (flags.from === 'kong') {
        const kong = await import('../../gateway/config/import-kong.ts');
        translation = kong.translateKong(kong.readKongVariables(text, file), options);
      } else {
        const nginx = await import('../../gateway/config/import-ingress-nginx.ts');
        translation = nginx.translateIngressNginx(nginx.readIngressNginxData(text, file), options);
      }
      for (const warning of translation.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(common.renderImported(translation, file, options));
    });
}

function parseListen(text: string, flag = '--listen'): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  if (!match || Number(match[3]) > 65535)
    throw new UsageError(`${flag}: expected host:port, got ${JSON.stringify(text)}`);
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}
