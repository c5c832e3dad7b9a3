/**
 * Builds PolicyRequest values for the policy tables (unit tests, the end-to-end tests and the
 * benchmark share it).
 */
import { parseIP } from '../../core/ip/address.ts';
import type { PolicyRequest } from './types.ts';

/**
 * @param client resolved client text, or null when the resolver refused
 * @param peer direct peer text, or null
 */
export function policyRequest(
  client: string | null,
  peer: string | null,
  headers: Record<string, string> = {},
  route = 'api',
): PolicyRequest {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const ip = (text: string | null) => {
    if (text === null) return null;
    const parsed = parseIP(text);
    if (parsed === null) throw new Error(`bad test address ${text}`);
    return parsed;
  };
  return {
    listener: 'public',
    route,
    client: ip(client),
    peer: ip(peer),
    method: 'GET',
    path: '/',
    header: (name) => lower.get(name.toLowerCase()),
  };
}
