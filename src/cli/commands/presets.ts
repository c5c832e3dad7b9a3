import type { Command } from 'commander';

/** `sourceip presets` — placeholder until its issue lands. */
export function registerPresets(program: Command): void {
  program
    .command('presets')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('sourceip presets: not implemented yet\n');
      process.exitCode = 2;
    });
}
