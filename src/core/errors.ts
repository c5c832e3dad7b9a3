/**
 * Every error the library throws. Codes are public API: released codes never change.
 * docs/errors.md gives each code's cause and fix. Errors are thrown at setup time only;
 * the request path returns results with a `reason` instead.
 */
export class SourceIpError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A CIDR, address or named range in a trust/allow list that cannot be used. */
export class InvalidCidrError extends SourceIpError {
  readonly input: string;
  constructor(input: string, why: string) {
    super('SIP_ERR_INVALID_CIDR', `invalid CIDR ${quoteInput(input)}: ${why}`);
    this.input = input;
  }
}

/** An IP address given at setup time (a flag, a config value) that does not parse. */
export class InvalidAddressError extends SourceIpError {
  readonly input: string;
  constructor(input: string, why: string) {
    super('SIP_ERR_INVALID_ADDRESS', `invalid IP address ${quoteInput(input)}: ${why}`);
    this.input = input;
  }
}

/** Options passed to a resolver, parser or codec that contradict each other or are out of range. */
export class InvalidOptionError extends SourceIpError {
  readonly option: string;
  constructor(option: string, why: string) {
    super('SIP_ERR_INVALID_OPTION', `invalid option ${option}: ${why}`);
    this.option = option;
  }
}

/** A PROXY protocol header that must be rejected (used where a throw is the API, e.g. the encoder). */
export class ProxyHeaderError extends SourceIpError {
  constructor(message: string) {
    super('SIP_ERR_PROXY_HEADER', message);
  }
}

/** A configuration file or value that cannot be used; names the key and, when known, file and line. */
export class ConfigError extends SourceIpError {
  readonly key: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(message: string, where: { key?: string; file?: string; line?: number } = {}) {
    const location = [where.file, where.line].filter((part) => part !== undefined).join(':');
    const prefix = [location, where.key].filter((part) => part).join(' ');
    super('SIP_ERR_CONFIG', prefix ? `${prefix}: ${message}` : message);
    this.key = where.key;
    this.file = where.file;
    this.line = where.line;
  }
}

/** `sourceip doctor --cluster`: the API server is unreachable, refused the request (401/403) or timed out. */
export class ClusterAccessError extends SourceIpError {
  constructor(message: string) {
    super('SIP_ERR_CLUSTER', message);
  }
}

/**
 * Quote attacker- or user-supplied text for an error message: JSON-escaped (no raw control
 * bytes reach a terminal or a log) and cut to a readable length.
 */
export function quoteInput(input: string, max = 64): string {
  const cut = input.length > max ? `${input.slice(0, max)}…` : input;
  return JSON.stringify(cut);
}
