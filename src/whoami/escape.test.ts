import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControl, escapeHtml, escapeHtmlChars, toHex } from './escape.ts';

type Case = { name: string; input: string; control: string; html: string };
const cases: Case[] = [
  {
    name: 'plain text is unchanged',
    input: '203.0.113.7, 10.0.0.2',
    control: '203.0.113.7, 10.0.0.2',
    html: '203.0.113.7, 10.0.0.2',
  },
  { name: 'ANSI escape becomes visible', input: 'a\u001b[31mb', control: 'a\\x1b[31mb', html: 'a\\x1b[31mb' },
  { name: 'CR LF cannot fake a line', input: 'x\r\nFake: y', control: 'x\\r\\nFake: y', html: 'x\\r\\nFake: y' },
  {
    name: 'tab, NUL, DEL, C1',
    input: '\t\u0000\u007f\u0085',
    control: '\\t\\x00\\x7f\\x85',
    html: '\\t\\x00\\x7f\\x85',
  },
  { name: 'backslash doubled so escapes are unambiguous', input: 'a\\x1b', control: 'a\\\\x1b', html: 'a\\\\x1b' },
  {
    name: 'bidi override and line separator',
    input: 'a\u202eb\u2028c\u2066',
    control: 'a\\u{202e}b\\u{2028}c\\u{2066}',
    html: 'a\\u{202e}b\\u{2028}c\\u{2066}',
  },
  {
    name: 'script tag and quotes are HTML-escaped',
    input: `<script>alert("x")</script>'&`,
    control: `<script>alert("x")</script>'&`,
    html: '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;',
  },
  { name: 'non-ASCII letters pass', input: 'Zürich ✓', control: 'Zürich ✓', html: 'Zürich ✓' },
];

for (const c of cases) {
  test(c.name, () => {
    assert.equal(escapeControl(c.input), c.control);
    assert.equal(escapeHtml(c.input), c.html);
  });
}

test('escapeHtmlChars leaves control escapes alone', () => {
  assert.equal(escapeHtmlChars('a\\x1b<'), 'a\\x1b&lt;');
});

test('toHex of a view into a larger buffer', () => {
  const bytes = Buffer.from([0, 1, 0xab, 0xff, 9]).subarray(1, 4);
  assert.equal(toHex(bytes), '01abff');
});
