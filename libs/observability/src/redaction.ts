/** Keys whose values never reach a log line, at the top level or nested up to three levels down. */
export const REDACTED_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwd',
  'secret',
  'token',
  'x-auth-token',
  'x-subject-token',
  'accessToken',
  'refreshToken',
  'idToken',
  'clientSecret',
  'applicationCredentialSecret',
  'metricsToken',
  'apiKey',
] as const;

const DEPTH = 3;

/** The value that replaces a redacted one. */
export const REDACTED = '[redacted]';

/** pino `redact.paths` for {@link REDACTED_KEYS}: `key`, `*.key`, `*.*.key`, `*.*.*.key`. */
export function redactionPaths(keys: readonly string[] = REDACTED_KEYS): string[] {
  const paths: string[] = [];
  for (const key of keys) {
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    for (let depth = 0; depth <= DEPTH; depth++) {
      const prefix = '*.'.repeat(depth);
      paths.push(segment.startsWith('[') ? `${prefix.replace(/\.$/, '')}${segment}` : `${prefix}${segment}`);
    }
  }
  return paths;
}
