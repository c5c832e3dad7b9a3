/**
 * Header-name classification without allocating: a name's bytes (case-folded, `_` read as `-`) are hashed
 * (FNV-1a) and checked against a table of the names the request path acts on. The table is compiled per
 * runtime so the routes' `stripUntrusted` names and the trust profiles' headers get kinds of their own.
 */

export const H_OTHER = 0;
export const H_HOST = 1;
export const H_CONTENT_LENGTH = 2;
export const H_TRANSFER_ENCODING = 3;
export const H_CONNECTION = 4;
export const H_KEEP_ALIVE = 5;
export const H_PROXY_CONNECTION = 6;
export const H_TE = 7;
export const H_TRAILER = 8;
export const H_UPGRADE = 9;
export const H_XFF = 10;
export const H_X_REAL_IP = 11;
export const H_XF_PROTO = 12;
export const H_XF_HOST = 13;
export const H_XF_PORT = 14;
export const H_FORWARDED = 15;
export const H_X_REQUEST_ID = 16;
export const H_EXPECT = 17;
/** First kind given to configured names (strip lists, trust-profile headers). */
export const H_FIRST_EXTRA = 18;
/** Set on a kind when the name was spelled with `_` instead of `-` (`X_Forwarded_For`). */
export const H_UNDERSCORE = 0x4000;

const BUILTIN: ReadonlyArray<readonly [string, number]> = [
  ['host', H_HOST],
  ['content-length', H_CONTENT_LENGTH],
  ['transfer-encoding', H_TRANSFER_ENCODING],
  ['connection', H_CONNECTION],
  ['keep-alive', H_KEEP_ALIVE],
  ['proxy-connection', H_PROXY_CONNECTION],
  ['te', H_TE],
  ['trailer', H_TRAILER],
  ['upgrade', H_UPGRADE],
  ['x-forwarded-for', H_XFF],
  ['x-real-ip', H_X_REAL_IP],
  ['x-forwarded-proto', H_XF_PROTO],
  ['x-forwarded-host', H_XF_HOST],
  ['x-forwarded-port', H_XF_PORT],
  ['forwarded', H_FORWARDED],
  ['x-request-id', H_X_REQUEST_ID],
  ['expect', H_EXPECT],
];

interface Entry {
  readonly bytes: Buffer;
  readonly kind: number;
}

/** Folds one byte of a header name: ASCII upper → lower, `_` → `-`. */
function fold(b: number): number {
  if (b >= 65 && b <= 90) return b | 0x20;
  return b === 95 ? 45 : b;
}

/** Hash of a folded name (FNV-1a, 32-bit). */
export function hashName(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ fold(buf[i]!), 0x01000193);
  return h >>> 0;
}

export class HeaderNames {
  readonly #table = new Map<number, Entry[]>();
  readonly #names: string[] = [];

  /** `extra`: lower-case names beyond the built-in ones; each gets its own kind (H_FIRST_EXTRA + index). */
  constructor(extra: readonly string[] = []) {
    for (const [name, kind] of BUILTIN) this.#add(name, kind);
    for (const name of extra) {
      const lower = name.toLowerCase();
      if (this.kindOfName(lower) !== H_OTHER) continue;
      this.#add(lower, H_FIRST_EXTRA + this.#names.length - BUILTIN.length);
    }
  }

  #add(lower: string, kind: number): void {
    const bytes = Buffer.from(lower.replaceAll('_', '-'), 'latin1');
    const h = hashName(bytes, 0, bytes.length);
    const list = this.#table.get(h);
    if (list) list.push({ bytes, kind });
    else this.#table.set(h, [{ bytes, kind }]);
    this.#names.push(lower);
  }

  /** Kind of a name given as a string (setup time). */
  kindOfName(name: string): number {
    const bytes = Buffer.from(name, 'latin1');
    return this.kindOf(bytes, 0, bytes.length) & ~H_UNDERSCORE;
  }

  /** Kind of the name in `buf[start, end)`, with H_UNDERSCORE set when it contained `_`. */
  kindOf(buf: Uint8Array, start: number, end: number): number {
    const list = this.#table.get(hashName(buf, start, end));
    if (list === undefined) return H_OTHER;
    const length = end - start;
    for (let j = 0; j < list.length; j++) {
      const entry = list[j]!;
      if (entry.bytes.length !== length) continue;
      let underscore = 0;
      let i = 0;
      for (; i < length; i++) {
        const b = buf[start + i]!;
        if (b === 95) underscore = H_UNDERSCORE;
        if (fold(b) !== entry.bytes[i]) break;
      }
      if (i === length) return entry.kind | underscore;
    }
    return H_OTHER;
  }

  /** Lower-case name of a kind (for observer calls). */
  nameOf(kind: number): string {
    const k = kind & ~H_UNDERSCORE;
    if (k < H_FIRST_EXTRA) return BUILTIN[k - 1]?.[0] ?? '';
    return this.#names[BUILTIN.length + k - H_FIRST_EXTRA] ?? '';
  }
}
