import { Command, CommanderError } from 'commander';
import { SourceIpError } from '../core/errors.ts';
import { commands } from './commands/index.ts';
import { EXIT_USAGE, UsageError } from './exit.ts';
import { VERSION } from './version.ts';

/**
 * Entry point of the `sourceip` command. Returns the exit code instead of exiting so that
 * pending writes flush and tests can call it in-process.
 * Exit codes: 0 ok, 1 findings / failed check, 2 usage or configuration error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('sourceip')
    .description('Keep the real client IP alive through every hop, and make it safe to use.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through exitOverride with code 0.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (error instanceof UsageError || error instanceof SourceIpError) {
    process.stderr.write(`sourceip: ${error.message}\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(`sourceip: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_USAGE;
}
