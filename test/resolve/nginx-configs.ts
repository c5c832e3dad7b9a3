/** The realip configurations and source addresses of the nginx differential test and vectors. */
import type { NginxServerConfig } from './nginx-runner.ts';

const TRUST = [
  '127.0.0.0/30',
  '::1',
  '10.0.0.0/8',
  '192.168.0.0/16',
  '172.16.0.1/12',
  '2001:db8::/32',
  '::ffff:1.2.3.0/120',
  '010.000.0.1',
];

export const NGINX_CONFIGS: readonly NginxServerConfig[] = [
  { name: 'xff-recursive', trusted: TRUST, header: 'X-Forwarded-For', recursive: true },
  { name: 'xff-single', trusted: TRUST, header: 'X-Forwarded-For', recursive: false },
  { name: 'xrealip-recursive', trusted: TRUST, header: 'X-Real-IP', recursive: true },
  { name: 'xrealip-single', trusted: TRUST, header: 'X-Real-IP', recursive: false },
  { name: 'generic-recursive', trusted: TRUST, header: 'X-Client-IP', recursive: true },
  { name: 'xff-lowercase-generic', trusted: TRUST, header: 'x-forwarded-for', recursive: true },
  { name: 'xrealip-lowercase-generic', trusted: TRUST, header: 'x-real-ip', recursive: false },
  { name: 'trust-all', trusted: ['0.0.0.0/0', '::/0'], header: 'X-Forwarded-For', recursive: true },
  {
    name: 'v4-only-untrusted-loopback',
    trusted: ['10.0.0.0/8', '127.0.0.2'],
    header: 'X-Forwarded-For',
    recursive: true,
  },
  { name: 'underscore-header', trusted: TRUST, header: 'X_Forwarded_For', recursive: true },
  {
    name: 'mapped-cidrs-only',
    trusted: ['::ffff:127.0.0.0/104', '::ffff:10.0.0.0/104', '2001:db8::/32'],
    header: 'X-Forwarded-For',
    recursive: true,
  },
  { name: 'v6-any-unix', trusted: ['::/0', 'unix:', '192.168.0.0/16'], header: 'X-Forwarded-For', recursive: true },
  { name: 'module-off', trusted: [], header: 'X-Forwarded-For', recursive: true },
];

/** Source addresses (the TCP peers nginx sees): trusted 127.0.0.1–3 and ::1, untrusted others. */
export const PEERS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.5', '127.1.2.3', '::1'];
