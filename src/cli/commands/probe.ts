import net from 'node:net';
import { type Command, Option } from 'commander';
import { UsageError } from '../exit.ts';

const FORMATS = ['text', 'json'] as const;
const PROXY_VERSIONS = ['v1', 'v2'] as const;

interface ProbeFlags {
  expectClient?: string;
  sourceAddress?: string;
  proxyProtocol?: (typeof PROXY_VERSIONS)[number];
  clientField?: string;
  format: (typeof FORMATS)[number];
  timeout: string;
  insecure?: boolean;
}

/** `sourceip probe URL` — from outside: is the client IP preserved, can it be spoofed? */
export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description(
      'Check a deployed chain from outside: sends a baseline and forged-header requests (at most 20) to an echo backend (sourceip whoami) and reports whether the client IP is preserved and whether it can be spoofed',
    )
    .argument('<url>', 'http:// or https:// URL answered by an echo backend (sourceip whoami, or see --client-field)')
    .option(
      '--expect-client <ip>',
      'the address the app should see for us (default: our socket address; pass it behind NAT)',
    )
    .option('--source-address <ip>', 'local address to connect from')
    .addOption(
      new Option('--proxy-protocol <version>', 'also send a PROXY header with a forged source').choices(PROXY_VERSIONS),
    )
    .option('--client-field <pointer>', 'JSON pointer to the client address in a generic JSON echo (/origin)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--timeout <duration>', 'deadline per request (250ms, 5s)', '5s')
    .option('--insecure', 'https: skip certificate verification (self-signed test endpoints)')
    .action(async (url: string, flags: ProbeFlags) => {
      const [{ parseDuration }, { isJsonPointer }, probe, render] = await Promise.all([
        import('../../gateway/config/units.ts'),
        import('../../probe/echo.ts'),
        import('../../probe/probe.ts'),
        import('../../probe/render.ts'),
      ]);
      const timeoutMs = parseDuration(flags.timeout);
      if (timeoutMs === null || timeoutMs < 1 || timeoutMs > 120_000) {
        throw new UsageError(`invalid --timeout ${JSON.stringify(flags.timeout.slice(0, 32))}: 1ms to 120s`);
      }
      for (const [flag, value] of [
        ['--expect-client', flags.expectClient],
        ['--source-address', flags.sourceAddress],
      ] as const) {
        if (value !== undefined && net.isIP(value) === 0) {
          throw new UsageError(`invalid ${flag} ${JSON.stringify(value.slice(0, 64))}: an IP address`);
        }
      }
      if (flags.clientField !== undefined && !isJsonPointer(flags.clientField)) {
        throw new UsageError(
          `invalid --client-field ${JSON.stringify(flags.clientField.slice(0, 64))}: a JSON pointer such as /origin or /client/ip`,
        );
      }
      let report: Awaited<ReturnType<typeof probe.runProbe>>;
      try {
        report = await probe.runProbe({
          url,
          timeoutMs,
          userAgent: `sourceip-probe`,
          ...(flags.expectClient === undefined ? {} : { expectClient: flags.expectClient }),
          ...(flags.sourceAddress === undefined ? {} : { sourceAddress: flags.sourceAddress }),
          ...(flags.proxyProtocol === undefined ? {} : { proxyProtocol: flags.proxyProtocol === 'v1' ? 1 : 2 }),
          ...(flags.clientField === undefined ? {} : { clientField: flags.clientField }),
          ...(flags.insecure === true ? { insecure: true } : {}),
        });
      } catch (error) {
        if (error instanceof probe.ProbeError) throw new UsageError(error.message);
        throw error;
      }
      if (flags.format === 'json') {
        process.stdout.write(render.renderJson(report));
      } else {
        const colour = render.useColour(process.stdout.isTTY, process.env);
        process.stdout.write(render.renderText(report, { colour }));
      }
      process.exitCode = report.exitCode;
    });
}
