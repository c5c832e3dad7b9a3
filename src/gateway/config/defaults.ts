/**
 * The embedded configuration: what `sourceip gateway` runs with when no file is found, and what
 * `sourceip demo` / `npm start` use. The gateway on 127.0.0.1:8080 forwards to whoami on
 * 127.0.0.1:8081; no peer is trusted, so a client-sent X-Forwarded-For is recorded as a spoof
 * attempt and never believed.
 */

/** Written in the file's shape so that the same schema, env overrides and checks apply. */
export const EMBEDDED_DEFAULTS: Readonly<Record<string, unknown>> = {
  listeners: [{ name: 'public', host: '127.0.0.1', port: 8080, trust: 'direct' }],
  trustProfiles: [
    // The client is the TCP peer; forwarding headers from anyone are ignored (and counted).
    { name: 'direct', semantics: 'strict', trusted: [] },
  ],
  upstreams: [{ name: 'whoami', targets: ['127.0.0.1:8081'] }],
  routes: [{ name: 'default', pathPrefix: '/', upstream: 'whoami' }],
  admin: { host: '127.0.0.1', port: 9480 },
  drainTimeoutMs: 10_000,
};

/** Name shown in errors and logs for the embedded configuration. */
export const EMBEDDED_SOURCE = '<embedded defaults>';

/** Always available: the built-in profile that trusts nothing (the client is the TCP peer). */
export const BUILTIN_DIRECT_PROFILE = {
  name: 'direct',
  semantics: 'strict',
  trusted: [],
  header: 'X-Forwarded-For',
} as const;
