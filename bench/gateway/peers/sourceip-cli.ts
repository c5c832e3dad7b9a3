/**
 * Benchmark peer: the real `sourceip gateway` command (config file, access log, metrics, admin listener).
 * Args: the CLI arguments (`gateway --config FILE`).
 */
import { main } from '../../../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
