import type { Command } from 'commander';

/** `sourceip gateway` — placeholder until its issue lands. */
export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('sourceip gateway: not implemented yet\n');
      process.exitCode = 2;
    });
}
