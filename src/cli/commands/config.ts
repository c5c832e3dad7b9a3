import type { Command } from 'commander';

/** `sourceip config` — placeholder until its issue lands. */
export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('sourceip config: not implemented yet\n');
      process.exitCode = 2;
    });
}
