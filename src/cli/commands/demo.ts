import type { Command } from 'commander';

/** `sourceip demo` — placeholder until its issue lands. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('sourceip demo: not implemented yet\n');
      process.exitCode = 2;
    });
}
