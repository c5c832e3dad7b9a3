/**
 * Seeded generator of forwarding-header requests for the differential tests: chains of 1–12
 * entries mixing trusted/untrusted IPv4/IPv6, ports, brackets, zones, mapped and compatible
 * IPv6, leading zeros, short/hex/octal IPv4 forms, `unknown`, garbage, empty entries, spaces and
 * TABs, several header lines with other-cased names, and distractor headers (X-Real-IP,
 * X-Client-IP, X_Forwarded_For) so that a strategy reading the wrong header fails.
 * Every value is plain printable ASCII plus TAB (no CR/LF/NUL), so both servers accept it.
 */

/** mulberry32: small, fast, good enough for test data; the seed is printed on failure. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;

export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function int(rand: Rand, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Addresses the test configurations trust (10/8, 192.168/16, 172.16/12, 127.0.0.0/30, ::1, 2001:db8::/32). */
const TRUSTED_V4 = [
  '10.0.0.1',
  '10.1.2.3',
  '10.255.255.254',
  '192.168.1.1',
  '172.16.0.9',
  '172.31.255.1',
  '127.0.0.1',
  '127.0.0.2',
];
const UNTRUSTED_V4 = [
  '1.2.3.4',
  '8.8.8.8',
  '203.0.113.7',
  '198.51.100.23',
  '127.0.0.9',
  '0.0.0.0',
  '11.0.0.1',
  '192.169.0.1',
];
const TRUSTED_V6 = [
  '2001:db8::1',
  '2001:DB8:0:0:0:0:0:2',
  '2001:db8:ffff::abcd',
  '::1',
  '0:0:0:0:0:0:0:1',
  '2001:db8::1:0:0:1',
];
const UNTRUSTED_V6 = ['2606:4700::1111', 'fe80::1', '::', '2001:db9::1', 'fd00::5', '1::', '::2', '1:0:0:2:0:0:0:3'];
const ODD = [
  '::ffff:10.0.0.5',
  '::ffff:1.2.3.4',
  '::FFFF:192.168.0.1',
  '::ffff:a00:1',
  '::1.2.3.4',
  '::102',
  '::101',
  '::1:0',
  '::0:1.2.3.4',
  '::ffff:0:1.2.3.4',
  ':1:2:3:4:5:6:7:8',
  '1::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:',
  '1:2:3:4:5:6:7:8::',
  '::1:2:3:4:5:6:7:8',
  '1:2::3.4.5.6',
  '2001:db8::00001',
  '2001:0db8:0000::0001',
  '010.0.0.1',
  '001.002.003.004',
  '10..0.1',
  '...',
  '10.0.0.256',
  '255.255.255.255',
  '0.0.0.0',
  '127.1',
  '10',
  '167772161',
  '0x0a.0.0.1',
  '0xa000001',
  '012.0.0.1',
  '0012.1.1.1',
  '0X0A.0.0.1',
  '08.0.0.1',
  '1.2.3.4.5',
  '1.2.3',
  'fe80::1%eth0',
  'fe80::1%25eth0',
  '::1%1',
  '[::1]',
  '[2001:db8::1]',
  '[10.0.0.1]',
  '[::1]:8080',
  '[2001:db8::1]:443',
  '[10.0.0.1]:80',
  '[1.2.3.4]:65535',
  '[fe80::1%eth0]:80',
  '[::ffff:10.0.0.5]:1',
  '10.0.0.1:80',
  '1.2.3.4:0',
  '1.2.3.4:65536',
  '1.2.3.4:0080',
  '1.2.3.4:',
  '1.2.3.4:80:90',
  '1.2.3.4:+80',
  '2001:db8::1:80',
  'unknown',
  'UNKNOWN',
  '_hidden',
  'garbage',
  'proxy',
  'localhost',
  'for=1.2.3.4',
  '"1.2.3.4"',
  '1.2.3.4\t',
  '\t10.0.0.1',
  '10.0.0.1\t10.0.0.2',
  '::g',
  ':::',
  '::::',
  '1:::2',
];

export function randomEntry(rand: Rand): string {
  const r = rand();
  if (r < 0.22) return pick(rand, TRUSTED_V4);
  if (r < 0.4) return pick(rand, UNTRUSTED_V4);
  if (r < 0.5) return pick(rand, TRUSTED_V6);
  if (r < 0.58) return pick(rand, UNTRUSTED_V6);
  if (r < 0.62) return `10.${int(rand, 0, 255)}.${int(rand, 0, 255)}.${int(rand, 0, 255)}`;
  if (r < 0.65) return `${int(rand, 1, 223)}.${int(rand, 0, 255)}.${int(rand, 0, 255)}.${int(rand, 0, 255)}`;
  if (r < 0.67) return `2001:db8::${int(rand, 0, 0xffff).toString(16)}`;
  if (r < 0.7) return `${pick(rand, TRUSTED_V4)}:${pick(rand, ['1', '80', '443', '8080', '65535', '4711'])}`;
  if (r < 0.72) return `[${pick(rand, [...TRUSTED_V6, ...UNTRUSTED_V6])}]:${int(rand, 1, 65535)}`;
  if (r < 0.74) return '';
  return pick(rand, ODD);
}

const SEPARATORS = [', ', ', ', ', ', ',', ' ', ',,', ' , ', ',\t', '\t', ', ,', '  ,  '];

/** One header value: a chain of 1–12 entries, occasionally with leading/trailing separators. */
export function randomChain(rand: Rand): string {
  if (rand() < 0.02) {
    // A long chain of trusted hops (past any entry cap a resolver might have), client at the left.
    const hops = Array.from({ length: int(rand, 60, 130) }, () => `10.${int(rand, 0, 255)}.0.${int(rand, 1, 254)}`);
    return `${randomEntry(rand)}, ${hops.join(', ')}`;
  }
  const n = rand() < 0.6 ? int(rand, 1, 4) : int(rand, 1, 12);
  let out = '';
  for (let i = 0; i < n; i++) {
    if (i > 0) out += rand() < 0.8 ? ', ' : pick(rand, SEPARATORS);
    out += randomEntry(rand);
  }
  const edge = rand();
  if (edge < 0.04) out = `,${out}`;
  else if (edge < 0.08) out = `, ${out}`;
  else if (edge < 0.11) out = `${out},`;
  else if (edge < 0.14) out = `${out}, `;
  else if (edge < 0.16) out = ` ${out} `;
  else if (edge < 0.18) out = `\t${out}`;
  return out;
}

const XFF_NAMES = [
  'X-Forwarded-For',
  'X-Forwarded-For',
  'X-Forwarded-For',
  'x-forwarded-for',
  'X-FORWARDED-FOR',
  'x-Forwarded-for',
];
const REAL_NAMES = ['X-Real-IP', 'X-Real-IP', 'x-real-ip', 'X-REAL-IP'];
const CLIENT_NAMES = ['X-Client-IP', 'x-client-ip'];

/**
 * A request's header lines (`[name, value]`, wire order), without Host. Usually 1–3
 * X-Forwarded-For lines plus X-Real-IP / X-Client-IP lines, in random order.
 */
export function randomHeaders(rand: Rand): [string, string][] {
  const lines: [string, string][] = [];
  const xff = rand() < 0.1 ? 0 : rand() < 0.6 ? 1 : int(rand, 2, 4);
  for (let i = 0; i < xff; i++) lines.push([pick(rand, XFF_NAMES), randomChain(rand)]);
  const real = rand() < 0.4 ? 0 : rand() < 0.7 ? 1 : 2;
  for (let i = 0; i < real; i++)
    lines.push([pick(rand, REAL_NAMES), rand() < 0.5 ? randomEntry(rand) : randomChain(rand)]);
  const client = rand() < 0.5 ? 0 : rand() < 0.7 ? 1 : 2;
  for (let i = 0; i < client; i++) lines.push([pick(rand, CLIENT_NAMES), randomChain(rand)]);
  if (rand() < 0.1) lines.push(['X_Forwarded_For', randomChain(rand)]);
  if (rand() < 0.05) lines.push(['X-Forwarded-For', '']);
  // Shuffle, keeping each name's relative order random too (that is the point of several lines).
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = lines[i] as [string, string];
    lines[i] = lines[j] as [string, string];
    lines[j] = tmp;
  }
  return lines;
}

/** `[[name, value], …]` → Node's rawHeaders layout `[name, value, …]`. */
export function toRawHeaders(lines: readonly (readonly [string, string])[]): string[] {
  const raw: string[] = [];
  for (const [name, value] of lines) raw.push(name, value);
  return raw;
}
