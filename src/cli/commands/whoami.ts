import type { Command } from 'commander';

/** `sourceip whoami` — placeholder until its issue lands. */
export function registerWhoami(program: Command): void {
  program
    .command('whoami')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('sourceip whoami: not implemented yet\n');
      process.exitCode = 2;
    });
}
