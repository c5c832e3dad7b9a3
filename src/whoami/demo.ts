/**
 * `npm start` (`sourceip demo`): whoami on 127.0.0.1 with embedded defaults, plus the curl
 * commands that show resolution, a spoof attempt, JSON and the trace. The gateway issue replaces
 * this with the full demo; `src/cli/commands/demo.ts` only calls {@link runDemo}.
 */
import { createDemoLogger } from './logger.ts';
import { serveUntilSignal } from './run.ts';
import { type RunningWhoami, startWhoami, type WhoamiOptions } from './server.ts';

/** Embedded defaults: trust the loopback addresses curl uses, so a local curl acts as "the proxy". */
export const DEMO_OPTIONS: WhoamiOptions = {
  listen: '127.0.0.1',
  semantics: 'strict',
  trusted: ['127.0.0.1', '::1'],
};

export interface DemoIo {
  /** Where the demo's human lines go (stdout). */
  readonly write: (line: string) => void;
  /** First port to try. Default 8081. */
  readonly port?: number;
  /** How many ports to try upwards when one is taken. Default 10. */
  readonly attempts?: number;
  /** Called once listening. */
  readonly onReady?: (whoami: RunningWhoami) => void;
  /** Stops the demo like Ctrl-C would. */
  readonly stop?: AbortSignal;
}

/** Runs until SIGTERM/SIGINT. Throws when no port in the range is free. */
export async function runDemo(io: DemoIo): Promise<void> {
  const first = io.port ?? 8081;
  const attempts = io.attempts ?? 10;
  const logger = createDemoLogger(io.write);
  let whoami: RunningWhoami | undefined;
  for (let port = first; port < first + attempts && whoami === undefined; port++) {
    try {
      whoami = await startWhoami({ ...DEMO_OPTIONS, port, logger });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || first === 0) throw error;
      io.write(`port ${port} is in use, trying ${port + 1}`);
    }
  }
  if (whoami === undefined) {
    throw new Error(`ports ${first}–${first + attempts - 1} on 127.0.0.1 are all in use; stop what uses them`);
  }
  for (const line of demoInstructions(whoami.url)) io.write(line);
  io.onReady?.(whoami);
  await serveUntilSignal(whoami, logger, io.stop);
}

/** The banner: what runs, with which trust, and what to try. */
export function demoInstructions(url: string): string[] {
  return [
    '',
    `sourceip whoami is listening on ${url}`,
    'Trust: strict semantics; trusted proxies: 127.0.0.1 and ::1 (so your local curl plays the proxy).',
    '',
    'Try:',
    '  # no proxy header: the client is the TCP peer',
    `  curl ${url}`,
    '',
    '  # a trusted proxy (127.0.0.1) says who the client is: resolved to 203.0.113.7',
    `  curl -H 'X-Forwarded-For: 203.0.113.7' ${url}`,
    '',
    '  # two proxies: the trace shows each hop and the rule that ended the walk',
    `  curl -H 'X-Forwarded-For: 203.0.113.7, 127.0.0.1' '${url}'`,
    '',
    '  # a spoof attempt: 127.0.0.2 is not trusted, so its header is ignored and flagged',
    '  # (Linux answers on all of 127.0.0.0/8; elsewhere add the alias first)',
    `  curl --interface 127.0.0.2 -H 'X-Forwarded-For: 1.2.3.4' ${url}`,
    '',
    '  # JSON, the stable shape in docs/whoami.md',
    `  curl '${url}?format=json'`,
    '',
    `  # or open ${url} in a browser for the HTML page`,
    '',
    'Stop with Ctrl-C.',
    '',
  ];
}
