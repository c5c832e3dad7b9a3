/** The `trust proxy` settings of the Express differential test and vectors. */
import type { ResolverOptions } from '../../src/core/trust/types.ts';

/** `trust proxy` as given to Express, and the same as our resolver options. */
export interface ExpressConfig {
  readonly name: string;
  readonly setting: boolean | number | string | string[];
  readonly options: ResolverOptions;
}

function csv(name: string, value: string): ExpressConfig {
  return { name, setting: value, options: { semantics: 'express', trusted: value.split(',').map((v) => v.trim()) } };
}

export const EXPRESS_CONFIGS: readonly ExpressConfig[] = [
  { name: 'false', setting: false, options: { semantics: 'express' } },
  { name: 'true', setting: true, options: { semantics: 'express', trustAll: true } },
  { name: 'hops-0', setting: 0, options: { semantics: 'express', hops: 0 } },
  { name: 'hops-1', setting: 1, options: { semantics: 'express', hops: 1 } },
  { name: 'hops-2', setting: 2, options: { semantics: 'express', hops: 2 } },
  { name: 'hops-5', setting: 5, options: { semantics: 'express', hops: 5 } },
  csv('loopback', 'loopback'),
  csv('loopback-uniquelocal', 'loopback, uniquelocal'),
  csv('mixed-csv', '127.0.0.2/31, 10.0.0.0/255.0.0.0, 2001:db8::/32, ::1'),
  csv('short-forms', '10/8, 127.0.0.1, 0xc0.0xa8.0.0/16, 172.16.0.1/12'),
  {
    name: 'array-mapped',
    setting: ['::ffff:127.0.0.0/104', '::ffff:10.0.0.5', '192.168.0.0/16'],
    options: { semantics: 'express', trusted: ['::ffff:127.0.0.0/104', '::ffff:10.0.0.5', '192.168.0.0/16'] },
  },
  csv('linklocal-ipv6', 'linklocal, ::1/128, 2001:db8::/48, fe80::/10'),
  {
    name: 'csv-as-one-item',
    setting: ' loopback ,10.0.0.0/8 ',
    options: { semantics: 'express', trusted: [' loopback ,10.0.0.0/8 '] },
  },
];
