/**
 * Hand-picked inputs for the vector tables: each names one behaviour of nginx 1.22 or Express 5.
 * The expected answers are not written here: test/resolve/record-vectors.ts asks the real
 * programs and writes them into src/core/trust/{nginx,express}.vectors.ts.
 */

type Lines = [string, string][];

export interface NginxCase {
  readonly name: string;
  /** A name from NGINX_CONFIGS. */
  readonly config: string;
  /** Source address of the connection (127.x.y.z or ::1). */
  readonly peer: string;
  readonly headers: Lines;
}

const xff = (...values: string[]): Lines => values.map((v) => ['X-Forwarded-For', v]);

function n(name: string, config: string, peer: string, headers: Lines): NginxCase {
  return { name, config, peer, headers };
}

const R = 'xff-recursive';
const P = '127.0.0.1';

export const NGINX_CASES: readonly NginxCase[] = [
  n('recursive: first untrusted from the right', R, P, [...xff('1.1.1.1, 10.0.0.2'), ['X-Real-IP', '5.5.5.5']]),
  n('recursive: every entry trusted gives the leftmost (never checked)', R, P, xff('10.0.0.3, 10.0.0.2')),
  n('recursive: an invalid entry stops the walk on the last trusted hop', R, P, xff('1.1.1.1, bogus, 10.0.0.2')),
  n('recursive: invalid rightmost entry leaves the peer', R, P, xff('1.1.1.1, bogus')),
  n('recursive: lines merge last to first', R, P, xff('1.1.1.1', '10.0.0.2')),
  n('recursive: other-cased names are the same header', R, P, [
    ['x-forwarded-for', '1.1.1.1'],
    ['X-FORWARDED-FOR', '10.0.0.2'],
  ]),
  n('port: ip:port sets $remote_port', R, P, xff('9.9.9.9, 2.2.2.2:8080')),
  n('port: [v6]:port sets $remote_port', R, P, xff('9.9.9.9, [2606:4700::1111]:443')),
  n('port: bracketed IPv4 with port parses', R, P, xff('[1.2.3.4]:80')),
  n('port: leading zeros in the port are read as decimal', R, P, xff('1.2.3.4:0080')),
  n('port: port 0 is invalid', R, P, xff('9.9.9.9, 1.2.3.4:0')),
  n('port: port 65536 is invalid', R, P, xff('9.9.9.9, 1.2.3.4:65536')),
  n('port: a trusted hop with a port keeps its port when the walk stops on it', R, P, xff('nope, 10.0.0.7:4711')),
  n('brackets: [v6] without port is invalid in 1.22', R, P, xff('9.9.9.9, [2001:db8::1]')),
  n('zone: fe80::1%eth0 is invalid', R, P, xff('9.9.9.9, fe80::1%eth0')),
  n('unknown is invalid', R, P, xff('9.9.9.9, unknown')),
  n('TAB is not a separator', R, P, xff('9.9.9.9,\t10.0.0.2')),
  n('space alone separates', R, P, xff('9.9.9.9 10.0.0.2')),
  n('mapped IPv6 is matched against IPv4 ranges', R, P, xff('9.9.9.9, ::ffff:10.0.0.2')),
  n('mapped IPv6 never matches an IPv6 ::ffff:/120 range', R, P, xff('9.9.9.9, ::ffff:1.2.3.4')),
  n('leading zero octets are decimal', R, P, xff('01.1.1.1')),
  n('empty octets count as zero', R, P, xff('9.9.9.9, 10..0.1')),
  n('255.255.255.255 is INADDR_NONE, hence invalid', R, P, xff('9.9.9.9, 255.255.255.255')),
  n('IPv6 prints compressed (RFC 5952-like)', R, P, xff('2001:DB8:0:0:1:0:0:1')),
  n('IPv6 ::102 prints as ::0.0.1.2', R, P, xff('::102')),
  n('IPv6 ::101 prints as ::101', R, P, xff('::101')),
  n('IPv6 ::1:0 prints as ::0.1.0.0', R, P, xff('::1:0')),
  n('IPv6 ::1.2.3.4 parses and prints dotted', R, P, xff('::1.2.3.4')),
  n('IPv6 with a single leading colon parses', R, P, xff(':1:2:3:4:5:6:7:8')),
  n('IPv6 :: standing for no group is invalid', R, P, xff('9.9.9.9, 1::2:3:4:5:6:7:8')),
  n('empty entries are skipped', R, P, xff('1.1.1.1,, ,10.0.0.2')),
  n('leading comma makes the first entry invalid', R, P, xff(',1.1.1.1')),
  n('leading comma-space is an invalid entry after a good one', R, P, xff(', 1.1.1.1, 10.0.0.2')),
  n('a line starting with a separator does not recurse into the previous line', R, P, xff('1.1.1.1', ', 10.0.0.2')),
  n('an empty last line leaves the peer', R, P, xff('1.1.1.1', '')),
  n('an empty middle line stops the walk', R, P, xff('1.1.1.1', '', '10.0.0.2')),
  n('leading/trailing spaces of the value are dropped', R, P, xff('  10.0.0.3  ')),
  n('untrusted peer: header ignored', R, '127.0.0.5', xff('1.1.1.1')),
  n('IPv6 peer ::1 trusted', R, '::1', xff('2001:db8::5, 2606:4700::1111')),
  n('IPv6 peer, IPv6 all trusted', R, '::1', xff('2001:db8::5, 2001:db8::6')),
  n('no header: the peer', R, P, [['X-Real-IP', '5.5.5.5']]),
  n('off: the rightmost entry even when trusted', 'xff-single', P, xff('1.1.1.1, 10.0.0.2')),
  n('off: only the last line', 'xff-single', P, xff('1.1.1.1', '10.0.0.2')),
  n('off: invalid rightmost leaves the peer', 'xff-single', P, xff('1.1.1.1, bogus')),
  n('X-Real-IP is parsed as a list', 'xrealip-single', P, [['X-Real-IP', '5.5.5.5, 6.6.6.6']]),
  n('X-Real-IP: first line only', 'xrealip-single', P, [
    ['X-Real-IP', '5.5.5.5'],
    ['X-Real-IP', '6.6.6.6'],
    ...xff('7.7.7.7'),
  ]),
  n('X-Real-IP recursive walks the list', 'xrealip-recursive', P, [['x-real-ip', '5.5.5.5, 10.0.0.2']]),
  n('generic header: first line only', 'generic-recursive', P, [
    ['X-Client-IP', '10.0.0.3'],
    ['x-client-ip', '2.2.2.2'],
  ]),
  n(
    'lower-case x-forwarded-for is a generic header: first line only',
    'xff-lowercase-generic',
    P,
    xff('10.0.0.3', '2.2.2.2'),
  ),
  n('lower-case x-real-ip is generic too', 'xrealip-lowercase-generic', P, [
    ['X-Real-IP', '5.5.5.5'],
    ['X-Real-IP', '6.6.6.6'],
  ]),
  n('trust everything: the leftmost entry wins', 'trust-all', '127.1.2.3', xff('1.2.3.4, 5.6.7.8')),
  n('trust everything: IPv6 peer', 'trust-all', '::1', xff('1.2.3.4, 2606:4700::1')),
  n('127.0.0.1 untrusted when only 127.0.0.2 is listed', 'v4-only-untrusted-loopback', P, xff('10.0.0.1')),
  n('127.0.0.2 trusted', 'v4-only-untrusted-loopback', '127.0.0.2', xff('1.1.1.1, 10.0.0.1')),
  n('::1 untrusted without an IPv6 entry', 'v4-only-untrusted-loopback', '::1', xff('1.1.1.1')),
  n('a header name with _ never matches (lines with _ are ignored)', 'underscore-header', P, [
    ['X_Forwarded_For', '1.1.1.1'],
  ]),
  n('an IPv6 ::ffff:/104 entry never trusts an IPv4 peer', 'mapped-cidrs-only', P, xff('1.1.1.1')),
  n('::/0 trusts IPv6 peers only', 'v6-any-unix', '::1', xff('1.1.1.1, 2606:4700::1')),
  n('::/0 does not trust an IPv4 peer', 'v6-any-unix', P, xff('1.1.1.1')),
  n('no set_real_ip_from: the module is off', 'module-off', P, xff('1.1.1.1')),
];

export interface ExpressCase {
  readonly name: string;
  /** A name from EXPRESS_CONFIGS. */
  readonly config: string;
  /** IPv4 listener (peer `127.x.y.z`) or dual-stack listener (peer `::ffff:127.x.y.z` or `::1`). */
  readonly listener: 'v4' | 'dual';
  readonly source: string;
  readonly headers: Lines;
}

function e(name: string, config: string, listener: 'v4' | 'dual', source: string, headers: Lines): ExpressCase {
  return { name, config, listener, source, headers };
}

export const EXPRESS_CASES: readonly ExpressCase[] = [
  e('false: the socket address, headers ignored', 'false', 'v4', P, [...xff('1.1.1.1'), ['X-Real-IP', '5.5.5.5']]),
  e('false: dual-stack socket address is ::ffff:-mapped', 'false', 'dual', P, xff('1.1.1.1')),
  e('true: the leftmost entry', 'true', 'v4', P, xff('10.0.0.1, 10.0.0.2')),
  e('true: the leftmost entry even when it is not an IP', 'true', 'v4', P, xff('garbage, 1.2.3.4')),
  e('true: lines joined with ", "', 'true', 'dual', P, xff('1.1.1.1', '2.2.2.2')),
  e('true: Node trims TAB at line ends', 'true', 'v4', P, xff('\t1.2.3.4\t')),
  e('true: no header gives the socket', 'true', 'dual', '::1', [['X-Real-IP', '5.5.5.5']]),
  e('hops 0: nothing trusted', 'hops-0', 'v4', P, xff('1.1.1.1')),
  e('hops 1: the rightmost entry', 'hops-1', 'v4', P, xff('1.1.1.1, 2.2.2.2')),
  e('hops 1: a TAB inside the value stays in the entry', 'hops-1', 'v4', P, xff('1.2.3.4,\t5.6.7.8')),
  e('hops 2: too short a chain gives the leftmost', 'hops-2', 'v4', P, xff('1.1.1.1')),
  e('hops 2: second from the right', 'hops-2', 'dual', P, xff('1.1.1.1, 2.2.2.2, 3.3.3.3')),
  e('loopback: a non-IP entry is returned verbatim', 'loopback', 'dual', P, xff('myrouter, 127.0.0.1, proxy')),
  e('loopback: mapped socket matches 127.0.0.1/8', 'loopback', 'dual', '127.0.0.2', xff('8.8.8.8')),
  e('loopback: ::1 is trusted via ::1/128', 'loopback', 'dual', '::1', xff('2002:c000:203::1')),
  e(
    'uniquelocal: ip:port is not an IP, returned verbatim',
    'loopback-uniquelocal',
    'v4',
    P,
    xff('1.2.3.4:80, 10.0.0.1'),
  ),
  e('uniquelocal: unknown is returned verbatim', 'loopback-uniquelocal', 'v4', P, xff('unknown, 10.0.0.1')),
  e('uniquelocal: bracketed IPv6 is returned verbatim', 'loopback-uniquelocal', 'v4', P, xff('[::1]')),
  e('uniquelocal: empty entries skipped', 'loopback-uniquelocal', 'v4', P, xff(', , 10.0.0.1,,')),
  e('uniquelocal: lines joined, walked right to left', 'loopback-uniquelocal', 'dual', P, xff('1.1.1.1', '10.0.0.1')),
  e('uniquelocal: octal 012.0.0.1 is 10.0.0.1, trusted', 'loopback-uniquelocal', 'v4', P, xff('9.9.9.9, 012.0.0.1')),
  e('uniquelocal: 167772161 is 10.0.0.1, trusted', 'loopback-uniquelocal', 'v4', P, xff('9.9.9.9, 167772161')),
  e('uniquelocal: mapped entry matches IPv4 range', 'loopback-uniquelocal', 'v4', P, xff('9.9.9.9, ::ffff:10.0.0.1')),
  e(
    'uniquelocal: ::1.2.3.4 is not an IP for ipaddr.js 1.9.1',
    'loopback-uniquelocal',
    'v4',
    P,
    xff('9.9.9.9, ::10.0.0.1'),
  ),
  e('uniquelocal: zone accepted and ignored', 'loopback-uniquelocal', 'v4', P, xff('9.9.9.9, fd00::1%eth0')),
  e('csv netmask 255.0.0.0 trusts 10/8', 'mixed-csv', 'v4', '127.0.0.2', xff('9.9.9.9, 10.1.2.3')),
  e('csv: 127.0.0.2/31 does not cover 127.0.0.1', 'mixed-csv', 'v4', P, xff('9.9.9.9')),
  e('short form 10/8 means 0.0.0.0/8', 'short-forms', 'v4', P, xff('9.9.9.9, 10.0.0.1')),
  e('short form 10/8 trusts 0.0.0.5', 'short-forms', 'v4', P, xff('9.9.9.9, 0.0.0.5')),
  e('hex dotted range 0xc0.0xa8.0.0/16 trusts 192.168/16', 'short-forms', 'v4', P, xff('9.9.9.9, 192.168.4.4')),
  e('mapped /104 range trusts IPv4 peers', 'array-mapped', 'v4', P, xff('8.8.8.8, ::ffff:10.0.0.5')),
  e('mapped single address stored as IPv4', 'array-mapped', 'dual', P, xff('8.8.8.8, 10.0.0.5')),
  e('linklocal: fe80::/10 trusts fe80::1', 'linklocal-ipv6', 'dual', '::1', xff('2606:4700::1, fe80::1')),
];
