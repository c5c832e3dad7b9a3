// Recorded from the real programs by test/resolve/record-vectors.ts — do not edit by hand.
import type { ResolverOptions } from './types.ts';

/** One request and Express 5's req.ip (null for undefined); peer is req.socket.remoteAddress. */
export interface ExpressVector {
  readonly name: string;
  /** Key of EXPRESS_VECTOR_CONFIGS. */
  readonly config: string;
  readonly peer: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly want: string | null;
}

export const EXPRESS_VECTOR_CONFIGS: Readonly<Record<string, ResolverOptions>> = {
  false: { semantics: 'express' },
  true: { semantics: 'express', trustAll: true },
  'hops-0': { semantics: 'express', hops: 0 },
  'hops-1': { semantics: 'express', hops: 1 },
  'hops-2': { semantics: 'express', hops: 2 },
  'hops-5': { semantics: 'express', hops: 5 },
  loopback: { semantics: 'express', trusted: ['loopback'] },
  'loopback-uniquelocal': { semantics: 'express', trusted: ['loopback', 'uniquelocal'] },
  'mixed-csv': { semantics: 'express', trusted: ['127.0.0.2/31', '10.0.0.0/255.0.0.0', '2001:db8::/32', '::1'] },
  'short-forms': { semantics: 'express', trusted: ['10/8', '127.0.0.1', '0xc0.0xa8.0.0/16', '172.16.0.1/12'] },
  'array-mapped': { semantics: 'express', trusted: ['::ffff:127.0.0.0/104', '::ffff:10.0.0.5', '192.168.0.0/16'] },
  'linklocal-ipv6': { semantics: 'express', trusted: ['linklocal', '::1/128', '2001:db8::/48', 'fe80::/10'] },
  'csv-as-one-item': { semantics: 'express', trusted: [' loopback ,10.0.0.0/8 '] },
};

export const EXPRESS_VECTORS: readonly ExpressVector[] = [
  {
    name: 'false: the socket address, headers ignored',
    config: 'false',
    peer: '127.0.0.1',
    headers: [
      ['X-Forwarded-For', '1.1.1.1'],
      ['X-Real-IP', '5.5.5.5'],
    ],
    want: '127.0.0.1',
  },
  {
    name: 'false: dual-stack socket address is ::ffff:-mapped',
    config: 'false',
    peer: '::ffff:127.0.0.1',
    headers: [['X-Forwarded-For', '1.1.1.1']],
    want: '::ffff:127.0.0.1',
  },
  {
    name: 'true: the leftmost entry',
    config: 'true',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '10.0.0.1, 10.0.0.2']],
    want: '10.0.0.1',
  },
  {
    name: 'true: the leftmost entry even when it is not an IP',
    config: 'true',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', 'garbage, 1.2.3.4']],
    want: 'garbage',
  },
  {
    name: 'true: lines joined with ", "',
    config: 'true',
    peer: '::ffff:127.0.0.1',
    headers: [
      ['X-Forwarded-For', '1.1.1.1'],
      ['X-Forwarded-For', '2.2.2.2'],
    ],
    want: '1.1.1.1',
  },
  {
    name: 'true: Node trims TAB at line ends',
    config: 'true',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '\t1.2.3.4\t']],
    want: '1.2.3.4',
  },
  {
    name: 'true: no header gives the socket',
    config: 'true',
    peer: '::1',
    headers: [['X-Real-IP', '5.5.5.5']],
    want: '::1',
  },
  {
    name: 'hops 0: nothing trusted',
    config: 'hops-0',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '1.1.1.1']],
    want: '127.0.0.1',
  },
  {
    name: 'hops 1: the rightmost entry',
    config: 'hops-1',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '1.1.1.1, 2.2.2.2']],
    want: '2.2.2.2',
  },
  {
    name: 'hops 1: a TAB inside the value stays in the entry',
    config: 'hops-1',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '1.2.3.4,\t5.6.7.8']],
    want: '\t5.6.7.8',
  },
  {
    name: 'hops 2: too short a chain gives the leftmost',
    config: 'hops-2',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '1.1.1.1']],
    want: '1.1.1.1',
  },
  {
    name: 'hops 2: second from the right',
    config: 'hops-2',
    peer: '::ffff:127.0.0.1',
    headers: [['X-Forwarded-For', '1.1.1.1, 2.2.2.2, 3.3.3.3']],
    want: '2.2.2.2',
  },
  {
    name: 'loopback: a non-IP entry is returned verbatim',
    config: 'loopback',
    peer: '::ffff:127.0.0.1',
    headers: [['X-Forwarded-For', 'myrouter, 127.0.0.1, proxy']],
    want: 'proxy',
  },
  {
    name: 'loopback: mapped socket matches 127.0.0.1/8',
    config: 'loopback',
    peer: '::ffff:127.0.0.2',
    headers: [['X-Forwarded-For', '8.8.8.8']],
    want: '8.8.8.8',
  },
  {
    name: 'loopback: ::1 is trusted via ::1/128',
    config: 'loopback',
    peer: '::1',
    headers: [['X-Forwarded-For', '2002:c000:203::1']],
    want: '2002:c000:203::1',
  },
  {
    name: 'uniquelocal: ip:port is not an IP, returned verbatim',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '1.2.3.4:80, 10.0.0.1']],
    want: '1.2.3.4:80',
  },
  {
    name: 'uniquelocal: unknown is returned verbatim',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', 'unknown, 10.0.0.1']],
    want: 'unknown',
  },
  {
    name: 'uniquelocal: bracketed IPv6 is returned verbatim',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '[::1]']],
    want: '[::1]',
  },
  {
    name: 'uniquelocal: empty entries skipped',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', ', , 10.0.0.1,,']],
    want: '10.0.0.1',
  },
  {
    name: 'uniquelocal: lines joined, walked right to left',
    config: 'loopback-uniquelocal',
    peer: '::ffff:127.0.0.1',
    headers: [
      ['X-Forwarded-For', '1.1.1.1'],
      ['X-Forwarded-For', '10.0.0.1'],
    ],
    want: '1.1.1.1',
  },
  {
    name: 'uniquelocal: octal 012.0.0.1 is 10.0.0.1, trusted',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9, 012.0.0.1']],
    want: '9.9.9.9',
  },
  {
    name: 'uniquelocal: 167772161 is 10.0.0.1, trusted',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9, 167772161']],
    want: '9.9.9.9',
  },
  {
    name: 'uniquelocal: mapped entry matches IPv4 range',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9, ::ffff:10.0.0.1']],
    want: '9.9.9.9',
  },
  {
    name: 'uniquelocal: ::1.2.3.4 is not an IP for ipaddr.js 1.9.1',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9, ::10.0.0.1']],
    want: '::10.0.0.1',
  },
  {
    name: 'uniquelocal: zone accepted and ignored',
    config: 'loopback-uniquelocal',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9, fd00::1%eth0']],
    want: '9.9.9.9',
  },
  {
    name: 'csv netmask 255.0.0.0 trusts 10/8',
    config: 'mixed-csv',
    peer: '127.0.0.2',
    headers: [['X-Forwarded-For', '9.9.9.9, 10.1.2.3']],
    want: '9.9.9.9',
  },
  {
    name: 'csv: 127.0.0.2/31 does not cover 127.0.0.1',
    config: 'mixed-csv',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9']],
    want: '127.0.0.1',
  },
  {
    name: 'short form 10/8 means 0.0.0.0/8',
    config: 'short-forms',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9, 10.0.0.1']],
    want: '10.0.0.1',
  },
  {
    name: 'short form 10/8 trusts 0.0.0.5',
    config: 'short-forms',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9, 0.0.0.5']],
    want: '9.9.9.9',
  },
  {
    name: 'hex dotted range 0xc0.0xa8.0.0/16 trusts 192.168/16',
    config: 'short-forms',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '9.9.9.9, 192.168.4.4']],
    want: '9.9.9.9',
  },
  {
    name: 'mapped /104 range trusts IPv4 peers',
    config: 'array-mapped',
    peer: '127.0.0.1',
    headers: [['X-Forwarded-For', '8.8.8.8, ::ffff:10.0.0.5']],
    want: '8.8.8.8',
  },
  {
    name: 'mapped single address stored as IPv4',
    config: 'array-mapped',
    peer: '::ffff:127.0.0.1',
    headers: [['X-Forwarded-For', '8.8.8.8, 10.0.0.5']],
    want: '8.8.8.8',
  },
  {
    name: 'linklocal: fe80::/10 trusts fe80::1',
    config: 'linklocal-ipv6',
    peer: '::1',
    headers: [['X-Forwarded-For', '2606:4700::1, fe80::1']],
    want: '2606:4700::1',
  },
];
