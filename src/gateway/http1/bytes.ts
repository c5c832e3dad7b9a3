/**
 * Buffer's latin1 fast paths (`latin1Slice`, `latin1Write`: present on every Node Buffer, skipped by
 * @types/node). `toString('latin1', s, e)` does the same with argument checks; these are on the hot path.
 */
interface Latin1Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(text: string, offset: number): number;
}

/** Bytes `[start, end)` as a latin1 string (one char per byte: obs-text survives the round trip). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Buffer).latin1Slice(start, end);
}

/** Writes `text` (latin1) at `offset`; returns the bytes written. */
export function writeLatin1(buf: Buffer, text: string, offset: number): number {
  return (buf as unknown as Latin1Buffer).latin1Write(text, offset);
}
