/**
 * Per-listener PROXY protocol counters. Each connection that reaches the header phase ends in
 * exactly one outcome, so the counters add up to the connections seen. The gateway exports them
 * as `sourceip_proxy_protocol_connections_total{listener,outcome}`; docs/proxy-protocol.md
 * describes each outcome.
 */

export type ProxyOutcome = 'accepted' | 'rejected' | 'missing' | 'invalid' | 'timedOut' | 'aborted' | 'passthrough';

/** Every outcome, in the order docs and metrics list them. */
export const PROXY_OUTCOMES: readonly ProxyOutcome[] = Object.freeze([
  'accepted',
  'rejected',
  'missing',
  'invalid',
  'timedOut',
  'aborted',
  'passthrough',
]);

/** Metric label value for an outcome (snake case, Prometheus style). */
export function outcomeLabel(outcome: ProxyOutcome): string {
  return outcome === 'timedOut' ? 'timed_out' : outcome;
}

export interface ProxyCountersSnapshot {
  /** A valid header was read (PROXY or LOCAL) and the connection handed on. */
  readonly accepted: number;
  /** The direct peer is not in the trusted ranges of a `required` listener: closed unread. */
  readonly rejected: number;
  /**
   * The first bytes are not a PROXY header (a trusted peer on a listener that reads one): closed
   * on `required`, handed on untouched on `optional`.
   */
  readonly missing: number;
  /** A PROXY signature followed by a broken rule (bad address, CRC32C mismatch, …): closed. */
  readonly invalid: number;
  /** The header did not complete within the timeout (slowloris, idle peer): closed. */
  readonly timedOut: number;
  /** The peer closed or reset the connection before the header completed. */
  readonly aborted: number;
  /** `optional` listener, untrusted peer: handed on without looking at its bytes. */
  readonly passthrough: number;
}

/** Mutable counters owned by one listener; read them with `snapshot()`. */
export class ProxyCounters {
  accepted = 0;
  rejected = 0;
  missing = 0;
  invalid = 0;
  timedOut = 0;
  aborted = 0;
  passthrough = 0;

  count(outcome: ProxyOutcome): void {
    this[outcome]++;
  }

  snapshot(): ProxyCountersSnapshot {
    return {
      accepted: this.accepted,
      rejected: this.rejected,
      missing: this.missing,
      invalid: this.invalid,
      timedOut: this.timedOut,
      aborted: this.aborted,
      passthrough: this.passthrough,
    };
  }
}
