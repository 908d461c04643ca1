import type { z } from 'zod';
import { ConfigError } from './config.error';

/**
 * Validates an environment against a schema and returns the typed, grouped result.
 * Throws a {@link ConfigError} whose message is one line naming each offending variable.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || 'environment';
    return `${name}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/**
 * Loads a process's configuration at boot, or stops the process with one clear line on stderr.
 * The only place a process reads its environment is the `env` argument given here by its config file.
 */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
