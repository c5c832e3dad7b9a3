/**
 * Contract between the gateway's request path (gateway/http1) and its policies (issue 8:
 * rate limits, allow/deny lists). The request path asks once per request; `null` from
 * `forRoute`/`forListener` means "no policy here" and costs nothing.
 */
import type { IPAddress } from '../../core/ip/types.ts';

export interface PolicyRequest {
  readonly listener: string;
  readonly route: string;
  /** The resolved client (null when the resolver refused). */
  readonly client: IPAddress | null;
  /** The direct TCP peer (or the PROXY-protocol source). */
  readonly peer: IPAddress | null;
  readonly method: string;
  readonly path: string;
  /** First value of a request header, lower-case name. */
  header(name: string): string | undefined;
}

export type PolicyDecision =
  | 'allow'
  | 'deny'
  | 'limit'
  | 'dry-run-deny'
  | 'dry-run-limit'
  | 'store-error-open'
  | 'store-error-closed';

export interface PolicyOutcome {
  /** False: answer `status` with `headers` and do not forward. */
  readonly allowed: boolean;
  readonly status: number;
  /** Added to the response either way (e.g. RateLimit headers), lower-case names. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Name of the policy that decided (`route:api/rate-limit`), for logs and metrics. */
  readonly policy: string;
  readonly decision: PolicyDecision;
}

export interface PolicyChain {
  check(request: PolicyRequest): PolicyOutcome | Promise<PolicyOutcome>;
}

export interface PolicyEngine {
  forListener(listener: string): PolicyChain | null;
  forRoute(route: string): PolicyChain | null;
  close(): Promise<void>;
}
