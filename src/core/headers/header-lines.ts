/**
 * Header lines straight from Node's `rawHeaders` (`[name, value, name, value, …]`, wire order,
 * names as sent). We never read `req.headers`: Node joins duplicate lines with `", "` for most
 * names and silently drops duplicates of others, which hides the "two X-Forwarded-For lines" and
 * "two X-Real-IP lines" attacks (reference §c pitfall 2). Names compare ASCII case-insensitively
 * (RFC 9110 §5.1) with a character walk: no `toLowerCase()` allocation per request.
 */

/**
 * Lower-cases an ASCII header name once, at setup, for the comparisons below.
 * @example headerKey('X-Forwarded-For') // 'x-forwarded-for'
 */
export function headerKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Whether `name` (as sent) equals `lower` (already lower-cased) ignoring ASCII case.
 * @example isHeaderName('X-Real-IP', 'x-real-ip') // true
 */
export function isHeaderName(name: string, lower: string): boolean {
  const n = lower.length;
  if (name.length !== n) return false;
  if (name === lower) return true; // HTTP/2 and many proxies send lower case: one memcmp
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * How many lines named `lower` are in `rawHeaders`.
 * @example countHeaderLines(['X-Real-IP', '1.2.3.4', 'x-real-ip', '5.6.7.8'], 'x-real-ip') // 2
 */
export function countHeaderLines(rawHeaders: readonly string[], lower: string): number {
  let count = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (typeof name === 'string' && isHeaderName(name, lower)) count++;
  }
  return count;
}

/**
 * Index in `rawHeaders` of the value of the last line named `lower` whose name sits before
 * `before` (a name index; pass `rawHeaders.length` to start at the end), or -1. Walking lines
 * last→first is how a right-to-left trust walk crosses several header lines.
 */
export function previousHeaderLine(rawHeaders: readonly string[], lower: string, before: number): number {
  let i = (before & ~1) - 2;
  if (i > rawHeaders.length - 2) i = (rawHeaders.length & ~1) - 2;
  for (; i >= 0; i -= 2) {
    const name = rawHeaders[i];
    if (typeof name === 'string' && isHeaderName(name, lower) && typeof rawHeaders[i + 1] === 'string') return i + 1;
  }
  return -1;
}

/**
 * The values of every line named `lower`, in wire order (allocates: for the CLI, traces and tests).
 * @example headerLines(['X-Forwarded-For', '1.2.3.4', 'Host', 'a', 'x-forwarded-for', '10.0.0.1'], 'x-forwarded-for')
 * // ['1.2.3.4', '10.0.0.1']
 */
export function headerLines(rawHeaders: readonly string[], lower: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const value = rawHeaders[i + 1];
    if (typeof name === 'string' && typeof value === 'string' && isHeaderName(name, lower)) lines.push(value);
  }
  return lines;
}
