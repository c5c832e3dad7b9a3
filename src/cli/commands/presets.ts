import { type Command, Option } from 'commander';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../exit.ts';

const PRESETS = ['cloudflare', 'cloudfront', 'fastly', 'akamai'] as const;

/**
 * `sourceip presets list|refresh` — the CDN trust presets (docs/policies.md): which header, how
 * many ranges, how old; and new range data from files the operator downloaded.
 */
export function registerPresets(program: Command): void {
  const presets = program
    .command('presets')
    .description('CDN trust presets (Cloudflare, CloudFront, Fastly, Akamai): list them, refresh their ranges');

  presets
    .command('list')
    .description(
      'Show each preset: header, number of ranges, date taken, warnings (exit 1 when any preset has a warning)',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: { format: 'text' | 'json' }) => {
      const { PRESET_NAMES, getPreset, presetAgeDays, presetWarnings } = await import(
        '../../gateway/presets/preset.ts'
      );
      const rows = PRESET_NAMES.map((name) => {
        const preset = getPreset(name);
        return {
          name,
          header: preset.header,
          ranges: preset.data.ranges.length,
          takenAt: preset.data.takenAt,
          ageDays: presetAgeDays(preset),
          source: preset.data.source,
          warnings: presetWarnings(preset),
        };
      });
      if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else {
        for (const row of rows) {
          const age = row.ageDays === null ? 'no date' : `${row.takenAt}, ${row.ageDays} days old`;
          process.stdout.write(
            `${row.name.padEnd(11)} ${row.header.padEnd(26)} ${String(row.ranges).padStart(4)} ranges  (${age})\n`,
          );
        }
        for (const row of rows) for (const warning of row.warnings) process.stderr.write(`warning: ${warning}\n`);
      }
      process.exitCode = rows.some((row) => row.warnings.length > 0) ? EXIT_FINDINGS : EXIT_OK;
    });

  presets
    .command('refresh')
    .description(
      "Rewrite a preset's ranges from files you downloaded: text lists (ips-v4, ips-v6), AWS ip-ranges.json (CLOUDFRONT), Fastly public-ip-list, Cloudflare ips API JSON. Every entry is validated; nothing is fetched",
    )
    .addOption(new Option('--preset <name>', 'preset to refresh').choices(PRESETS).makeOptionMandatory())
    .argument('<files...>', 'downloaded files (merged)')
    .option('--date <YYYY-MM-DD>', 'when the files were downloaded (default: today)')
    .option('--source <url...>', 'where the files came from, recorded in the data file')
    .option('--data-dir <dir>', 'where to write <preset>.json (default: SOURCEIP_PRESETS_DIR, else the shipped data)')
    .action(
      async (
        files: string[],
        flags: { preset: (typeof PRESETS)[number]; date?: string; source?: string[]; dataDir?: string },
      ) => {
        const [{ refreshPreset }, { shippedDataDir, getPreset }, { existsSync }] = await Promise.all([
          import('../../gateway/presets/refresh.ts'),
          import('../../gateway/presets/preset.ts'),
          import('node:fs'),
        ]);
        const dataDir = flags.dataDir ?? process.env.SOURCEIP_PRESETS_DIR ?? shippedDataDir();
        if (!existsSync(dataDir)) throw new UsageError(`data directory not found: ${dataDir}`);
        const before = getPreset(flags.preset, { ...process.env, SOURCEIP_PRESETS_DIR: dataDir }).data.ranges;
        const written = refreshPreset({
          preset: flags.preset,
          files,
          dataDir,
          ...(flags.date === undefined ? {} : { takenAt: flags.date }),
          ...(flags.source === undefined ? {} : { source: flags.source }),
        });
        const added = written.ranges.filter((r) => !before.includes(r)).length;
        const removed = before.filter((r) => !written.ranges.includes(r)).length;
        process.stdout.write(
          `${flags.preset}: ${written.ranges.length} ranges (${added} added, ${removed} removed), taken ${written.takenAt} → ${written.file}\n`,
        );
        process.exitCode = EXIT_OK;
      },
    );
}
