/** Every rule, in id order. Ids and slugs are public API: never renumber, never reuse. */
import type { Rule } from '../types.ts';
import { rule as sip101 } from './sip-101.ts';
import { rule as sip102 } from './sip-102.ts';
import { rule as sip103 } from './sip-103.ts';
import { rule as sip104 } from './sip-104.ts';
import { rule as sip105 } from './sip-105.ts';
import { rule as sip106 } from './sip-106.ts';
import { rule as sip107 } from './sip-107.ts';
import { rule as sip108 } from './sip-108.ts';
import { rule as sip109 } from './sip-109.ts';
import { rule as sip110 } from './sip-110.ts';
import { rule as sip201 } from './sip-201.ts';
import { rule as sip202 } from './sip-202.ts';
import { rule as sip203 } from './sip-203.ts';
import { rule as sip301 } from './sip-301.ts';
import { rule as sip302 } from './sip-302.ts';
import { rule as sip303 } from './sip-303.ts';
import { rule as sip304 } from './sip-304.ts';
import { rule as sip305 } from './sip-305.ts';
import { rule as sip401 } from './sip-401.ts';
import { rule as sip402 } from './sip-402.ts';
import { rule as sip403 } from './sip-403.ts';
import { rule as sip404 } from './sip-404.ts';
import { rule as sip405 } from './sip-405.ts';
import { rule as sip406 } from './sip-406.ts';
import { rule as sip407 } from './sip-407.ts';
import { rule as sip408 } from './sip-408.ts';
import { rule as sip409 } from './sip-409.ts';
import { rule as sip410 } from './sip-410.ts';
import { rule as sip411 } from './sip-411.ts';
import { rule as sip412 } from './sip-412.ts';

export const RULES: readonly Rule[] = [
  sip101,
  sip102,
  sip103,
  sip104,
  sip105,
  sip106,
  sip107,
  sip108,
  sip109,
  sip110,
  sip201,
  sip202,
  sip203,
  sip301,
  sip302,
  sip303,
  sip304,
  sip305,
  sip401,
  sip402,
  sip403,
  sip404,
  sip405,
  sip406,
  sip407,
  sip408,
  sip409,
  sip410,
  sip411,
  sip412,
];

/** Finds a rule by id (`SIP-301`, case-insensitive) or slug. */
export function findRule(idOrSlug: string): Rule | undefined {
  const key = idOrSlug.trim().toLowerCase();
  return RULES.find((r) => r.id.toLowerCase() === key || r.slug === key);
}
