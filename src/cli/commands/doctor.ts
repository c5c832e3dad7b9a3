import type { Command } from 'commander';

/** `sourceip doctor` — placeholder until its issue lands. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('sourceip doctor: not implemented yet\n');
      process.exitCode = 2;
    });
}
