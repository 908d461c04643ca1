import { type Command, Option } from 'commander';
import type { AdminContext } from '../admin.context';

/** `-o table|json` on the commands that list, as `oshift -o` is: a table for people, JSON for scripts. */
export interface OutputOptions {
  output: 'table' | 'json';
}

/** The `-o, --output` option of {@link OutputOptions}. */
export const outputOption = () =>
  new Option('-o, --output <format>', 'table for people, json for scripts').choices(['table', 'json']).default('table');

/** Wraps a command's work so that it runs with the context of this CLI run (config and database on first use). */
export type ActionRunner = <A extends unknown[]>(
  work: (context: AdminContext, ...args: A) => Promise<void>,
) => (...args: A) => Promise<void>;

/**
 * What each command file exports: adds one top-level command (and its subcommands, options and help) to the
 * program. A new command group is one such file and one line in admin.cli.ts.
 */
export type CommandRegistration = (program: Command, run: ActionRunner) => void;

/** The path of a command below the program (`user add`), for usage errors that point at its help. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}
