/** Where and as whom to reach OpenStack. Secrets here never appear in errors or logs. */
export interface OpenStackCredentials {
  /** Keystone v3 base, e.g. `http://127.0.0.1:5000/v3`; a missing `/v3` or a trailing slash is tolerated. */
  authUrl: string;
  /** Catalog region filter (matches an endpoint's `region_id` or `region`). */
  region?: string;
  /** Catalog interface to use; default `public`. */
  interface?: 'public' | 'internal' | 'admin';
  /** Password auth: user name, looked up in `userDomainName` (default `Default`). */
  username?: string;
  userDomainName?: string;
  password?: string;
  /** Project scope for password auth: by id, or by name within `projectDomainName` (default `Default`). */
  projectId?: string;
  projectName?: string;
  projectDomainName?: string;
  /** Application credential auth (preferred by operators); the credential carries its own scope. */
  applicationCredentialId?: string;
  applicationCredentialSecret?: string;
}

/** Where the client reports retries and failures. Context objects never hold tokens or passwords. */
export interface OpenStackLogger {
  warn(msg: string, ctx?: object): void;
  debug?(msg: string, ctx?: object): void;
}

/** One attempt of a call to OpenStack, reported to {@link OpenStackClientOptions.onCall} (for metrics). */
export interface OpenStackCallReport {
  /** Short name, e.g. `nova.getServer`, `keystone.authenticate`. */
  operation: string;
  method: string;
  /** HTTP status of the answer; 0 when none came. */
  status: number;
  /** Why no answer came. */
  error?: 'timeout' | 'network';
  durationMs: number;
}

/** Tuning shared by {@link KeystoneSession} and {@link NovaClient}. */
export interface OpenStackClientOptions {
  /** Per-attempt timeout, default 10000 ms. */
  timeoutMs?: number;
  /** Extra attempts for reads (and for writes whose connection never opened), default 3. */
  retries?: number;
  /** Base of the exponential backoff with full jitter, default 200 ms. */
  backoffMs?: number;
  logger?: OpenStackLogger;
  /** Told of every attempt (retries included) once it ends; must not throw. */
  onCall?: (call: OpenStackCallReport) => void;
}

/** {@link OpenStackClientOptions} with every default applied. */
export interface ResolvedClientOptions {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  logger?: OpenStackLogger;
  onCall?: (call: OpenStackCallReport) => void;
}

/** Applies the documented defaults and rejects nonsensical values early. */
export function resolveClientOptions(options: OpenStackClientOptions = {}): ResolvedClientOptions {
  const resolved = {
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries ?? 3,
    backoffMs: options.backoffMs ?? 200,
    logger: options.logger,
    onCall: options.onCall,
  };
  if (!(resolved.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
  if (!Number.isInteger(resolved.retries) || resolved.retries < 0)
    throw new RangeError('retries must be an integer >= 0');
  if (!(resolved.backoffMs >= 0)) throw new RangeError('backoffMs must be >= 0');
  return resolved;
}
