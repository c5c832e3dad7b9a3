/**
 * Bad configuration input gets errors, never a crash: any YAML text, any value shape, any
 * SOURCEIP_* variable, and any ingress-nginx / Kong input either validates or yields ConfigErrors
 * (the importers throw only ConfigError). Time-boxed; `npm run fuzz` runs more.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../core/errors.ts';
import { readIngressNginxData, translateIngressNginx } from './import-ingress-nginx.ts';
import { readKongVariables, translateKong } from './import-kong.ts';
import { checkConfigObject, checkConfigText } from './load.ts';

const runs = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 200);

const keys = fc.constantFrom(
  'listeners',
  'trustProfiles',
  'upstreams',
  'routes',
  'forwarding',
  'admin',
  'limits',
  'log',
  'drainTimeoutMs',
  'compat',
  'name',
  'port',
  'host',
  'trusted',
  'semantics',
  'proxyProtocol',
  'targets',
  'upstream',
  'ingress-nginx',
  'kong',
  '__proto__',
  'constructor',
);
const value = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(keys, fc.string()), tie('tree'), { maxKeys: 5 }),
  ),
})).tree;

function onlyConfigErrors(result: { config: unknown; errors: readonly unknown[] }): void {
  for (const error of result.errors) assert.ok(error instanceof ConfigError, String(error));
  assert.ok(result.config !== null || result.errors.length > 0);
}

test('any value shape and any SOURCEIP_* variables: a config or ConfigErrors, never a throw', () => {
  fc.assert(
    fc.property(
      fc.dictionary(keys, value, { maxKeys: 6 }),
      fc.dictionary(
        fc.string({ maxLength: 30 }).map((name) => `SOURCEIP_${name}`),
        fc.string({ maxLength: 30 }),
        { maxKeys: 3 },
      ),
      (raw, env) => onlyConfigErrors(checkConfigObject(raw as Record<string, unknown>, 'fuzz', env)),
    ),
    { numRuns: runs },
  );
});

test('any text as sourceip.yaml: a config or ConfigErrors with a line', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => onlyConfigErrors(checkConfigText(text, 'fuzz.yaml', {}))),
    { numRuns: runs },
  );
});

test('any ingress-nginx / Kong input: a translation or a ConfigError', () => {
  const attempt = (run: () => unknown): void => {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
    }
  };
  fc.assert(
    fc.property(
      fc.string({ maxLength: 200 }),
      fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 40 })),
      (text, map) => {
        attempt(() => translateIngressNginx(readIngressNginxData(text, 'f')));
        attempt(() => translateKong(readKongVariables(text, 'f')));
        attempt(() => translateIngressNginx(map));
        attempt(() => translateKong(map));
      },
    ),
    { numRuns: runs },
  );
});
