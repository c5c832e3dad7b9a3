import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { jsonLineIndex } from './json-lines.ts';

/** The reference: the line the YAML parser gives the deepest existing node on the path. */
function yamlLines(text: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return (path: (string | number)[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

function* paths(value: unknown, prefix: (string | number)[] = []): Generator<(string | number)[]> {
  yield prefix;
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* paths(v, [...prefix, i]);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* paths(v, [...prefix, k]);
}

const fixtures = new URL('../../../test/doctor/fixtures/', import.meta.url).pathname;
const texts: [string, string][] = [
  ...readdirSync(join(fixtures, 'rules'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json'))
    .map((f): [string, string] => [f, readFileSync(join(fixtures, 'rules', f), 'utf8')]),
  ['live/cluster.json', readFileSync(join(fixtures, 'live/cluster.json'), 'utf8')],
  ['compact with escapes', '{"a":{"b\\"c":[1,{"d":"x\\\\\\"]}"}],"e":[]},\n"f":\n  [ true , null ,\n "g" ]}'],
  [
    'pretty',
    JSON.stringify({ kind: 'List', items: [{ metadata: { name: 'a' }, spec: { x: [1, 2, { y: '\n' }] } }] }, null, 2),
  ],
];

for (const [name, text] of texts) {
  test(`lines of every node equal the YAML parser's: ${name}`, () => {
    const want = yamlLines(text);
    const got = jsonLineIndex(text);
    for (const path of paths(JSON.parse(text))) assert.equal(got.lineOf(path), want(path), JSON.stringify(path));
    // Missing keys fall back to the deepest existing node, as the YAML path does.
    assert.equal(got.lineOf(['nope', 3]), want(['nope', 3]));
  });
}
