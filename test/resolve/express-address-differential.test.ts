/**
 * Differential test of ./src/core/trust/express-address.ts against the real libraries Express 5
 * runs: ipaddr.js 1.9.1 (`isValid` + `parse`) and proxy-addr 2.0.x (`compile` and the trust
 * functions it returns), loaded from node_modules. Seeded; SOURCEIP_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { IPAddress } from '../../src/core/ip/types.ts';
import { compileExpressTrust, ipaddrParse } from '../../src/core/trust/express-address.ts';
import { pick, prng, type Rand, randomEntry } from './request-generator.ts';

const require = createRequire(import.meta.url);
const proxyaddr = require('proxy-addr') as {
  compile(val: string | string[]): (addr: string | undefined, i: number) => boolean;
};
const ipaddr = createRequire(require.resolve('proxy-addr'))('ipaddr.js') as {
  isValid(s: string): boolean;
  parse(s: string): { kind(): string; octets?: number[]; parts?: number[] };
};
const ipaddrVersion = (createRequire(require.resolve('proxy-addr'))('ipaddr.js/package.json') as { version: string })
  .version;

const SEED = Number(process.env.SOURCEIP_SEED ?? Date.now() % 1_000_000);
const RUNS = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 40_000);

function theirs(s: string): string | null {
  if (!ipaddr.isValid(s)) return null;
  const a = ipaddr.parse(s);
  return a.kind() === 'ipv4'
    ? `4:${(a.octets as number[]).join('.')}`
    : `6:${(a.parts as number[]).map((p) => p.toString(16)).join(':')}`;
}

function text(a: IPAddress | null): string | null {
  if (a === null) return null;
  if (a.family === 4) return `4:${[a.w3 >>> 24, (a.w3 >>> 16) & 255, (a.w3 >>> 8) & 255, a.w3 & 255].join('.')}`;
  const g = [
    a.w0 >>> 16,
    a.w0 & 0xffff,
    a.w1 >>> 16,
    a.w1 & 0xffff,
    a.w2 >>> 16,
    a.w2 & 0xffff,
    a.w3 >>> 16,
    a.w3 & 0xffff,
  ];
  return `6:${g.map((p) => p.toString(16)).join(':')}`;
}

function hexGroup(rand: Rand): string {
  const digits = '0123456789abcdefABCDEF';
  const n = rand() < 0.1 ? Math.floor(rand() * 7) : 1 + Math.floor(rand() * 4);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rand, [...digits]);
  return s;
}

function v4Part(rand: Rand): string {
  return pick(rand, [
    String(Math.floor(rand() * 256)),
    String(Math.floor(rand() * 300)),
    `0${Math.floor(rand() * 400).toString(8)}`,
    `0${Math.floor(rand() * 100)}`,
    `0x${Math.floor(rand() * 300).toString(16)}`,
    `0X${Math.floor(rand() * 300).toString(16)}`,
    '',
    '00',
    '1e2',
  ]);
}

/** Random IPv6-ish text: 1–9 groups, maybe `::` anywhere, maybe an IPv4 tail, maybe a zone. */
function ipv6ish(rand: Rand): string {
  const n = Math.floor(rand() * 10);
  const groups = Array.from({ length: n }, () => hexGroup(rand));
  let s = groups.join(rand() < 0.9 ? ':' : pick(rand, [':', '::', ':::']));
  if (rand() < 0.6) {
    const at = Math.floor(rand() * (s.length + 1));
    const colons = s.split('');
    s = `${colons.slice(0, at).join('')}${pick(rand, ['::', ':', '::'])}${colons.slice(at).join('')}`;
  }
  if (rand() < 0.3) s += `:${v4Part(rand)}.${v4Part(rand)}.${v4Part(rand)}.${v4Part(rand)}`;
  if (rand() < 0.1) s = `${pick(rand, [':', '::', '::ffff:', '0:0:0:0:0:ffff:'])}${s}`;
  if (rand() < 0.1) s += pick(rand, ['%eth0', '%1', '%', '%e-1', '%Z9']);
  return s;
}

function ipv4ish(rand: Rand): string {
  const n = pick(rand, [1, 2, 3, 4, 4, 4, 4, 5]);
  return Array.from({ length: n }, () => v4Part(rand)).join('.');
}

function randomText(rand: Rand): string {
  const alpha = '0123456789abcdefxX:.%/ ';
  const n = Math.floor(rand() * 14);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rand, [...alpha]);
  return s;
}

function candidate(rand: Rand): string {
  const r = rand();
  if (r < 0.4) return ipv6ish(rand);
  if (r < 0.7) return ipv4ish(rand);
  if (r < 0.85) return randomEntry(rand);
  return randomText(rand);
}

test(`ipaddr.js ${ipaddrVersion} isValid/parse are reproduced exactly (seed ${SEED})`, () => {
  assert.match(ipaddrVersion, /^1\.9\./, 'proxy-addr should be using ipaddr.js 1.9.x');
  const rand = prng(SEED);
  const bad: string[] = [];
  let valid = 0;
  for (let i = 0; i < RUNS; i++) {
    const s = candidate(rand);
    const want = theirs(s);
    const got = text(ipaddrParse(s));
    if (want !== null) valid++;
    if (want !== got) bad.push(`${JSON.stringify(s)}: ipaddr.js ${want}, ours ${got}`);
  }
  assert.ok(valid > RUNS / 10, `only ${valid} valid inputs generated`);
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} mismatches (SOURCEIP_SEED=${SEED})`);
});

function subnetText(rand: Rand): string {
  const r = rand();
  const addr =
    r < 0.5 ? ipv4ish(rand) : r < 0.8 ? ipv6ish(rand) : pick(rand, ['10.0.0.0', '::ffff:10.0.0.0', '::1', '127.0.0.1']);
  const suffix = pick(rand, [
    '',
    '',
    `/${Math.floor(rand() * 140)}`,
    '/0',
    '/8',
    '/104',
    '/255.0.0.0',
    '/255.255.0.255',
    '/0xffffff00',
    '/4294967040',
    '/0.0.0.0',
    '/',
    '/08',
    '/ffff::',
    '/x',
  ]);
  return pick(rand, [`${addr}${suffix}`, 'loopback', 'linklocal', 'uniquelocal', 'private', ' 10.0.0.1', '']);
}

test(`proxy-addr compile and trust are reproduced exactly (seed ${SEED})`, () => {
  const rand = prng(SEED + 1);
  const bad: string[] = [];
  let compiled = 0;
  for (let i = 0; i < RUNS / 20; i++) {
    const list = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => subnetText(rand));
    let theirTrust: ((a: string | undefined, i: number) => boolean) | null = null;
    let ourTrust: ((a: string | undefined, i: number) => boolean) | null = null;
    try {
      theirTrust = proxyaddr.compile(list);
    } catch {}
    try {
      ourTrust = compileExpressTrust(list).trust;
    } catch {}
    if ((theirTrust === null) !== (ourTrust === null)) {
      bad.push(
        `${JSON.stringify(list)}: proxy-addr ${theirTrust ? 'compiles' : 'throws'}, ours ${ourTrust ? 'compiles' : 'throws'}`,
      );
      continue;
    }
    if (theirTrust === null || ourTrust === null) continue;
    compiled++;
    for (let k = 0; k < 20; k++) {
      const addr =
        rand() < 0.5
          ? candidate(rand)
          : pick(rand, ['10.1.2.3', '::ffff:10.1.2.3', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
      if (theirTrust(addr, 0) !== ourTrust(addr, 0)) {
        bad.push(
          `${JSON.stringify(list)} trust(${JSON.stringify(addr)}): proxy-addr ${theirTrust(addr, 0)}, ours ${ourTrust(addr, 0)}`,
        );
      }
    }
  }
  assert.ok(compiled > RUNS / 200, `only ${compiled} trust lists compiled`);
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} mismatches (SOURCEIP_SEED=${SEED})`);
});
