import type { Command } from 'commander';

/** `sourceip resolve` — placeholder until its issue lands. */
export function registerResolve(program: Command): void {
  program
    .command('resolve')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('sourceip resolve: not implemented yet\n');
      process.exitCode = 2;
    });
}
