import type { Command, Option } from 'commander';

/** The hidden command the scripts run to complete `--profile`: it prints the config file's profile names. */
export const PROFILES_COMMAND = '__profiles';

/** The shells `oshift completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** What completion needs to know of one option. */
interface OptionSpec {
  flags: string[];
  description: string;
  /** Whether a value follows it (`--url <url>`). */
  takesValue: boolean;
  choices: string[];
}

/** What completion needs to know of one command. */
interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** The words its first argument may be (`completion bash|zsh`). */
  argumentChoices: string[];
}

const HELP: OptionSpec = { flags: ['-h', '--help'], description: 'display help', takesValue: false, choices: [] };

function optionSpec(option: Option): OptionSpec {
  return {
    flags: [option.short, option.long].filter((flag): flag is string => Boolean(flag)),
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
  };
}

/** The program's commands and options, read from the command tree itself, so completion never lags behind it. */
function specOf(program: Command): { global: OptionSpec[]; commands: CommandSpec[] } {
  const visible = (command: Command) => command.options.filter((option) => !option.hidden).map(optionSpec);
  return {
    global: [...visible(program), HELP],
    commands: program.commands
      .filter((command) => command.name() !== PROFILES_COMMAND)
      .map((command) => ({
        name: command.name(),
        description: command.description(),
        options: visible(command),
        argumentChoices: command.registeredArguments[0]?.argChoices ?? [],
      })),
  };
}

/** A word list for bash's `compgen -W`, and a case pattern; the names are the program's own, quoting-free. */
const words = (items: string[]) => items.join(' ');

function bashScript(program: Command): string {
  const { global, commands } = specOf(program);
  const all = [...global, ...commands.flatMap((command) => command.options)];
  const valued = [...new Set(all.filter((option) => option.takesValue).flatMap((option) => option.flags))];
  const choiceCases = [
    ...new Map(
      all.filter((option) => option.choices.length > 0).map((option) => [option.flags.join('|'), option.choices]),
    ),
  ].map(([pattern, choices]) => `    ${pattern}) COMPREPLY=($(compgen -W "${words(choices)}" -- "$cur")); return ;;`);
  const optionCases = commands.map(
    (command) => `      ${command.name}) options="${words(command.options.flatMap((option) => option.flags))}" ;;`,
  );
  const argumentCases = commands
    .filter((command) => command.argumentChoices.length > 0)
    .map(
      (command) => `      ${command.name}) COMPREPLY=($(compgen -W "${words(command.argumentChoices)}" -- "$cur")) ;;`,
    );
  return `# bash completion for oshift. Load it now:  source <(oshift completion bash)
# or for every shell:  oshift completion bash > ~/.local/share/bash-completion/completions/oshift
_oshift() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" command="" options="" i
  local valued=" ${words(valued)} "
  # The command is the first word that is neither an option nor an option's value.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
    -*) ;;
    *) [[ $valued == *" \${COMP_WORDS[i-1]} "* ]] || { command="\${COMP_WORDS[i]}"; break; } ;;
    esac
  done
  case "$prev" in
${choiceCases.join('\n')}
    --profile) COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" ${PROFILES_COMMAND} 2>/dev/null)" -- "$cur")); return ;;
  esac
  # Any other option's value is the user's to type (a URL, a name, a job id).
  [[ $valued == *" $prev "* ]] && return
  if [[ $cur == -* ]]; then
    case "$command" in
${optionCases.join('\n')}
    esac
    COMPREPLY=($(compgen -W "${words(global.flatMap((option) => option.flags))} $options" -- "$cur"))
  elif [[ -z $command ]]; then
    COMPREPLY=($(compgen -W "${words(commands.map((command) => command.name))}" -- "$cur"))
  else
    case "$command" in
${argumentCases.join('\n')}
    esac
  fi
}
complete -F _oshift oshift
`;
}

/** Text inside a single-quoted zsh word, and inside an `_arguments` description (`[`, `]` and `:` escaped). */
const zshDescription = (text: string) => text.replace(/([[\]:\\])/g, '\\$1').replace(/'/g, "'\\''");

/** One option as `_arguments` takes it: `(-o --output)'{-o,--output}'[the format]:format:(table json yaml)'`. */
function zshOption(option: OptionSpec): string {
  const action = option.flags.includes('--profile')
    ? '_oshift_profiles'
    : option.choices.length
      ? `(${option.choices.join(' ')})`
      : '';
  const value = option.takesValue ? `:value:${action}` : '';
  const spec = `[${zshDescription(option.description)}]${value}`;
  if (option.flags.length === 1) return `'${option.flags[0]}${spec}'`;
  return `'(${option.flags.join(' ')})'{${option.flags.join(',')}}'${spec}'`;
}

function zshScript(program: Command): string {
  const { global, commands } = specOf(program);
  const described = commands.map((command) => `    '${command.name}:${zshDescription(command.description)}'`);
  const commandCases = commands.map((command) => {
    const argument = command.argumentChoices.length
      ? ` '1:${command.name}:(${command.argumentChoices.join(' ')})'`
      : '';
    return `    ${command.name}) _arguments $global ${command.options.map(zshOption).join(' ')}${argument} ;;`;
  });
  return `#compdef oshift
# zsh completion for oshift. Load it now:  source <(oshift completion zsh)
# or for every shell:  oshift completion zsh > "\${fpath[1]}/_oshift"
_oshift_profiles() {
  local -a profiles
  profiles=(\${(f)"$(\${~_oshift_command} ${PROFILES_COMMAND} 2>/dev/null)"})
  _describe profile profiles
}
_oshift() {
  local context state state_descr line _oshift_command=\${words[1]}
  local -a global commands
  global=(${global.map(zshOption).join(' ')})
  commands=(
${described.join('\n')}
  )
  _arguments -C $global '1:command:->command' '*::argument:->argument'
  case $state in
  command) _describe command commands ;;
  argument)
    case $line[1] in
${commandCases.join('\n')}
    esac
    ;;
  esac
}
if [[ $funcstack[1] == _oshift ]]; then _oshift "$@"; else compdef _oshift oshift; fi
`;
}

/** The completion script of `program` for `shell`. */
export function completionScript(program: Command, shell: CompletionShell): string {
  return shell === 'bash' ? bashScript(program) : zshScript(program);
}
