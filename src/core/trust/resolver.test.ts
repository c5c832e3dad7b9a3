import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidCidrError, InvalidOptionError } from '../errors.ts';
import { REASONS } from './reasons.ts';
import { createResolver } from './resolver.ts';
import type { ResolverOptions } from './types.ts';

const bad: Array<[name: string, options: unknown, error: typeof InvalidOptionError | typeof InvalidCidrError]> = [
  ['unknown semantics', { semantics: 'apache' }, InvalidOptionError],
  ['trusted not an array', { trusted: '10.0.0.0/8' }, InvalidOptionError],
  ['bad CIDR', { trusted: ['10.0.0.0/33'] }, InvalidCidrError],
  ['host bits set', { trusted: ['10.1.2.3/8'] }, InvalidCidrError],
  ['trustAll outside express', { trustAll: true }, InvalidOptionError],
  ['hops outside express/hops', { hops: 2 }, InvalidOptionError],
  ['hops strategy without hops', { semantics: 'hops', trusted: ['10.0.0.0/8'] }, InvalidOptionError],
  ['hops strategy without trusted peers', { semantics: 'hops', hops: 1 }, InvalidOptionError],
  ['negative hops', { semantics: 'hops', hops: -1, trusted: ['10.0.0.0/8'] }, InvalidOptionError],
  ['fractional hops', { semantics: 'hops', hops: 1.5, trusted: ['10.0.0.0/8'] }, InvalidOptionError],
  ['recursive outside nginx', { recursive: true }, InvalidOptionError],
  ['header with a space', { header: 'X Forwarded' }, InvalidOptionError],
  ['single without header', { semantics: 'single', trusted: ['10.0.0.0/8'] }, InvalidOptionError],
  ['single on a list header (§d #6)', { semantics: 'single', header: 'X-Forwarded-For' }, InvalidOptionError],
  ['options not an object', 'strict', InvalidOptionError],
];
for (const [name, options, error] of bad) {
  test(`fail: createResolver throws at setup: ${name}`, () => {
    assert.throws(() => createResolver(options as ResolverOptions), error);
  });
}

test('defaults: strict, X-Forwarded-For, nothing trusted', () => {
  const r = createResolver();
  assert.equal(r.semantics, 'strict');
  assert.equal(r.header, 'X-Forwarded-For');
  assert.equal(r.trustsEverything, false);
  const res = r.resolve({ peer: '10.0.0.1', rawHeaders: ['X-Forwarded-For', '6.6.6.6'] });
  assert.deepEqual([res.client, res.reason, res.peerTrusted], ['10.0.0.1', 'untrusted-peer', false]);
});

test('trustsEverything flags 0.0.0.0/0 + ::/0', () => {
  assert.equal(createResolver({ trusted: ['any'] }).trustsEverything, true);
  assert.equal(createResolver({ trusted: ['loopback'] }).trustsEverything, false);
});

test('forwarded defaults to the Forwarded header', () => {
  assert.equal(createResolver({ semantics: 'forwarded' }).header, 'Forwarded');
});

test('every reason word is kebab-case and listed once', () => {
  assert.equal(new Set(REASONS).size, REASONS.length);
  for (const r of REASONS) assert.match(r, /^[a-z]+(-[a-z]+)*$/);
});

test('every reason word is documented in docs/errors.md', async () => {
  const { readFile } = await import('node:fs/promises');
  const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Reason words'));
  for (const r of REASONS) assert.ok(section.includes(`| \`${r}\` |`), `${r} missing from docs/errors.md`);
});
