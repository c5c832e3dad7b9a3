import assert from 'node:assert/strict';
import test from 'node:test';
import type { ForwardingConfig, GatewayConfig } from '../config/types.ts';
import { RequestHead } from '../http1/request-head.ts';
import { compileRuntime, type RouteRuntime } from '../runtime.ts';
import { buildUpstreamHead } from './forwarding.ts';

const BASE: ForwardingConfig = {
  xForwardedFor: 'append',
  xRealIp: true,
  forwarded: false,
  xForwardedProtoHostPort: false,
  stripUntrusted: ['x-custom-client'],
  requestId: false,
  proxyProtocol: 'off',
};

function build(raw: string, fw: Partial<ForwardingConfig>, trusted: boolean, client: string | null = '192.0.2.9') {
  const config: GatewayConfig = {
    listeners: [],
    trustProfiles: [],
    upstreams: [{ name: 'u', targets: ['10.0.0.1:80'], connectTimeoutMs: 1, responseTimeoutMs: 1, keepAlive: 1 }],
    routes: [{ name: 'r', pathPrefix: '/', upstream: 'u', forwarding: { ...BASE, ...fw } }],
    limits: {
      maxHeaderBytes: 8192,
      maxHeaderCount: 64,
      maxBodyBytes: 1000,
      headerTimeoutMs: 1,
      idleTimeoutMs: 1,
      requestTimeoutMs: 1,
    },
    log: { level: 'silent', access: false },
    drainTimeoutMs: 1,
  };
  const rt = compileRuntime(config);
  const route = rt.router.match('', '/') as RouteRuntime;
  const head = new RequestHead(rt.names, rt.limits);
  const buf = Buffer.from(raw, 'latin1');
  head.reset(0);
  assert.equal(head.parse(buf, buf.length), 1);
  const out = buildUpstreamHead({
    buf,
    head,
    route,
    peerTrusted: trusted,
    realPeer: '10.1.1.1',
    client,
    isTls: false,
    localPort: 8080,
    requestId: 'rid',
    upstreamAuthority: '10.0.0.1:80',
  });
  rt.close();
  return out.split('\r\n').filter(Boolean);
}

const SPOOFY =
  'GET /x HTTP/1.1\r\nHost: a.test\r\nX-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 203.0.113.2\r\n' +
  'X-Real-IP: 198.51.100.3\r\nX-Custom-Client: 1.1.1.1\r\nX_Real_IP: 2.2.2.2\r\nX-Forwarded-Proto: https\r\n\r\n';

type Case = {
  name: string;
  raw: string;
  fw?: Partial<ForwardingConfig>;
  trusted: boolean;
  client?: string | null;
  want: string[];
};
const cases: Case[] = [
  {
    name: 'untrusted peer: XFF is the real peer only, spoofable headers removed',
    raw: SPOOFY,
    trusted: false,
    want: ['GET /x HTTP/1.1', 'Host: a.test', 'x-forwarded-for: 10.1.1.1', 'x-real-ip: 192.0.2.9'],
  },
  {
    name: 'trusted peer: both XFF lines kept in order + the real peer; its headers pass, underscore variant never',
    raw: SPOOFY,
    trusted: true,
    want: [
      'GET /x HTTP/1.1',
      'Host: a.test',
      'X-Custom-Client: 1.1.1.1',
      'X-Forwarded-Proto: https',
      'x-forwarded-for: 198.51.100.1, 203.0.113.2, 10.1.1.1',
      'x-real-ip: 192.0.2.9',
    ],
  },
  {
    name: 'replace: the real peer only, even from a trusted peer',
    raw: SPOOFY,
    fw: { xForwardedFor: 'replace' },
    trusted: true,
    want: [
      'GET /x HTTP/1.1',
      'Host: a.test',
      'X-Custom-Client: 1.1.1.1',
      'X-Forwarded-Proto: https',
      'x-forwarded-for: 10.1.1.1',
      'x-real-ip: 192.0.2.9',
    ],
  },
  {
    name: 'off and no X-Real-IP: trusted X-Real-IP passes, no XFF at all',
    raw: SPOOFY,
    fw: { xForwardedFor: 'off', xRealIp: false },
    trusted: true,
    want: [
      'GET /x HTTP/1.1',
      'Host: a.test',
      'X-Real-IP: 198.51.100.3',
      'X-Custom-Client: 1.1.1.1',
      'X-Forwarded-Proto: https',
    ],
  },
  {
    name: 'strict refusal: X-Real-IP omitted',
    raw: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
    trusted: true,
    client: null,
    want: ['GET / HTTP/1.1', 'Host: a', 'x-forwarded-for: 10.1.1.1'],
  },
  {
    name: 'Connection-nominated names go, managed ones stay; framing normalised',
    raw: 'POST / HTTP/1.1\r\nHost: a\r\nConnection: X-Forwarded-For, X-Foo, Content-Length\r\nX-Foo: 1\r\nContent-Length: 007\r\n\r\n',
    trusted: false,
    want: ['POST / HTTP/1.1', 'Host: a', 'content-length: 7', 'x-forwarded-for: 10.1.1.1', 'x-real-ip: 192.0.2.9'],
  },
  {
    name: 'absolute-form: Host from the target',
    raw: 'GET http://b.test:81/p?q HTTP/1.1\r\nHost: a\r\n\r\n',
    fw: { xRealIp: false, xForwardedFor: 'off' },
    trusted: false,
    want: ['GET /p?q HTTP/1.1', 'host: b.test:81'],
  },
  {
    name: 'HTTP/1.0 without Host: the upstream as Host; computed X-Forwarded-*; request id; Forwarded',
    raw: 'GET / HTTP/1.0\r\n\r\n',
    fw: { xRealIp: false, xForwardedFor: 'off', xForwardedProtoHostPort: true, requestId: true, forwarded: true },
    trusted: false,
    want: [
      'GET / HTTP/1.1',
      'host: 10.0.0.1:80',
      'x-forwarded-proto: http',
      'x-forwarded-port: 8080',
      'forwarded: for=10.1.1.1;proto=http',
      'x-request-id: rid',
    ],
  },
];
for (const c of cases) {
  test(`upstream head: ${c.name}`, () => {
    assert.deepEqual(build(c.raw, c.fw ?? {}, c.trusted, c.client === undefined ? '192.0.2.9' : c.client), c.want);
  });
}
