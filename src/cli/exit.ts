/** Exit codes shared by every command (public API, see docs/cli.md). */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** A bad flag or argument; main() prints the message on one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
