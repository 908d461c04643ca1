import { execFileSync } from 'node:child_process';
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

/** bash with the script loaded, completing the words of `line` (the last one being typed). */
function bashCompletes(completion: string, line: string[]): string[] {
  const program = `${completion}
COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=()
_oshift
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const output = execFileSync('bash', ['-c', program, 'bash', ...line], { encoding: 'utf8' });
  return output.split('\n').filter(Boolean);
}

describe('oshift completion', () => {
  let bash: string;
  beforeAll(async () => {
    const run = await script('bash');
    expect(run.code).toBe(0);
    bash = run.stdout;
  });

  it('registers with bash when sourced', () => {
    const registered = execFileSync('bash', ['-c', `source /dev/stdin <<'SCRIPT'\n${bash}SCRIPT\ncomplete -p oshift`], {
      encoding: 'utf8',
    });
    expect(registered).toBe('complete -F _oshift oshift\n');
  });

  it('completes commands, each command’s flags, and the values of flags with choices', () => {
    expect(bashCompletes(bash, ['oshift', ''])).toEqual(
      buildProgram({
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        env: environment({}),
      }).commands.map((command) => command.name()),
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
    expect(bashCompletes(bash, ['oshift', '--profile', ''])).toEqual([]);
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
  });

  it('refuses a shell it has no script for (exit 2)', async () => {
    expect((await script('fish')).code).toBe(2);
  });
});
