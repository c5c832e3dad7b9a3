import assert from 'node:assert/strict';
import test from 'node:test';
import { Registry } from 'prom-client';
import { createRequestStats } from './request-stats.ts';

test('status classes, cumulative buckets (bounds inclusive), sum and count in the exposition', async () => {
  const registry = new Registry();
  const stats = createRequestStats(registry, [0.01, 0.1]);
  const cases: Array<[number, number]> = [
    [200, 10], // exactly 0.01 s: first bucket (le is inclusive)
    [204, 11],
    [404, 100],
    [502, 5000], // above every bound: only +Inf
    [0, 1], // connection lost before a status
    [99, 1], // not a status: counted as none
    [600, 1],
  ];
  for (const [status, ms] of cases) stats.record('public', 'default', status, ms);
  stats.record('internal', 'api', 301, 1);
  const text = await registry.metrics();
  const value = (series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
  };
  const labels = 'listener="public",route="default"';
  assert.equal(value(`sourceip_requests_total{${labels},code="2xx"}`), 2);
  assert.equal(value(`sourceip_requests_total{${labels},code="4xx"}`), 1);
  assert.equal(value(`sourceip_requests_total{${labels},code="5xx"}`), 1);
  assert.equal(value(`sourceip_requests_total{${labels},code="none"}`), 3);
  assert.equal(value(`sourceip_requests_total{${labels},code="1xx"}`), 0);
  assert.equal(value('sourceip_requests_total{listener="internal",route="api",code="3xx"}'), 1);
  assert.equal(value(`sourceip_request_duration_seconds_bucket{le="0.01",${labels}}`), 4);
  assert.equal(value(`sourceip_request_duration_seconds_bucket{le="0.1",${labels}}`), 6);
  assert.equal(value(`sourceip_request_duration_seconds_bucket{le="+Inf",${labels}}`), 7);
  assert.equal(value(`sourceip_request_duration_seconds_count{${labels}}`), 7);
  assert.ok(Math.abs(value(`sourceip_request_duration_seconds_sum{${labels}}`) - 5.124) < 1e-9);
  assert.match(text, /^# TYPE sourceip_request_duration_seconds histogram$/m);
  assert.match(text, /^# TYPE sourceip_requests_total counter$/m);
});
