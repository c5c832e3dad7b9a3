/**
 * Loggers for whoami: pino JSON lines for `sourceip whoami` (STYLE.md), and one short human line
 * per event for the demo, which runs in someone's terminal.
 */
import { pino } from 'pino';
import { escapeControl } from './escape.ts';
import type { WhoamiLogger } from './server.ts';

/** pino JSON lines on stdout at `level` (fatal … trace, silent). */
export function createLogger(level: string): WhoamiLogger {
  return pino({ name: 'sourceip-whoami', level, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * Human lines for the demo: `GET /?format=json  peer 127.0.0.1 → client 1.2.3.4 (rightmost-untrusted)`.
 * Every field comes through escapeControl: request text is attacker text even in a demo.
 */
export function createDemoLogger(write: (line: string) => void): WhoamiLogger {
  const line = (fields: object, message?: string): void => {
    const f = fields as {
      client?: { ip?: string | null };
      peer?: { ip?: string | null };
      resolve?: { reason?: string };
      http?: { method?: string };
      url?: string;
      spoof_attempts?: number;
      err?: string;
    };
    if (message === 'request') {
      const spoof = f.spoof_attempts ? `  (${f.spoof_attempts} spoof attempt(s) ignored)` : '';
      write(
        escapeControl(
          `${f.http?.method ?? '?'} from ${f.peer?.ip ?? '?'} → client ${f.client?.ip ?? '(none)'} (${f.resolve?.reason ?? '?'})${spoof}`,
        ),
      );
    } else if (message !== undefined && !message.startsWith('whoami listening')) {
      write(escapeControl(f.err === undefined ? message : `${message}: ${f.err}`));
    }
  };
  return { info: line, warn: line, error: line };
}
