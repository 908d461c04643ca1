import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildProgram, runCli } from './cli.program';
import { environment } from './cli.config';

/** What `oshift completion <shell>` prints, run as the CLI runs it. */
async function script(shell: string): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: environment({}) };
  const code = await runCli(['completion', shell], io);
  return { code, stdout: text };
}

/**
 * A directory with `bin/oshift`, which runs the CLI from its sources (the scripts call it to list profiles), and
 * `config/oshift/config.yaml` of two profiles: the PATH and XDG_CONFIG_HOME of the shells below.
 */
function shellHome(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'oshift-completion-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'config', 'oshift'), { recursive: true });
  const main = resolve(__dirname, 'main.ts');
  writeFileSync(
    join(dir, 'bin', 'oshift'),
    `#!/bin/sh\nexec "${process.execPath}" -r @swc-node/register "${main}" "$@"\n`,
  );
  chmodSync(join(dir, 'bin', 'oshift'), 0o755);
  writeFileSync(join(dir, 'config', 'oshift', 'config.yaml'), 'profiles:\n  prod: {}\n  staging: {}\n');
  const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, XDG_CONFIG_HOME: join(dir, 'config') };
  return { dir, env };
}

/** bash with the script loaded, completing the words of `line` (the last one being typed). */
function bashCompletes(completion: string, line: string[], env?: NodeJS.ProcessEnv): string[] {
  const program = `${completion}
COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=()
_oshift
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const output = execFileSync('bash', ['-c', program, 'bash', ...line], { encoding: 'utf8', env });
  return output.split('\n').filter(Boolean);
}

describe('oshift completion', () => {
  let bash: string;
  beforeAll(async () => {
    const run = await script('bash');
    expect(run.code).toBe(0);
    bash = run.stdout;
  });

  it('registers with bash when sourced from `oshift completion bash`, as a user loads it', () => {
    const home = shellHome();
    try {
      const registered = execFileSync('bash', ['-c', 'source <(oshift completion bash); complete -p oshift'], {
        encoding: 'utf8',
        env: home.env,
      });
      expect(registered).toBe('complete -F _oshift oshift\n');
    } finally {
      rmSync(home.dir, { recursive: true, force: true });
    }
  });

  it('completes commands, each command’s flags, and the values of flags with choices', () => {
    expect(bashCompletes(bash, ['oshift', ''])).toEqual(
      buildProgram({
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        env: environment({}),
      })
        .commands.map((command) => command.name())
        .filter((name) => !name.startsWith('__')), // hidden: __profiles
    );
    expect(bashCompletes(bash, ['oshift', 'roll'])).toEqual(['rolling-reboot']);
    expect(bashCompletes(bash, ['oshift', 'reboot', '--d'])).toEqual(['--debug', '--dry-run']);
    expect(bashCompletes(bash, ['oshift', 'jobs', '--s'])).toEqual(['--state']);
    expect(bashCompletes(bash, ['oshift', '-o', ''])).toEqual(['table', 'json', 'yaml']);
    expect(bashCompletes(bash, ['oshift', 'rolling-reboot', '--role', 'm'])).toEqual(['master']);
    expect(bashCompletes(bash, ['oshift', 'jobs', '--state', 'w'])).toEqual(['waiting']);
    expect(bashCompletes(bash, ['oshift', 'completion', ''])).toEqual(['bash', 'zsh']);
    // A value that is the user's to type (a profile's name) is not mistaken for the command.
    expect(bashCompletes(bash, ['oshift', '--profile', 'prod', 'no'])).toEqual(['nodes']);
  });

  it('completes --profile with the config file’s profile names, as oshift itself reads them', () => {
    const home = shellHome();
    try {
      expect(bashCompletes(bash, ['oshift', '--profile', ''], home.env)).toEqual(['prod', 'staging']);
      expect(bashCompletes(bash, ['oshift', 'nodes', '--profile', 'st'], home.env)).toEqual(['staging']);
      // No config file: nothing to offer, and no error in the user's shell.
      const none = { ...home.env, XDG_CONFIG_HOME: join(home.dir, 'nowhere') };
      expect(bashCompletes(bash, ['oshift', '--profile', ''], none)).toEqual([]);
    } finally {
      rmSync(home.dir, { recursive: true, force: true });
    }
  });

  it('writes a zsh script that zsh parses and registers for oshift', async () => {
    const zsh = await script('zsh');
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef oshift\n/);
    expect(zsh.stdout).toContain(
      `'(-o --output)'{-o,--output}'[table for people; json or yaml for scripts]:value:(table json yaml)'`,
    );
    expect(zsh.stdout).toContain(`'policy:the cluster'\\''s reboot rules\\: maintenance windows`);
    // The script as an argument, eval'd as `source <(oshift completion zsh)` would run it.
    const registered = execFileSync(
      'zsh',
      ['-f', '-c', 'autoload -U compinit && compinit -u -D; eval "$1"; print -r -- $_comps[oshift]', 'zsh', zsh.stdout],
      { encoding: 'utf8' },
    );
    expect(registered).toBe('_oshift\n');
    // --profile's values: the names `oshift __profiles` prints (zsh's _describe stubbed to show what it is given).
    const home = shellHome();
    try {
      const offered = execFileSync(
        'zsh',
        [
          '-f',
          '-c',
          'eval "$1"; _describe() { print -l -- ${(P)2} }; _oshift_command=oshift; _oshift_profiles',
          'zsh',
          zsh.stdout,
        ],
        { encoding: 'utf8', env: home.env },
      );
      expect(offered).toBe('prod\nstaging\n');
    } finally {
      rmSync(home.dir, { recursive: true, force: true });
    }
  });

  it('refuses a shell it has no script for (exit 2)', async () => {
    expect((await script('fish')).code).toBe(2);
  });
});
