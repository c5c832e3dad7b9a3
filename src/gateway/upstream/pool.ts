/**
 * Upstream pools: per target, a stack of idle keep-alive connections; targets picked round-robin.
 * Socket events are bound once per connection and dispatched to the connection's current owner (the
 * client connection whose exchange uses it), so a request costs no closures. An idle connection that
 * receives bytes or closes is dropped (the upstream may close idle connections at any time).
 */
import net from 'node:net';
import { ConfigError } from '../../core/errors.ts';
import type { UpstreamConfig } from '../config/types.ts';

export interface UpstreamOwner {
  onUpstreamConnect(conn: UpstreamConn): void;
  onUpstreamData(conn: UpstreamConn, chunk: Buffer): void;
  /** The connection closed; `kind` is '' (clean close), 'connect', 'connect-timeout' or 'reset'. */
  onUpstreamClose(conn: UpstreamConn, kind: string): void;
  onUpstreamDrain(conn: UpstreamConn): void;
}

export interface UpstreamTarget {
  readonly host: string;
  readonly port: number;
  /** As configured, for logs (`10.0.0.5:8080`, `[2001:db8::5]:80`). */
  readonly text: string;
}

export class UpstreamConn {
  readonly socket: net.Socket;
  readonly target: UpstreamTarget;
  readonly pool: UpstreamPool;
  owner: UpstreamOwner | null;
  connected = false;
  /** Used before by another exchange (a failure before any response byte may be a stale keep-alive). */
  reused = false;
  /** May go back to the idle stack (false for PROXY-protocol and upgraded connections). */
  poolable: boolean;
  closed = false;
  #errorKind = '';

  constructor(pool: UpstreamPool, target: UpstreamTarget, owner: UpstreamOwner, poolable: boolean) {
    this.pool = pool;
    this.target = target;
    this.owner = owner;
    this.poolable = poolable;
    const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
    this.socket = socket;
    socket.setTimeout(pool.connectTimeoutMs);
    socket.on('connect', () => {
      this.connected = true;
      socket.setTimeout(0);
      this.owner?.onUpstreamConnect(this);
    });
    socket.on('timeout', () => {
      if (!this.connected) this.#errorKind = 'connect-timeout';
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      const owner = this.owner;
      if (owner !== null) owner.onUpstreamData(this, chunk);
      else socket.destroy(); // bytes on an idle connection: it can no longer be trusted to be in sync
    });
    socket.on('drain', () => this.owner?.onUpstreamDrain(this));
    socket.on('error', () => {
      if (this.#errorKind === '') this.#errorKind = this.connected ? 'reset' : 'connect';
    });
    socket.on('close', () => {
      this.closed = true;
      const owner = this.owner;
      this.owner = null;
      if (owner !== null) owner.onUpstreamClose(this, this.#errorKind);
      else this.pool.forget(this);
    });
  }

  /** Detach from the owner and close (never reused). */
  destroy(): void {
    this.owner = null;
    this.socket.destroy();
  }
}

/** Parses `host:port` / `[v6]:port` (setup time). */
export function parseTarget(text: string, key: string): UpstreamTarget {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':')
      throw new ConfigError(`invalid upstream target ${JSON.stringify(text)}`, { key });
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0 || text.indexOf(':') !== colon) {
      throw new ConfigError(`invalid upstream target ${JSON.stringify(text)} (want host:port)`, { key });
    }
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  const port = Number(portText);
  if (!/^[0-9]{1,5}$/.test(portText) || port < 1 || port > 65535) {
    throw new ConfigError(`invalid port in upstream target ${JSON.stringify(text)}`, { key });
  }
  return { host, port, text };
}

export class UpstreamPool {
  readonly name: string;
  readonly targets: readonly UpstreamTarget[];
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly #keepAlive: number;
  readonly #idle: UpstreamConn[][];
  #next = 0;
  #closed = false;

  constructor(config: UpstreamConfig) {
    this.name = config.name;
    if (config.targets.length === 0)
      throw new ConfigError('an upstream needs at least one target', { key: config.name });
    this.targets = config.targets.map((t, i) => parseTarget(t, `upstreams.${config.name}.targets[${i}]`));
    this.connectTimeoutMs = config.connectTimeoutMs;
    this.responseTimeoutMs = config.responseTimeoutMs;
    this.#keepAlive = config.keepAlive;
    this.#idle = this.targets.map(() => []);
  }

  /**
   * A connection for `owner`: an idle one of the next target (already `connected`; the caller proceeds at
   * once) or a new one (the owner's `onUpstreamConnect` follows).
   */
  acquire(owner: UpstreamOwner, poolable: boolean): UpstreamConn {
    const index = this.#next;
    this.#next = index + 1 >= this.targets.length ? 0 : index + 1;
    if (poolable) {
      const idle = this.#idle[index]!;
      while (idle.length > 0) {
        const conn = idle.pop()!;
        if (conn.closed || conn.socket.destroyed) continue;
        conn.owner = owner;
        conn.reused = true;
        return conn;
      }
    }
    return new UpstreamConn(this, this.targets[index]!, owner, poolable);
  }

  /** A fresh connection to the same target (retry after a stale keep-alive connection failed). */
  fresh(owner: UpstreamOwner, target: UpstreamTarget, poolable: boolean): UpstreamConn {
    return new UpstreamConn(this, target, owner, poolable);
  }

  /** The exchange finished cleanly: keep the connection for reuse, or close it. */
  release(conn: UpstreamConn): void {
    conn.owner = null;
    if (this.#closed || !conn.poolable || conn.closed || conn.socket.destroyed) {
      conn.socket.destroy();
      return;
    }
    const index = this.targets.indexOf(conn.target);
    const idle = this.#idle[index];
    if (idle === undefined || idle.length >= this.#keepAlive) {
      conn.socket.destroy();
      return;
    }
    idle.push(conn);
  }

  forget(conn: UpstreamConn): void {
    const index = this.targets.indexOf(conn.target);
    const idle = this.#idle[index];
    if (idle === undefined) return;
    const at = idle.indexOf(conn);
    if (at >= 0) idle.splice(at, 1);
  }

  /** Idle connections close now; busy ones close when released. */
  close(): void {
    this.#closed = true;
    for (const idle of this.#idle) {
      for (const conn of idle.splice(0)) conn.socket.destroy();
    }
  }

  /** Idle connections currently kept (tests). */
  idleCount(): number {
    let n = 0;
    for (const idle of this.#idle) n += idle.length;
    return n;
  }
}
