import { type Command, Option } from 'commander';
import { UsageError } from '../exit.ts';

const SEMANTICS = ['strict', 'nginx', 'express', 'hops', 'single', 'forwarded'] as const;
const PROXY_MODES = ['off', 'required', 'optional'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

interface WhoamiFlags {
  listen: string;
  port: string;
  trusted?: string[];
  trustAll?: boolean;
  semantics?: (typeof SEMANTICS)[number];
  header?: string;
  recursive?: boolean;
  hops?: string;
  proxyProtocol: (typeof PROXY_MODES)[number];
  proxyProtocolTrusted?: string[];
  logLevel?: string;
}

/** `sourceip whoami` — the echo backend: shows what this server sees of each request. */
export function registerWhoami(program: Command): void {
  program
    .command('whoami')
    .description(
      'Echo server: shows the TCP peer, PROXY header, every header line in wire order, the resolved client with its trace, and spoof attempts (text, JSON or HTML by Accept or ?format=)',
    )
    .option('--listen <address>', 'address to listen on (127.0.0.1, ::1, 0.0.0.0, ::)', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one (the ready line names it)', '8081')
    .option(
      '--trusted <cidr...>',
      'trusted proxies: IPs, CIDRs, named ranges (loopback, private, …); repeat or comma-separate',
    )
    .option('--trust-all', 'trust every hop (Express `trust proxy = true`): spoofable, shown as such')
    .addOption(new Option('--semantics <name>', 'resolution strategy').choices(SEMANTICS).default('strict'))
    .option('--header <name>', 'forwarding header to read (default X-Forwarded-For; Forwarded for forwarded)')
    .option('--recursive', 'nginx real_ip_recursive on')
    .option('--hops <n>', 'trusted hop count (express numeric trust proxy, hops strategy)')
    .addOption(
      new Option('--proxy-protocol <mode>', 'PROXY protocol on this listener').choices(PROXY_MODES).default('off'),
    )
    .option('--proxy-protocol-trusted <cidr...>', 'sources allowed to send a PROXY header')
    .addOption(new Option('--log-level <level>', 'log level (env SOURCEIP_LOG_LEVEL)').choices(LOG_LEVELS))
    .action(async (flags: WhoamiFlags) => {
      const options = whoamiOptions(flags);
      const [{ runWhoami, listenFailureMessage }, { createLogger }] = await Promise.all([
        import('../../whoami/run.ts'),
        import('../../whoami/logger.ts'),
      ]);
      const logger = createLogger(options.logLevel);
      try {
        await runWhoami({ ...options, logger });
      } catch (error) {
        const message = listenFailureMessage(error, options.listen, options.port);
        throw message === undefined ? error : new UsageError(message);
      }
    });
}

/** Flags → whoami options; bad values are usage errors (exit 2). */
export function whoamiOptions(flags: WhoamiFlags) {
  const port = integer(flags.port, '--port', 0, 65535);
  const hops = flags.hops === undefined ? undefined : integer(flags.hops, '--hops', 0, 1000);
  const level = flags.logLevel ?? (process.env.SOURCEIP_LOG_LEVEL || undefined);
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`invalid log level ${JSON.stringify(level)}: use one of ${LOG_LEVELS.join(', ')}`);
  }
  if (flags.proxyProtocol !== 'off' && flags.proxyProtocolTrusted === undefined) {
    throw new UsageError(
      `--proxy-protocol ${flags.proxyProtocol} needs --proxy-protocol-trusted <cidr…>: the load balancers allowed to send a header`,
    );
  }
  if (flags.proxyProtocol === 'off' && flags.proxyProtocolTrusted !== undefined) {
    throw new UsageError('--proxy-protocol-trusted has no effect without --proxy-protocol required|optional');
  }
  return {
    listen: flags.listen,
    port,
    semantics: flags.semantics ?? 'strict',
    ...(flags.trusted === undefined ? {} : { trusted: list(flags.trusted) }),
    ...(flags.trustAll === true ? { trustAll: true } : {}),
    ...(flags.header === undefined ? {} : { header: flags.header }),
    ...(flags.recursive === true ? { recursive: true } : {}),
    ...(hops === undefined ? {} : { hops }),
    proxyProtocol: flags.proxyProtocol,
    logLevel: level ?? 'info',
    ...(flags.proxyProtocolTrusted === undefined ? {} : { proxyProtocolTrusted: list(flags.proxyProtocolTrusted) }),
  } as const;
}

function list(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`invalid ${flag} ${JSON.stringify(text.slice(0, 32))}: an integer from ${min} to ${max}`);
  }
  return value;
}
