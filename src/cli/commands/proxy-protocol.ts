import type { Command } from 'commander';

/** `sourceip proxy-protocol` — placeholder until its issue lands. */
export function registerProxyProtocol(program: Command): void {
  program
    .command('proxy-protocol')
    .description('(not implemented yet)')
    .action(() => {
      process.stderr.write('sourceip proxy-protocol: not implemented yet\n');
      process.exitCode = 2;
    });
}
