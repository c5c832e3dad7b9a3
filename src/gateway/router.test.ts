import assert from 'node:assert/strict';
import test from 'node:test';
import { hostWithoutPort, prefixMatches, Router } from './router.ts';

const routes = [
  { name: 'any-root', pathPrefix: '/' },
  { name: 'any-api', pathPrefix: '/api' },
  { name: 'exact-root', host: 'app.test', pathPrefix: '/' },
  { name: 'exact-static', host: 'APP.test', pathPrefix: '/static/' },
  { name: 'wild', host: '*.example.test', pathPrefix: '/' },
  { name: 'wild-deeper', host: '*.eu.example.test', pathPrefix: '/' },
];
const router = new Router(routes);

type Case = { name: string; host: string; path: string; want: string | null };
const cases: Case[] = [
  { name: 'exact host, longest prefix', host: 'app.test', path: '/static/x.css', want: 'exact-static' },
  { name: 'exact host falls back to its root route', host: 'app.test', path: '/api/x', want: 'exact-root' },
  {
    name: 'host compared case-insensitively (config side lowered)',
    host: 'app.test',
    path: '/static/',
    want: 'exact-static',
  },
  { name: 'wildcard matches a subdomain', host: 'a.example.test', path: '/', want: 'wild' },
  { name: 'longest wildcard suffix wins', host: 'a.eu.example.test', path: '/', want: 'wild-deeper' },
  { name: 'wildcard does not match the bare domain', host: 'example.test', path: '/api', want: 'any-api' },
  { name: 'prefix on a segment boundary', host: 'other.test', path: '/api/v1', want: 'any-api' },
  { name: 'prefix is not a string prefix', host: 'other.test', path: '/apix', want: 'any-root' },
  { name: 'exact prefix path', host: 'other.test', path: '/api', want: 'any-api' },
];
for (const c of cases) {
  test(`router: ${c.name}`, () => {
    assert.equal(router.match(c.host, c.path)?.name ?? null, c.want);
  });
}

test('router: no route without a catch-all', () => {
  const r = new Router([{ name: 'only', host: 'a.test', pathPrefix: '/x' }]);
  assert.equal(r.match('a.test', '/y'), null);
  assert.equal(r.match('b.test', '/x'), null);
});

test('prefixMatches and hostWithoutPort', () => {
  assert.equal(prefixMatches('/a/', '/a/b'), true);
  assert.equal(prefixMatches('/a/', '/a'), false);
  assert.equal(prefixMatches('', '/anything'), true);
  assert.equal(hostWithoutPort('a.test:8080'), 'a.test');
  assert.equal(hostWithoutPort('[2001:db8::1]:443'), '[2001:db8::1]');
  assert.equal(hostWithoutPort('[2001:db8::1]'), '[2001:db8::1]');
  assert.equal(hostWithoutPort(''), '');
});
