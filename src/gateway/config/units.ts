/**
 * Durations and sizes as written in config files: a number is taken as-is (milliseconds, bytes),
 * a string carries a unit. nginx-style suffixes are accepted because imported ingress-nginx
 * values (`proxy-protocol-header-timeout: 5s`) use them.
 */

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2 };

/**
 * Parses `250ms`, `5s`, `2m`, `1h` or a bare number (milliseconds).
 * @example parseDuration('5s') // 5000
 * @returns the value in milliseconds, or null when the text is not a duration.
 */
export function parseDuration(input: string | number): number | null {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(input);
  if (!match) return null;
  const unit = DURATION_UNITS[(match[2] ?? 'ms').toLowerCase()]!;
  const value = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * Parses `64k`, `1m`, `1mb` or a bare number (bytes).
 * @example parseSize('8k') // 8192
 */
export function parseSize(input: string | number): number | null {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : null;
  const match = /^\s*(\d+)\s*([kKmM]?[bB]?)\s*$/.exec(input);
  if (!match) return null;
  const unit = SIZE_UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const value = Number(match[1]) * unit;
  return Number.isSafeInteger(value) ? value : null;
}
