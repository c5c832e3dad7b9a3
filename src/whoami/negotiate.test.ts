import assert from 'node:assert/strict';
import { test } from 'node:test';
import { negotiate } from './negotiate.ts';

type Case = { name: string; url: string; accept: string[]; want: string };
const cases: Case[] = [
  { name: 'no Accept: text', url: '/', accept: [], want: 'text' },
  { name: 'curl */*: text', url: '/', accept: ['*/*'], want: 'text' },
  { name: 'application/json', url: '/', accept: ['application/json'], want: 'json' },
  {
    name: 'browser Accept: html',
    url: '/',
    accept: ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    want: 'html',
  },
  { name: 'q-values decide', url: '/', accept: ['text/html;q=0.5, application/json;q=0.9'], want: 'json' },
  {
    name: 'specific range beats wildcard q',
    url: '/',
    accept: ['*/*;q=0.9, text/plain;q=0.1, text/html'],
    want: 'html',
  },
  { name: 'text/* ties: plain first', url: '/', accept: ['text/*'], want: 'text' },
  {
    name: 'several Accept lines count together',
    url: '/',
    accept: ['text/plain;q=0.1', 'application/json'],
    want: 'json',
  },
  { name: 'case-insensitive media types', url: '/', accept: ['Application/JSON'], want: 'json' },
  { name: 'nothing acceptable: text anyway', url: '/', accept: ['image/png'], want: 'text' },
  { name: 'garbage Accept: text', url: '/', accept: [';;;,/,=q'], want: 'text' },
  { name: 'q=0 excludes', url: '/', accept: ['application/json;q=0, text/html'], want: 'html' },
  { name: '?format wins over Accept', url: '/x?format=json', accept: ['text/html'], want: 'json' },
  { name: '?format=HTML any case', url: '/?a=1&format=HTML', accept: [], want: 'html' },
  { name: '?format=text', url: '/?format=text', accept: ['application/json'], want: 'text' },
  { name: 'fail: unknown ?format', url: '/?format=xml', accept: [], want: 'unknown:xml' },
];

for (const c of cases) {
  test(c.name, () => {
    const got = negotiate(c.url, c.accept);
    assert.equal('format' in got ? got.format : `unknown:${got.unknownFormat}`, c.want);
  });
}
