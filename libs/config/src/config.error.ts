/** A setting is missing or malformed; `message` is one line naming every offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
