import assert from 'node:assert/strict';
import test from 'node:test';
import { HeaderNames } from './header-names.ts';
import { DONE, FAILED } from './request-head.ts';
import { BODY_CHUNKED, BODY_CLOSE, BODY_LENGTH, BODY_NONE, ResponseHead } from './response-head.ts';

const names = new HeaderNames();

type Case = {
  name: string;
  head: string;
  isHead?: boolean;
  want?: { body: number; length?: number; closes?: boolean };
  fail?: string;
};
const cases: Case[] = [
  {
    name: 'Content-Length body',
    head: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n',
    want: { body: BODY_LENGTH, length: 5 },
  },
  { name: 'Content-Length 0 has no body', head: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n', want: { body: BODY_NONE } },
  { name: 'chunked', head: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n', want: { body: BODY_CHUNKED } },
  {
    name: 'TE wins over CL (RFC 9112 §6.3)',
    head: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n',
    want: { body: BODY_CHUNKED },
  },
  {
    name: 'TE not ending in chunked: read until close',
    head: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n',
    want: { body: BODY_CLOSE, closes: true },
  },
  { name: 'no length: read until close', head: 'HTTP/1.1 200 OK\r\n', want: { body: BODY_CLOSE, closes: true } },
  { name: '204 has no body', head: 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n', want: { body: BODY_NONE } },
  { name: '304 has no body', head: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n', want: { body: BODY_NONE } },
  {
    name: 'HEAD response has no body',
    head: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n',
    isHead: true,
    want: { body: BODY_NONE },
  },
  { name: '1xx has no body', head: 'HTTP/1.1 100 Continue\r\n', want: { body: BODY_NONE } },
  {
    name: 'HTTP/1.0 without keep-alive closes',
    head: 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n',
    want: { body: BODY_LENGTH, length: 1, closes: true },
  },
  {
    name: 'Connection: close',
    head: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n',
    want: { body: BODY_LENGTH, length: 1, closes: true },
  },
  {
    name: 'empty reason phrase',
    head: 'HTTP/1.1 200 \r\nContent-Length: 1\r\n',
    want: { body: BODY_LENGTH, length: 1 },
  },
  {
    name: 'fail: differing duplicate Content-Length',
    head: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n',
    fail: 'bad-response-content-length',
  },
  {
    name: 'fail: Content-Length not digits',
    head: 'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n',
    fail: 'bad-response-content-length',
  },
  { name: 'fail: status line', head: 'HTTP/2 200 OK\r\n', fail: 'bad-status-line' },
  { name: 'fail: header with a NUL', head: 'HTTP/1.1 200 OK\r\nX: a\x00\r\n', fail: 'bad-response-header' },
];

for (const c of cases) {
  test(`response head: ${c.name}`, () => {
    const head = new ResponseHead(names, 8192, 64);
    const buf = Buffer.from(`${c.head}\r\n`, 'latin1');
    head.reset(0);
    const r = head.parse(buf, buf.length);
    if (c.fail) {
      assert.equal(r, FAILED);
      assert.equal(head.error, c.fail);
      return;
    }
    assert.equal(r, DONE);
    head.frame(c.isHead ?? false);
    assert.equal(head.body, c.want!.body);
    if (c.want!.length !== undefined) assert.equal(head.contentLength, c.want!.length);
    assert.equal(head.upstreamCloses, c.want!.closes ?? false);
  });
}
