import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../usage.error';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `parseArgs` (strict, with positionals) whose mistakes become one-line usage errors. */
export function parseCommandLine<O extends Options>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : 'malformed command line';
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/, ''), usage);
  }
}

/** Between `min` and `max` positionals, else a usage error (which never repeats them: one may be a mistyped secret). */
export function expectPositionals(positionals: string[], min: number, max: number, usage: string): string[] {
  if (positionals.length < min) throw new UsageError('missing arguments', usage);
  if (positionals.length > max) throw new UsageError('too many arguments', usage);
  return positionals;
}
