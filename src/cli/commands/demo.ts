import type { Command } from 'commander';
import { UsageError } from '../exit.ts';

/**
 * `sourceip demo` (`npm start`): for now whoami on 127.0.0.1:8081 with embedded defaults and
 * the curl commands to try (src/whoami/demo.ts). The gateway issue swaps the called function.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Start whoami on 127.0.0.1:8081 (or the next free port) with embedded defaults and print what to curl')
    .action(async () => {
      const { runDemo } = await import('../../whoami/demo.ts');
      try {
        await runDemo({ write: (line) => process.stdout.write(`${line}\n`) });
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    });
}
