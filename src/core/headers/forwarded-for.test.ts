import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIP } from '../ip/address.ts';
import { ListHeaderCursor } from './forwarded-for.ts';

function walk(raw: string[]): string[] {
  const c = new ListHeaderCursor('X-Forwarded-For');
  const state = c.reset(raw);
  if (state !== 1) return [`state:${state}`];
  const out: string[] = [];
  while (c.next()) {
    const status = c.parse();
    const what = status === 0 && c.ip !== null ? `${formatIP(c.ip)}${c.port >= 0 ? `#${c.port}` : ''}` : `!${status}`;
    out.push(`${c.line()}.${c.index()}=${JSON.stringify(c.text())}:${what}`);
  }
  return out;
}

const rows: Array<{ name: string; raw: string[]; want: string[] }> = [
  {
    name: 'one line, right to left',
    raw: ['X-Forwarded-For', '1.1.1.1, 2.2.2.2'],
    want: ['0.1="2.2.2.2":2.2.2.2', '0.0="1.1.1.1":1.1.1.1'],
  },
  {
    name: 'lines in wire order, other headers between',
    raw: ['x-forwarded-for', '1.1.1.1', 'Host', 'h', 'X-FORWARDED-FOR', '2.2.2.2'],
    want: ['1.0="2.2.2.2":2.2.2.2', '0.0="1.1.1.1":1.1.1.1'],
  },
  {
    name: 'spaces and TABs trimmed, empty entries kept',
    raw: ['X-Forwarded-For', '\t1.1.1.1 ,, \t'],
    want: ['0.2="":!1', '0.1="":!1', '0.0="1.1.1.1":1.1.1.1'],
  },
  { name: 'empty line is one empty entry', raw: ['X-Forwarded-For', ''], want: ['0.0="":!1'] },
  {
    name: 'ports and brackets',
    raw: ['X-Forwarded-For', '1.2.3.4:80, [2001:db8::1]:443, [2001:db8::2]'],
    want: ['0.2="[2001:db8::2]":2001:db8::2', '0.1="[2001:db8::1]:443":2001:db8::1#443', '0.0="1.2.3.4:80":1.2.3.4#80'],
  },
  {
    name: 'unknown, garbage, non-canonical, unspecified',
    raw: ['X-Forwarded-For', 'unknown, nope, 01.1.1.1, ::, 1.1.1.1.1'],
    want: ['0.4="1.1.1.1.1":!2', '0.3="::":!2', '0.2="01.1.1.1":!2', '0.1="nope":!2', '0.0="unknown":!3'],
  },
  {
    name: 'an entry over 100 characters is not parsed',
    raw: ['X-Forwarded-For', `${'a'.repeat(101)}`],
    want: [`0.0=${JSON.stringify('a'.repeat(101))}:!6`],
  },
  { name: 'absent', raw: ['Forwarded', 'for=1.1.1.1', 'X_Forwarded_For', '1.1.1.1'], want: ['state:0'] },
  { name: 'a line over 8 KiB', raw: ['X-Forwarded-For', 'x'.repeat(8193)], want: ['state:3'] },
  {
    name: 'odd-length rawHeaders and non-strings are ignored',
    raw: ['X-Forwarded-For', 7 as unknown as string, 'X-Forwarded-For'],
    want: ['state:0'],
  },
];

for (const r of rows) test(`ListHeaderCursor: ${r.name}`, () => assert.deepEqual(walk(r.raw), r.want));

test('next() after the leftmost entry returns false and keeps the entry', () => {
  const c = new ListHeaderCursor('X-Forwarded-For');
  c.reset(['X-Forwarded-For', '1.1.1.1']);
  assert.equal(c.next(), true);
  assert.equal(c.next(), false);
  assert.equal(c.text(), '1.1.1.1');
});

test('lines are found from the end; an earlier over-long line refuses only when the walk reaches it', () => {
  const c = new ListHeaderCursor('X-Forwarded-For');
  const raw = ['X-Forwarded-For', `${'1'.repeat(9000)}`, 'Host', 'h', 'X-Forwarded-For', '2.2.2.2, 3.3.3.3'];
  assert.equal(c.reset(raw), 1);
  assert.equal(c.next(), true);
  assert.equal(c.line(), 1);
  assert.equal(c.parse(), 0);
  assert.equal(c.next(), true);
  assert.equal(c.text(), '2.2.2.2');
  assert.equal(c.next(), true);
  assert.equal(c.parse(), 9);
  assert.equal(c.next(), false);
});
