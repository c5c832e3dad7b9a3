import type { Command } from 'commander';
import { UsageError } from '../exit.ts';

/**
 * `sourceip demo` (`npm start`): the gateway on 127.0.0.1:8080 in front of whoami on
 * 127.0.0.1:8081 with embedded defaults, and the curl commands to try (src/gateway/demo.ts).
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Start the gateway on 127.0.0.1:8080 in front of whoami on 127.0.0.1:8081 (embedded defaults) and print what to curl',
    )
    .action(async () => {
      const [{ runGatewayDemo }, { VERSION }] = await Promise.all([
        import('../../gateway/demo.ts'),
        import('../version.ts'),
      ]);
      try {
        await runGatewayDemo({ write: (line) => process.stdout.write(`${line}\n`), version: VERSION });
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    });
}
