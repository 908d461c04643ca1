import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** The processes the settings table of docs/operators.md names in its second column. */
export type DocumentedProcess = 'gateway' | 'worker' | 'admin' | 'demo' | 'openstack-sim';

/** One row of the table: the variables it names, and the processes that read them. */
export interface DocumentedSetting {
  names: string[];
  readBy: DocumentedProcess[];
}

/** The rows of docs/operators.md's "Configuration" table (every setting, with who reads it). */
export function documentedSettings(): DocumentedSetting[] {
  const text = readFileSync(resolve(ROOT, 'docs/operators.md'), 'utf8');
  const start = text.indexOf('\n## Configuration\n');
  const section = text.slice(start, text.indexOf('\n## ', start + 1));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [names, readBy] = line.split('|').slice(1, 3);
      return {
        names: [...names.matchAll(/`([A-Z][A-Z0-9_]*\*?)`/g)].map((match) => match[1]),
        readBy: [
          ...new Set(readBy.match(/\b(gateway|worker|admin|demo|openstack-sim)\b/g) ?? []),
        ] as DocumentedProcess[],
      };
    });
}

/**
 * The variables the table says `process` reads, to compare with the keys of its config schema (a `SIM_*` row
 * stands for every `SIM_` variable, matched by {@link undocumentedVariables}).
 */
export function settingsDocumentedFor(process: DocumentedProcess): string[] {
  return [
    ...new Set(
      documentedSettings()
        .filter((row) => row.readBy.includes(process))
        .flatMap((row) => row.names),
    ),
  ].sort();
}

/** Of a schema's variables, those the table does not list for `process` (a `PREFIX_*` entry covers its prefix). */
export function undocumentedVariables(process: DocumentedProcess, variables: readonly string[]): string[] {
  const documented = settingsDocumentedFor(process);
  const covered = (name: string) =>
    documented.some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : entry === name));
  return variables.filter((name) => !covered(name)).sort();
}

/**
 * How the settings table and a process's config schema disagree: variables it reads that the table does not list
 * for it (`undocumented`), and variables the table lists for it that it does not read (`notRead`).
 */
export function settingsTableMismatch(
  process: DocumentedProcess,
  variables: readonly string[],
): { undocumented: string[]; notRead: string[] } {
  return {
    undocumented: undocumentedVariables(process, variables),
    notRead: settingsDocumentedFor(process).filter((name) => !name.endsWith('*') && !variables.includes(name)),
  };
}
