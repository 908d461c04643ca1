import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../../../..');
const run = promisify(execFile);

/** The operator CLI and the customers' CLI, each as the docs name its invocations. */
const CLIS = {
  admin: {
    entry: 'apps/admin/src/main.ts',
    // `oshift admin …` is the image's entrypoint running the admin CLI.
    invocation: /(?:npm run (?:-s )?admin --|docker compose run --rm admin|(?<![\w./-])oshift admin) ([^`\n|#;&)]+)/g,
  },
  oshift: {
    entry: 'apps/cli/src/main.ts',
    invocation:
      /(?:npm run (?:-s )?oshift --|(?<![\w./-])oshift(?! admin\b))(?: \[[^\]]*\])? ((?:help|completion|[a-z]+(?:-[a-z]+)?) ?[^`\n|#;&)]*)/g,
  },
} as const;
type Cli = keyof typeof CLIS;

/** Every Markdown page a reader meets: the README and docs/. */
function documents(): { file: string; text: string }[] {
  const pages = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  // A shell line continued with a backslash is one command (its flags on the next lines included).
  return pages.map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8').replace(/\\\n\s*/g, ' ') }));
}

/** One documented use of a CLI: its words (commands, then arguments) and its flags. */
interface Use {
  where: string;
  words: string[];
  flags: string[];
}

function usesOf(cli: Cli): Use[] {
  const uses: Use[] = [];
  for (const { file, text } of documents()) {
    for (const match of text.matchAll(CLIS[cli].invocation)) {
      const tokens = match[1].trim().replace(/[[\]]/g, ' ').split(/\s+/).filter(Boolean);
      const end = tokens.findIndex((token) => token === '\\' || token.startsWith('#') || token === '>');
      const kept = end === -1 ? tokens : tokens.slice(0, end);
      const line = text.slice(0, match.index).split('\n').length;
      uses.push({
        where: `${file}:${line}: ${match[0].trim()}`,
        words: kept.filter((token) => /^[a-z][a-z-]*$/.test(token)),
        flags: kept.filter((token) => /^--?[a-zA-Z]/.test(token)).map((token) => token.split('=')[0]),
      });
    }
  }
  return uses;
}

const helps = new Map<string, Promise<string>>();

/** What `<cli> <path…> --help` prints, as a user would run it. */
function helpOf(cli: Cli, path: string[]): Promise<string> {
  const key = `${cli} ${path.join(' ')}`;
  let help = helps.get(key);
  if (!help) {
    help = run(process.execPath, ['-r', '@swc-node/register', CLIS[cli].entry, ...path, '--help'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60000,
    }).then(({ stdout }) => stdout);
    helps.set(key, help);
  }
  return help;
}

/** `task` of each item, two at a time (the machine has two cores), in the items' order. */
async function inBatches<T, R>(items: T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 2) results.push(...(await Promise.all(items.slice(i, i + 2).map(task))));
  return results;
}

/** The subcommands a help text lists. */
function subcommands(help: string): string[] {
  const section = help.split(/\nCommands:\n/)[1]?.split(/\n\n/)[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((match) => match[1]);
}

describe.each(Object.keys(CLIS) as Cli[])('the %s commands and flags the docs name', (cli) => {
  it('are each a command of the CLI, with flags its --help lists', async () => {
    const uses = usesOf(cli);
    expect(uses.length).toBeGreaterThan(cli === 'admin' ? 30 : 10);
    // Every command path the uses may name, fetched a level at a time and two at once (each is a process).
    let level: string[][] = [[]];
    while (level.length > 0) {
      const helps = await inBatches(level, (path) => helpOf(cli, path));
      level = level.flatMap((path, index) => {
        const next = new Set(
          uses.filter((use) => path.every((word, i) => use.words[i] === word)).map((use) => use.words[path.length]),
        );
        return subcommands(helps[index])
          .filter((word) => next.has(word))
          .map((word) => [...path, word]);
      });
    }
    const problems: string[] = [];
    for (const use of uses) {
      // The longest run of leading words that are commands, one level at a time.
      const path: string[] = [];
      for (const word of use.words) {
        if (!subcommands(await helpOf(cli, path)).includes(word)) break;
        path.push(word);
      }
      if (path.length === 0 && use.words.length > 0) problems.push(`${use.where}: no command ${use.words[0]}`);
      const known = `${await helpOf(cli, path)}\n${await helpOf(cli, [])}`;
      for (const flag of use.flags) {
        if (!new RegExp(`(^|[\\s,])${flag}(?=[\\s,=]|$)`, 'm').test(known)) {
          problems.push(`${use.where}: ${[cli, ...path].join(' ')} has no flag ${flag}`);
        }
      }
    }
    expect(problems).toEqual([]);
  }, 600000);
});
