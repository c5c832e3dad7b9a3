/**
 * `sourceip gateway` assembled: load the config → compileRuntime → one engine listener per
 * configured listener → listen; the admin listener (metrics, health); SIGHUP reload and
 * SIGTERM/SIGINT drain.
 *
 * Reload (SIGHUP or `reload()`): the file is read and validated again. An invalid file, or one
 * the engine cannot compile, changes nothing and is logged with the reason (and counted in
 * `sourceip_config_reloads_total{result="failure"}`). A valid one becomes the runtime of every
 * connection accepted from then on; open connections keep the runtime they were accepted with.
 * Listeners are matched by name: new ones are bound, removed ones stop accepting and drain,
 * changed ones (address, TLS, PROXY mode or timeout) are rebound — on a new
 * address the new socket is bound before the old one closes; on the same address the old socket
 * closes first (new connections are refused for the instant in between). Every new socket is
 * bound before the runtime switches, so a port that cannot be bound fails the whole reload.
 *
 * Drain (SIGTERM/SIGINT or `shutdown()`): readiness fails (and, with `shutdownDelayMs`, the
 * listeners keep accepting that long so load balancers notice), then every listener stops accepting,
 * idle keep-alive connections close, in-flight requests finish (answered with
 * `Connection: close`) until none is left or `drainTimeoutMs` passes; then the rest are cut and
 * the process exits 0. A second signal cuts at once.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { DestinationStream, Logger } from 'pino';
import { ConfigError } from '../core/errors.ts';
import { createGatewayLogger } from './admin/access-log.ts';
import { createAdminServer, type HealthState } from './admin/health.ts';
import { createMetrics, type GatewayMetrics } from './admin/metrics.ts';
import { createObserver, type ObserverSettings } from './admin/observer.ts';
import { type CheckResult, checkConfigFile, checkConfigObject } from './config/load.ts';
import type { AdminConfig, GatewayConfig, ListenerConfig } from './config/types.ts';
import {
  compileRuntime,
  createListener,
  type GatewayObserver,
  type GatewayRuntime,
  type ListenerHandle,
} from './engine.ts';
import type { PolicyEngine } from './policy/types.ts';

export interface GatewayOptions {
  /** Config file; null = the embedded defaults. */
  readonly configFile?: string | null;
  /** A config in the file's shape, used instead of a file (the demo). */
  readonly configObject?: Readonly<Record<string, unknown>>;
  /** Environment for `SOURCEIP_*` overrides. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** `--log-level`: wins over `log.level` of the config. */
  readonly logLevel?: string;
  /** Log destination: a file descriptor (default 1) or a stream. */
  readonly logDestination?: number | DestinationStream;
  /** Install SIGHUP/SIGTERM/SIGINT handlers. Default true. */
  readonly handleSignals?: boolean;
  /**
   * Builds the policy engine (issue 8) for a config; called on start and on every reload, with the
   * gateway's metrics registry and logger (policy counters and store incidents go there).
   */
  readonly policies?: (config: GatewayConfig, context: PolicyContext) => PolicyEngine | undefined;
  /** Extra JSON endpoints of the admin listener (`/debug/top-limited`), path → body. */
  readonly adminRoutes?: Readonly<Record<string, () => unknown>>;
  /** Reported in `sourceip_build_info{version}`. */
  readonly version?: string;
}

/** What the gateway hands its policy factory. */
export interface PolicyContext {
  readonly registry: GatewayMetrics['registry'];
  readonly logger: Logger;
}

export interface BoundListener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface ReloadResult {
  readonly ok: boolean;
  readonly errors: readonly string[];
  readonly generation: number;
}

export interface RunningGateway {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** The bound address of every active listener (the real port when the config says 0). */
  listeners(): BoundListener[];
  admin(): BoundListener | null;
  reload(): Promise<ReloadResult>;
  /** Starts the drain (idempotent); resolves when everything is closed. */
  shutdown(reason?: string): Promise<void>;
  /** Resolves once the gateway has stopped. */
  readonly closed: Promise<void>;
}

interface ActiveListener {
  config: ListenerConfig;
  readonly handle: ListenerHandle;
  port: number;
}

interface Retiring {
  readonly handle: ListenerHandle;
  readonly deadline: number;
}

/**
 * Starts the gateway. Throws ConfigError (with key and file:line) for an invalid config or an
 * address that cannot be bound.
 * @example
 * const gateway = await startGateway({ configFile: 'sourceip.yaml' });
 * await gateway.closed; // after SIGTERM
 */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const read = (): CheckResult =>
    options.configObject !== undefined
      ? checkConfigObject(options.configObject as Record<string, unknown>, '<demo>', env)
      : checkConfigFile(options.configFile ?? null, env);

  // Signals that arrive while starting are held and acted on once the gateway is up
  // (SIGHUP's default action would otherwise kill the process).
  const early = { hangup: false, terminate: null as NodeJS.Signals | null };
  const earlyHangup = (): void => {
    early.hangup = true;
  };
  const earlyTerminate = (signal: NodeJS.Signals): void => {
    early.terminate = signal;
  };
  const removeEarly = (): void => {
    process.off('SIGHUP', earlyHangup);
    process.off('SIGTERM', earlyTerminate);
    process.off('SIGINT', earlyTerminate);
  };
  if (options.handleSignals !== false) {
    process.on('SIGHUP', earlyHangup);
    process.on('SIGTERM', earlyTerminate);
    process.on('SIGINT', earlyTerminate);
  }

  const first = read();
  if (first.config === null) {
    removeEarly();
    throw first.errors[0]!;
  }
  let config = first.config;

  const {
    logger,
    access,
    flush,
    drain: drainLog,
    dropped: logDropped,
  } = createGatewayLogger(options.logLevel ?? config.log.level, options.logDestination ?? 1);
  const metrics = createMetrics(options.version ?? 'unknown');
  const settings: ObserverSettings = { accessLog: config.log.access };
  const observer: GatewayObserver = createObserver(logger, metrics, settings, access);
  const health: HealthState = { ready: false, draining: false };
  for (const warning of first.warnings) logger.warn({ source: first.source }, `config warning: ${warning}`);

  const policyContext: PolicyContext = { registry: metrics.registry, logger };
  let policies = policiesOrExplain(() => options.policies?.(config, policyContext), first);
  let runtime: GatewayRuntime;
  try {
    runtime = compileOrExplain(config, first, policies);
  } catch (error) {
    removeEarly();
    await policies?.close();
    throw error;
  }
  for (const warning of runtime.warnings) logger.warn({ source: first.source }, `config warning: ${warning}`);
  metrics.reload('success', runtime.generation);

  const active = new Map<string, ActiveListener>();
  const retiring = new Set<Retiring>();
  const getRuntime = (): GatewayRuntime => runtime;
  let adminServer: Server | null = null;
  let adminBound: BoundListener | null = null;

  metrics.setLoadSampler(() => {
    let inFlight = 0;
    let connections = 0;
    for (const { handle } of active.values()) {
      inFlight += handle.inFlight();
      connections += handle.connections();
    }
    for (const { handle } of retiring) {
      inFlight += handle.inFlight();
      connections += handle.connections();
    }
    return { inFlight, connections, draining: health.draining, logDropped: logDropped() };
  });

  const bindListener = async (listener: ListenerConfig, index: number): Promise<ActiveListener> => {
    let handle: ListenerHandle;
    try {
      handle = createListener(listener, getRuntime, observer);
    } catch (error) {
      // e.g. a TLS certificate that does not load: point at the listener's tls key.
      if (error instanceof ConfigError) {
        const key = `listeners[${index}].tls`;
        throw new ConfigError(error.message.replace(/^\S+: /, ''), { key, ...first.locate(key) });
      }
      throw error;
    }
    try {
      const port = await listen(handle.server, listener.host, listener.port);
      return { config: listener, handle, port };
    } catch (error) {
      handle.destroyAll();
      throw bindError(error, `listeners[${index}].port`, listener.host, listener.port, first);
    }
  };

  const retire = (handle: ListenerHandle, drainMs: number): void => {
    handle.server.close();
    handle.drain();
    retiring.add({ handle, deadline: Date.now() + drainMs });
    sweeper.start();
  };
  const sweeper = createSweeper(() => {
    const now = Date.now();
    for (const entry of retiring) {
      if (entry.handle.connections() === 0) retiring.delete(entry);
      else if (now >= entry.deadline) {
        entry.handle.destroyAll();
        retiring.delete(entry);
      }
    }
    return retiring.size > 0;
  });

  const bindAdmin = async (admin: AdminConfig | undefined): Promise<void> => {
    if (adminServer) {
      const old = adminServer;
      adminServer = null;
      adminBound = null;
      await new Promise<void>((resolve) => old.close(() => resolve()));
      old.closeAllConnections();
    }
    if (!admin) return;
    const server = createAdminServer(metrics, health, options.adminRoutes);
    try {
      const port = await listen(server, admin.host, admin.port);
      adminServer = server;
      adminBound = { name: 'admin', host: admin.host, port };
      logger.info({ listener: 'admin', address: admin.host, port }, 'admin listening (/metrics /healthz /readyz)');
    } catch (error) {
      throw bindError(error, 'admin.port', admin.host, admin.port, first);
    }
  };

  // Start: bind everything or nothing.
  try {
    for (const [index, listener] of config.listeners.entries()) {
      const bound = await bindListener(listener, index);
      active.set(listener.name, bound);
    }
    await bindAdmin(config.admin);
  } catch (error) {
    removeEarly();
    for (const { handle } of active.values()) {
      handle.server.close();
      handle.destroyAll();
    }
    runtime.close();
    await policies?.close();
    flush();
    throw error;
  }
  for (const { config: listener, port } of active.values()) {
    logger.info(
      {
        listener: listener.name,
        address: listener.host,
        port,
        tls: listener.tls !== undefined,
        proxyProtocol: listener.proxyProtocol.mode,
        trust: listener.trust,
      },
      'listening',
    );
  }
  health.ready = true;
  logger.info({ source: first.source, generation: runtime.generation }, 'gateway ready');

  let reloading: Promise<ReloadResult> | null = null;
  let queued: Promise<ReloadResult> | null = null;
  const reload = (): Promise<ReloadResult> => {
    if (health.draining) return Promise.resolve({ ok: false, errors: ['draining'], generation: runtime.generation });
    if (reloading === null) {
      reloading = doReload().finally(() => {
        reloading = null;
      });
      return reloading;
    }
    // A SIGHUP during a reload: the running reload may have read the file before the latest write,
    // so one more reload follows it (several SIGHUPs meanwhile share that one).
    queued ??= reloading.then(() => {
      queued = null;
      return reload();
    });
    return queued;
  };

  const doReload = async (): Promise<ReloadResult> => {
    const next = read();
    const failure = (errors: readonly string[]): ReloadResult => {
      metrics.reload('failure');
      logger.error({ source: next.source, errors }, 'config reload failed; keeping the running config');
      return { ok: false, errors, generation: runtime.generation };
    };
    if (next.config === null) return failure(next.errors.map((error) => error.message));
    const nextConfig = next.config;
    let nextPolicies: PolicyEngine | undefined;
    try {
      nextPolicies = policiesOrExplain(() => options.policies?.(nextConfig, policyContext), next);
    } catch (error) {
      // e.g. an access-list file that no longer parses: keep the running config.
      return failure([error instanceof Error ? error.message : String(error)]);
    }
    let nextRuntime: GatewayRuntime;
    try {
      nextRuntime = compileOrExplain(nextConfig, next, nextPolicies);
    } catch (error) {
      await nextPolicies?.close();
      return failure([error instanceof Error ? error.message : String(error)]);
    }
    // Bind every new socket before switching, so a failure leaves the running state untouched.
    const fresh = new Map<string, ActiveListener>();
    const replaced: ListenerHandle[] = [];
    const closedFirst: ActiveListener[] = [];
    try {
      for (const [index, listener] of nextConfig.listeners.entries()) {
        const current = active.get(listener.name);
        if (current && !needsRebind(current.config, listener)) continue;
        const sameAddress = current && current.config.host === listener.host && current.config.port === listener.port;
        if (current && sameAddress && listener.port !== 0) {
          // Same address: the old socket must close before the new one can bind.
          current.handle.server.close();
          closedFirst.push(current);
        }
        fresh.set(listener.name, await bindListener(listener, index));
      }
    } catch (error) {
      for (const bound of fresh.values()) {
        bound.handle.server.close();
        bound.handle.destroyAll();
      }
      // Reopen sockets closed for a same-address rebind (best effort; logged if it fails).
      for (const old of closedFirst) {
        try {
          const reopened = await bindListener(old.config, 0);
          old.handle.drain();
          retiring.add({ handle: old.handle, deadline: Date.now() + config.drainTimeoutMs });
          sweeper.start();
          active.set(old.config.name, reopened);
        } catch (reopenError) {
          logger.error(
            { listener: old.config.name, err: String(reopenError) },
            'could not rebind listener after a failed reload',
          );
        }
      }
      nextRuntime.close();
      await nextPolicies?.close();
      return failure([error instanceof Error ? error.message : String(error)]);
    }

    const previousRuntime = runtime;
    const previousPolicies = policies;
    const previousConfig = config;
    runtime = nextRuntime;
    policies = nextPolicies;
    config = nextConfig;
    settings.accessLog = nextConfig.log.access;
    if (options.logLevel === undefined) logger.level = nextConfig.log.level;

    const changes: Record<string, string[]> = { added: [], removed: [], rebound: [] };
    for (const [name, bound] of fresh) {
      const old = active.get(name);
      if (old) {
        replaced.push(old.handle);
        changes.rebound!.push(name);
      } else changes.added!.push(name);
      active.set(name, bound);
      logger.info(
        {
          listener: name,
          address: bound.config.host,
          port: bound.port,
          proxyProtocol: bound.config.proxyProtocol.mode,
        },
        'listening',
      );
    }
    for (const name of [...active.keys()]) {
      if (!nextConfig.listeners.some((listener) => listener.name === name)) {
        replaced.push(active.get(name)!.handle);
        active.delete(name);
        changes.removed!.push(name);
      }
    }
    for (const name of active.keys()) {
      const entry = active.get(name)!;
      const updated = nextConfig.listeners.find((listener) => listener.name === name);
      if (updated) entry.config = updated;
    }
    for (const handle of replaced) retire(handle, previousConfig.drainTimeoutMs);
    if (!isDeepStrictEqual(previousConfig.admin, nextConfig.admin)) {
      try {
        await bindAdmin(nextConfig.admin);
      } catch (error) {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'admin listener not rebound');
      }
    }
    previousRuntime.close();
    if (previousPolicies !== nextPolicies) {
      previousPolicies?.close().catch(() => {});
    }
    for (const warning of next.warnings) logger.warn({ source: next.source }, `config warning: ${warning}`);
    metrics.reload('success', runtime.generation);
    logger.info({ source: next.source, generation: runtime.generation, ...changes }, 'config reloaded');
    return { ok: true, errors: [], generation: runtime.generation };
  };

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let shutdownPromise: Promise<void> | null = null;
  let cutNow: (() => void) | null = null;
  let cutRequested = false;

  const shutdown = (reason = 'shutdown'): Promise<void> => {
    if (shutdownPromise) {
      cutNow?.();
      return shutdownPromise;
    }
    shutdownPromise = (async () => {
      health.draining = true;
      const delay = config.shutdownDelayMs ?? 0;
      if (delay > 0) {
        // Readiness fails now; keep serving while load balancers notice, then drain.
        logger.info({ reason, shutdownDelayMs: delay }, 'not ready; draining after the shutdown delay');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          cutNow = () => {
            clearTimeout(timer);
            cutRequested = true;
            resolve();
          };
        });
      }
      const started = Date.now();
      const deadline = started + config.drainTimeoutMs;
      const handles = [
        ...[...active.values()].map((entry) => entry.handle),
        ...[...retiring].map((entry) => entry.handle),
      ];
      const inFlightAtStart = handles.reduce((sum, handle) => sum + handle.inFlight(), 0);
      logger.info({ reason, inFlight: inFlightAtStart, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
      for (const handle of handles) {
        handle.server.close();
        handle.drain();
      }
      let cut = cutRequested;
      await new Promise<void>((resolve) => {
        cutNow = () => {
          cut = true;
          resolve();
        };
        const check = (): void => {
          const open = handles.reduce((sum, handle) => sum + handle.connections(), 0);
          if (open === 0 || Date.now() >= deadline || cut) {
            if (Date.now() >= deadline && open > 0) cut = true;
            resolve();
            return;
          }
          setTimeout(check, 20);
        };
        check();
      });
      const remaining = handles.reduce((sum, handle) => sum + handle.inFlight(), 0);
      if (cut) logger.warn({ inFlight: remaining }, 'drain cut short: closing remaining connections');
      for (const handle of handles) handle.destroyAll();
      sweeper.stop();
      retiring.clear();
      runtime.close();
      await policies?.close().catch(() => {});
      if (adminServer) {
        const server = adminServer;
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
      }
      removeSignals();
      logger.info({ durationMs: Date.now() - started, cut }, 'stopped');
      await drainLog();
      resolveClosed();
    })();
    return shutdownPromise;
  };

  const onHangup = (): void => {
    logger.info({ signal: 'SIGHUP' }, 'reloading config');
    reload().catch((error: unknown) => logger.error({ err: String(error) }, 'reload failed'));
  };
  const onTerminate = (signal: NodeJS.Signals): void => {
    shutdown(signal).catch((error: unknown) => logger.error({ err: String(error) }, 'shutdown failed'));
  };
  const removeSignals = (): void => {
    process.off('SIGHUP', onHangup);
    process.off('SIGTERM', onTerminate);
    process.off('SIGINT', onTerminate);
  };
  removeEarly();
  if (options.handleSignals !== false) {
    process.on('SIGHUP', onHangup);
    process.on('SIGTERM', onTerminate);
    process.on('SIGINT', onTerminate);
    if (early.terminate) onTerminate(early.terminate);
    else if (early.hangup) onHangup();
  }

  return {
    logger,
    metrics,
    listeners: () =>
      [...active.values()].map((entry) => ({ name: entry.config.name, host: entry.config.host, port: entry.port })),
    admin: () => adminBound,
    reload,
    shutdown,
    closed,
  };
}

/**
 * Whether a listener must get a new socket: the engine reads address, TLS and the PROXY mode and
 * timeout when the listener is created; the trust profile, PROXY sources and access lists come
 * from the runtime each connection captures, so changing those needs no rebind.
 */
function needsRebind(current: ListenerConfig, next: ListenerConfig): boolean {
  return (
    current.host !== next.host ||
    current.port !== next.port ||
    !isDeepStrictEqual(current.tls, next.tls) ||
    current.proxyProtocol.mode !== next.proxyProtocol.mode ||
    current.proxyProtocol.timeoutMs !== next.proxyProtocol.timeoutMs
  );
}

/** compileRuntime, with the engine's ConfigError pointed at the key's file:line. */
function compileOrExplain(
  config: GatewayConfig,
  checked: CheckResult,
  policies: PolicyEngine | undefined,
): GatewayRuntime {
  try {
    return compileRuntime(config, policies ? { policies } : {});
  } catch (error) {
    throw locateConfigError(error, checked);
  }
}

/** The policy factory's result, with its ConfigError pointed at the key's file:line. */
function policiesOrExplain(build: () => PolicyEngine | undefined, checked: CheckResult): PolicyEngine | undefined {
  try {
    return build();
  } catch (error) {
    throw locateConfigError(error, checked);
  }
}

/** A ConfigError that names a key but no file gets the key's file:line; anything else passes. */
function locateConfigError(error: unknown, checked: CheckResult): unknown {
  if (error instanceof ConfigError && error.key && error.file === undefined) {
    const where = checked.locate(error.key);
    const prefix = `${error.key}: `;
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return new ConfigError(message, { key: error.key, ...where });
  }
  return error;
}

function listen(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host, port, backlog: 1024 }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function bindError(error: unknown, key: string, host: string, port: number, checked: CheckResult): ConfigError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? `address ${host}:${port} is already in use`
      : code === 'EACCES'
        ? `no permission to bind ${host}:${port} (ports below 1024 need privileges)`
        : code === 'EADDRNOTAVAIL'
          ? `address ${host} is not on this machine`
          : `cannot bind ${host}:${port}: ${code ?? String(error)}`;
  return new ConfigError(why, { key, ...checked.locate(key) });
}

/** A 50 ms timer that runs `tick` until it returns false; never keeps the process alive. */
function createSweeper(tick: () => boolean): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (!tick() && timer) {
          clearInterval(timer);
          timer = null;
        }
      }, 50);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
