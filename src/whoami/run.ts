/**
 * whoami as a long-running process: start, log the ready line, wait for SIGTERM/SIGINT, drain,
 * return. Used by `sourceip whoami` and the demo. A second signal during the drain cuts the
 * remaining connections.
 */
import { describeListen, type RunningWhoami, startWhoami, type WhoamiLogger, type WhoamiOptions } from './server.ts';

export interface RunOptions extends WhoamiOptions {
  readonly logger: WhoamiLogger;
  /** Called once listening (the demo prints its curl commands here). */
  readonly onReady?: (whoami: RunningWhoami) => void;
  /** Stops like a signal would (for embedding and tests). */
  readonly stop?: AbortSignal;
}

/** Resolves after a signal, once the server has drained. Rejects when it cannot start. */
export async function runWhoami(options: RunOptions): Promise<void> {
  const whoami = await startWhoami(options);
  options.logger.info(
    { url: whoami.url, address: whoami.address, port: whoami.port },
    `whoami listening on ${whoami.url}`,
  );
  options.onReady?.(whoami);
  await serveUntilSignal(whoami, options.logger, options.stop);
}

/** Waits for SIGTERM/SIGINT (or `abort`), then drains `whoami`. */
export async function serveUntilSignal(
  whoami: RunningWhoami,
  logger: WhoamiLogger,
  abort?: AbortSignal,
): Promise<void> {
  const signal = await new Promise<string>((resolve) => {
    const stop = (received: string): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      abort?.removeEventListener('abort', onAbort);
      resolve(received);
    };
    const onAbort = (): void => stop('abort');
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    if (abort?.aborted) stop('abort');
    else abort?.addEventListener('abort', onAbort);
  });
  logger.info({ signal }, 'whoami draining: finishing in-flight requests');
  const force = (): void => whoami.server.closeAllConnections();
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  try {
    await whoami.close();
  } finally {
    process.off('SIGTERM', force);
    process.off('SIGINT', force);
  }
  logger.info({ signal }, 'whoami stopped');
}

/**
 * One line for a listen failure (`cannot listen on 127.0.0.1:8081: address already in use`),
 * or undefined when the error is something else (a bad trust list is already a SourceIpError).
 */
export function listenFailureMessage(error: unknown, listen: string, port: number): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'EADDRINUSE'
      ? 'address already in use'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EADDRNOTAVAIL'
          ? 'address not available on this host'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'not an address of this host'
            : undefined;
  return why === undefined ? undefined : `cannot listen on ${describeListen(listen, port)}: ${why}`;
}
