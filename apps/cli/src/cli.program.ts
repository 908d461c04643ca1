import { Argument, Command, CommanderError, Option } from 'commander';
import { type CliIo, CommandContext, type GlobalFlags, OUTPUT_FORMATS } from './command-context';
import { configFile, profileNames } from './cli-profile';
import { COMPLETION_SHELLS, type CompletionShell, completionScript, PROFILES_COMMAND } from './completion.script';
import { cancelCommand } from './commands/cancel.command';
import { jobCommand, type JobFlags } from './commands/job.command';
import { jobsCommand, type JobsFlags } from './commands/jobs.command';
import { nodesCommand } from './commands/nodes.command';
import { policyCommand } from './commands/policy.command';
import { rebootCommand, type RebootFlags } from './commands/reboot.command';
import { ROLLING_ROLES, rollingRebootCommand, type RollingRebootFlags } from './commands/rolling-reboot.command';
import { whoamiCommand } from './commands/whoami.command';
import { CliError, EXIT, EXIT_CODES_HELP } from './exit-codes';
import { controlFree } from './terminal-output';
import { VERSION } from './version';

const SETTINGS_HELP = `Settings (a flag wins over its variable, a variable over the profile):
  --url, OSHIFT_URL            the API, e.g. https://self-service.example.com
  --cluster, OSHIFT_CLUSTER    the cluster id, e.g. mycompany.cor00005.cna.ukcloud.com
  --user, OSHIFT_USER          user name; password from OSHIFT_PASSWORD or --password-stdin
  OSHIFT_TOKEN                 an SSO access token, used when no user is set
  --profile, OSHIFT_PROFILE    a profile of ~/.config/oshift/config.yaml ($XDG_CONFIG_HOME/oshift/
                               config.yaml), else its current-profile: any of url, cluster,
                               user, password, token (the file chmod 600 if it holds a secret)
  NO_COLOR                     no colour even on a terminal`;

const EXAMPLES = `Examples:
  oshift nodes
  oshift reboot worker-0.openstacklocal --follow
  oshift reboot worker-0.openstacklocal --wait --timeout 600 -o json
  oshift reboot master-0.openstacklocal --dry-run
  oshift rolling-reboot --role worker --follow
  oshift cancel <job id>
  oshift jobs --state waiting -o yaml
  oshift policy
  oshift --profile staging --debug nodes
  source <(oshift completion bash)`;

/** The `oshift` command tree; each action gets a {@link CommandContext} built from the global flags. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('oshift')
    .description('See the nodes of your OpenShift cluster, reboot one and follow the job.')
    .version(VERSION, '--version')
    .option('--url <url>', 'the API (env OSHIFT_URL)')
    .option('--cluster <id>', 'the cluster (env OSHIFT_CLUSTER)')
    .option('--user <name>', 'user name (env OSHIFT_USER)')
    .option('--password-stdin', 'read the password from the first line of stdin (else OSHIFT_PASSWORD)')
    .option('--profile <name>', 'the profile of the config file to use (env OSHIFT_PROFILE)')
    .addOption(
      new Option('-o, --output <format>', 'table for people; json or yaml for scripts')
        .choices(OUTPUT_FORMATS)
        .default('table'),
    )
    .option('--debug', 'show each request on stderr: method, URL, status, time (never credentials)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .addHelpText('after', `\n${SETTINGS_HELP}\n\n${EXIT_CODES_HELP}\n\n${EXAMPLES}`);

  const context = (command: Command, cluster?: string) =>
    new CommandContext(io, { ...command.optsWithGlobals<GlobalFlags>(), ...(cluster ? { cluster } : {}) });
  const timeoutOption = () =>
    new Option('--timeout <seconds>', 'stop waiting after this long (exit 3; the job goes on)');

  program
    .command('nodes')
    .description("list the cluster's nodes and their status (NAME, STATUS)")
    .action((_flags, command: Command) => nodesCommand(context(command)));

  program
    .command('policy')
    .description("the cluster's reboot rules: maintenance windows and their next openings (UTC), limits, cooldown")
    .action((_flags, command: Command) => policyCommand(context(command)));

  program
    .command('reboot')
    .description('reboot a node; prints the job id')
    .argument('<node>', 'the node name, e.g. worker-0.openstacklocal')
    .option('--hard', 'a HARD reboot (power cycle) instead of SOFT')
    .addOption(new Option('--wait', 'wait for the end; print only it').conflicts('follow'))
    .option('--follow', "print the job's output lines as they come, until its end")
    .addOption(timeoutOption())
    .option('--dry-run', "say whether it would start now, wait its turn under the cluster's rules, or be refused")
    .option('--idempotency-key <key>', 'the same key never starts a second reboot (default: a random one)')
    .action((node: string, flags: RebootFlags, command: Command) => rebootCommand(context(command), node, flags));

  program
    .command('rolling-reboot')
    .description('reboot every node of a role, or of the cluster, one at a time; prints the job id')
    .argument('[cluster]', 'the cluster (else --cluster or OSHIFT_CLUSTER)')
    .addOption(
      new Option('--role <role>', 'which nodes (all: workers, other, infra, masters, then HAProxy nodes)')
        .choices(ROLLING_ROLES)
        .default('all'),
    )
    .option('--hard', 'HARD reboots (power cycle) instead of SOFT')
    .addOption(new Option('--wait', 'wait for the end; print only it').conflicts('follow'))
    .option('--follow', "print the job's output lines as they come, until its end")
    .addOption(timeoutOption())
    .option('--dry-run', 'print the nodes in order and what the first would do now; start nothing')
    .option('--idempotency-key <key>', 'the same key never starts a second one (default: a random one)')
    .action((cluster: string | undefined, flags: RollingRebootFlags, command: Command) =>
      rollingRebootCommand(context(command, cluster), flags),
    );

  program
    .command('cancel')
    .description('cancel a reboot that has not started, or the rest of a rolling reboot')
    .argument('<job-or-cluster>', 'the job id (or the cluster, followed by the job id)')
    .argument('[job]', 'the job id, when the cluster comes first')
    .action((first: string, second: string | undefined, _flags, command: Command) =>
      second === undefined ? cancelCommand(context(command), first) : cancelCommand(context(command, first), second),
    );

  program
    .command('job')
    .description("a job's output so far, or followed to its end")
    .argument('<id>', 'the job id that reboot printed')
    .addOption(new Option('--wait', 'wait for the end; print only it').conflicts('follow'))
    .option('--follow', 'print the output lines as they come, until the end')
    .addOption(timeoutOption())
    .action((id: string, flags: JobFlags, command: Command) => jobCommand(context(command), id, flags));

  program
    .command('jobs')
    .description("the cluster's jobs, newest first")
    .addOption(
      new Option(
        '--state <state>',
        'only jobs in this state (scheduled: to start later; waiting: held back by the cluster’s rules)',
      ).choices(['queued', 'scheduled', 'waiting', 'running', 'done', 'failed']),
    )
    .option('--target <node>', 'only jobs of this node')
    .option('--limit <n>', 'at most this many (the API allows 100)')
    .option('--before <cursor>', 'the page after the one that printed this cursor')
    .action((flags: JobsFlags, command: Command) => jobsCommand(context(command), flags));

  program
    .command('whoami')
    .description('the user the API sees, with its clusters and roles')
    .action((_flags, command: Command) => whoamiCommand(context(command)));

  program
    .command('completion')
    .description('print the shell completion script (bash: source <(oshift completion bash))')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .action((shell: CompletionShell) => void io.stdout.write(completionScript(program, shell)));
  // What the completion scripts run to complete --profile: the config file's profile names, one a line.
  program.addCommand(
    new Command(PROFILES_COMMAND).action(() => {
      for (const name of profileNames(configFile(io.env))) io.stdout.write(`${controlFree(name)}\n`);
    }),
    { hidden: true },
  );

  for (const command of program.commands) command.addHelpText('after', `\n${EXIT_CODES_HELP}`);
  return program;
}

/** Runs `oshift` with `argv` (without node and script) and answers the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      // The message may carry the API's text: no escape sequence reaches the terminal.
      io.stderr.write(`${error.message.replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/g, '?')}\n`);
      if (error.exitCode === EXIT.usage) io.stderr.write('(add --help for usage)\n');
      return error.exitCode;
    }
    // A parse error quotes the text it could not parse, which came from the server.
    io.stderr.write(`unexpected error: ${controlFree(String((error as Error)?.message ?? error))}\n`);
    return EXIT.unavailable;
  }
}
