/**
 * Host + path-prefix routing, compiled once per runtime. The most specific route wins: exact host, then the
 * longest matching `*.suffix` wildcard, then routes without a host; within those, the longest path prefix.
 * A prefix not ending in `/` matches on a segment boundary (`/api` matches `/api` and `/api/x`, not `/apix`).
 */

export interface Routable {
  readonly name: string;
  readonly host?: string;
  readonly pathPrefix: string;
}

export class Router<R extends Routable> {
  readonly #exact = new Map<string, R[]>();
  /** [suffix with leading dot, routes], longest suffix first. */
  readonly #wildcard: Array<[string, R[]]> = [];
  readonly #any: R[] = [];

  constructor(routes: readonly R[]) {
    const byLength = (a: R, b: R) => b.pathPrefix.length - a.pathPrefix.length;
    const wild = new Map<string, R[]>();
    for (const route of routes) {
      const host = route.host?.toLowerCase();
      if (host === undefined || host === '' || host === '*') this.#any.push(route);
      else if (host.startsWith('*.')) {
        const suffix = host.slice(1);
        wild.set(suffix, [...(wild.get(suffix) ?? []), route]);
      } else this.#exact.set(host, [...(this.#exact.get(host) ?? []), route]);
    }
    for (const list of this.#exact.values()) list.sort(byLength);
    for (const [suffix, list] of wild) this.#wildcard.push([suffix, list.sort(byLength)]);
    this.#wildcard.sort((a, b) => b[0].length - a[0].length);
    this.#any.sort(byLength);
  }

  /** `host`: lower-case, without port; `path`: the target's path (no query). */
  match(host: string, path: string): R | null {
    const exact = this.#exact.get(host);
    if (exact !== undefined) {
      const r = firstPrefix(exact, path);
      if (r !== null) return r;
    }
    for (let i = 0; i < this.#wildcard.length; i++) {
      const [suffix, list] = this.#wildcard[i]!;
      if (host.length > suffix.length && host.endsWith(suffix)) {
        const r = firstPrefix(list, path);
        if (r !== null) return r;
      }
    }
    return firstPrefix(this.#any, path);
  }
}

function firstPrefix<R extends Routable>(routes: readonly R[], path: string): R | null {
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i]!;
    if (prefixMatches(route.pathPrefix, path)) return route;
  }
  return null;
}

export function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '' || prefix === '/') return true;
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length || prefix.charCodeAt(prefix.length - 1) === 47) return true;
  return path.charCodeAt(prefix.length) === 47;
}

/** Host header value → routing key: lower-case (already), port removed, `[v6]` kept with brackets. */
export function hostWithoutPort(host: string): string {
  if (host.charCodeAt(0) === 91) {
    const close = host.indexOf(']');
    return close < 0 ? host : host.slice(0, close + 1);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
