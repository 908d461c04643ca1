import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  InvalidRebootPolicyError,
  NodeRoles,
  type NodeRole,
  type RebootPolicy,
  roleOf,
  storedRebootPolicy,
} from '@oshift/jobs';
import type { AdminContext } from '../admin.context';
import { CommandError } from '../command.error';
import { UsageError } from '../usage.error';
import { type ActionRunner, commandPath } from './admin-command';
import { listClusterServers } from './cluster-check';

/** The policy flags, as commander parses them. */
interface PolicyOptions {
  set?: string;
  file?: string;
  reset?: boolean;
  maxParallel?: string[];
  pattern?: string[];
  cooldown?: string;
  nodes?: boolean;
  window?: string[];
  clearWindows?: boolean;
  /** False with `--no-window-override`; see {@link windowOverrideFlag}. */
  windowOverride?: boolean;
  allowWindowOverride?: boolean;
  settle?: string[];
  drain?: string[];
  drainTimeout?: string;
  masters?: string;
}

const ROLES = NodeRoles.join('|');
const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `cluster policy <id>`: shows a cluster's reboot rules (the defaults filled in) as JSON, or changes them:
 * a whole policy (`--set`, `--file`), the common cases (`--max-parallel`, `--pattern`, `--cooldown`, applied over
 * the policy in force or the one given), or `--reset` to the defaults. Prints the policy in force afterwards.
 */
export function addClusterPolicyCommand(cluster: Command, run: ActionRunner): void {
  const policy = cluster
    .command('policy')
    .description("show a cluster's reboot rules as JSON (defaults filled in), or change them")
    .argument('<id>', 'cluster id')
    .option(
      '--set <json>',
      'the whole policy as JSON: {"roles": {"<role>": {"patterns": [...], "max_parallel": n, "settle_seconds": s, ' +
        '"drain": true}}, "cooldown_seconds": s, "windows": ["Mon-Fri 01:00-05:00 Europe/London"], ' +
        '"allow_window_override": true, "drain_timeout_seconds": s, "masters": n}',
    )
    .option('--file <path>', 'the whole policy from a JSON file')
    .option('--reset', 'clear the policy: the defaults apply again')
    .option('--max-parallel <role=n>', `at most n reboots of the role at once (${ROLES}); repeatable`, collect)
    .option(
      '--pattern <role=glob>',
      'a name pattern of the role (* and ?); repeatable, replaces that role’s patterns',
      collect,
    )
    .option('--cooldown <seconds>', 'refuse a reboot of a node this long after its last Done (0: off)')
    .option(
      '--settle <role=seconds>',
      'a node of the role counts as settling this long after it is back (Ready, else released); repeatable',
      collect,
    )
    .option('--drain <role=on|off>', 'whether a reboot of the role drains the node first; repeatable', collect)
    .option('--drain-timeout <seconds>', 'a drain not done after this long fails the job, nothing sent (default 300)')
    .option('--masters <n>', 'how many masters the cluster has: fewer in Nova’s listing hold master reboots back')
    .option(
      '--window <window>',
      'a maintenance window, like "Mon-Fri 01:00-05:00 Europe/London"; repeatable, replaces the windows',
      collect,
    )
    .option('--clear-windows', 'remove the maintenance windows: reboots may start any time')
    .option('--no-window-override', 'customers may not start a reboot outside the windows (override_window)')
    .option('--allow-window-override', 'customers with the reboot role may override the windows, with a reason')
    .option('--nodes', 'also show each node of the cluster with the role the policy gives it (asks OpenStack)')
    .addHelpText(
      'after',
      `
Roles: ${NodeRoles.join(', ')}. A node takes the first role (in that order) one of whose patterns matches its
name (* any run of characters, ? one, # one or more digits). The defaults know both OpenShift 3.x names
(master-0.openstacklocal) and the OpenShift 4 installer's (ocp-x7k2p-master-0, ocp-x7k2p-worker-0-bcdfg);
anything else is other; max_parallel 1 for every role; cooldown 0. Masters and HAProxy nodes also keep quorum
whatever max_parallel says. --nodes shows how the policy reads each node's name before it matters.

Quorum and settle times: a master starts only when the cluster's number of masters (--masters, default 3) is in
Nova's listing and every other master is ACTIVE, not rebooting, Ready on a cluster connected to its Kubernetes
API, and settled: back for its role's settle time (--settle; defaults master 120 s, haproxy 60 s, others 0),
counted from its Ready transition when connected, else from the moment its last reboot was released. An HAProxy
node starts only when another one is ACTIVE and settled. For other roles, settling nodes count against
max_parallel. A reboot counts as in flight until its node is back, even after its job ended.

Drains (connected clusters): --drain role=on|off (default on for master, infra, worker, other; HAProxy nodes are
never drained), --drain-timeout seconds (default 300).

Maintenance windows: "<days> HH:MM-HH:MM <IANA time zone>", days as Mon-Fri, Sat,Sun or daily; a close at or
before the open is the next day's (Sat 22:00-02:00 UTC); 24:00 is midnight. With windows set, a reboot outside
every window waits for the next one, a reboot whose deadline comes first is refused, and a rolling reboot pauses
between steps. Across daylight-saving changes a window keeps its local times (a skipped hour is skipped, a
repeated one counted twice). Customers may override the windows with a reason unless --no-window-override.

Examples:
  admin cluster policy prod.example.com
  admin cluster policy prod.example.com --nodes
  admin cluster policy prod.example.com --max-parallel worker=3 --cooldown 600
  admin cluster policy prod.example.com --settle master=180 --settle haproxy=90 --masters 3
  admin cluster policy prod.example.com --drain infra=off --drain-timeout 600
  admin cluster policy prod.example.com --pattern infra=infra-* --pattern infra=router-*
  admin cluster policy prod.example.com --window "Mon-Fri 01:00-05:00 Europe/London" --window "Sat 22:00-02:00 UTC"
  admin cluster policy prod.example.com --clear-windows --allow-window-override
  admin cluster policy prod.example.com --file policy.json
  admin cluster policy prod.example.com --reset`,
    );
  policy.action(
    run(async (context, id: string, options: PolicyOptions) => {
      const path = commandPath(policy);
      const admin = await context.clusterPolicyAdmin();
      const actor = context.config.actor;
      const override = windowOverrideFlag(policy, options, path);
      const flags =
        options.maxParallel !== undefined ||
        options.pattern !== undefined ||
        options.cooldown !== undefined ||
        options.window !== undefined ||
        options.clearWindows === true ||
        options.settle !== undefined ||
        options.drain !== undefined ||
        options.drainTimeout !== undefined ||
        options.masters !== undefined ||
        override !== undefined;
      if (options.window !== undefined && options.clearWindows) {
        throw new UsageError('give --window or --clear-windows, not both', path);
      }
      if (options.reset) {
        if (flags || options.set !== undefined || options.file !== undefined)
          throw new UsageError('--reset goes alone', path);
        return show(context, id, await admin.reset(id, actor), options);
      }
      if (options.set !== undefined && options.file !== undefined)
        throw new UsageError('give --set or --file, not both', path);
      if (!flags && options.set === undefined && options.file === undefined) {
        return show(context, id, await admin.show(id), options);
      }
      const given = options.set ?? (options.file === undefined ? undefined : await readPolicyFile(options.file));
      const base = given === undefined ? storedRebootPolicy(await admin.show(id)) : parseJson(given);
      const changed = applyFlags(base, { ...options, windowOverride: override }, path);
      const stored = await admin.set(id, changed, actor).catch((error: unknown) => {
        if (error instanceof InvalidRebootPolicyError) throw new CommandError(`invalid policy: ${error.message}`);
        throw error;
      });
      await show(context, id, stored, options);
    }),
  );
}

/** Prints the policy in force, with `--nodes` each node of the cluster and the role the policy gives it. */
async function show(context: AdminContext, id: string, policy: RebootPolicy, options: PolicyOptions): Promise<void> {
  if (!options.nodes) return context.printJson(storedRebootPolicy(policy));
  const { servers } = await listClusterServers(context, id);
  const nodes = Object.fromEntries(
    servers
      .map((server) => server.name)
      .sort((a, b) => a.localeCompare(b))
      .map((name) => [name, roleOf(name, policy)]),
  );
  context.printJson({ ...storedRebootPolicy(policy), nodes });
}

async function readPolicyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CommandError('the policy is not valid JSON');
  }
}

/** The flags applied over `base` (a stored-form policy, or anything: the policy's own check finds mistakes). */
function applyFlags(base: unknown, options: PolicyOptions, path: string): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return base;
  const policy = structuredClone(base) as {
    roles?: Record<string, Record<string, unknown>>;
    cooldown_seconds?: number;
    windows?: string[];
    allow_window_override?: boolean;
    drain_timeout_seconds?: number;
    masters?: number;
  };
  const roleOf = (role: NodeRole) => ((policy.roles ??= {})[role] ??= {});
  for (const entry of options.maxParallel ?? []) {
    const [role, count] = pair(entry, '--max-parallel', '<role>=<n>', path);
    if (!/^\d{1,4}$/.test(count)) throw new UsageError(`--max-parallel takes <role>=<n>, not ${entry}`, path);
    roleOf(role).max_parallel = Number(count);
  }
  const patterns = new Map<NodeRole, string[]>();
  for (const entry of options.pattern ?? []) {
    const [role, glob] = pair(entry, '--pattern', '<role>=<glob>', path);
    patterns.set(role, [...(patterns.get(role) ?? []), glob]);
  }
  for (const [role, globs] of patterns) roleOf(role).patterns = globs;
  if (options.cooldown !== undefined) {
    if (!/^\d{1,7}$/.test(options.cooldown)) throw new UsageError('--cooldown takes whole seconds', path);
    policy.cooldown_seconds = Number(options.cooldown);
  }
  for (const entry of options.settle ?? []) {
    const [role, value] = pair(entry, '--settle', '<role>=<seconds>', path);
    if (!/^\d{1,5}$/.test(value)) throw new UsageError(`--settle takes <role>=<whole seconds>, not ${entry}`, path);
    roleOf(role).settle_seconds = Number(value);
  }
  for (const entry of options.drain ?? []) {
    const [role, value] = pair(entry, '--drain', '<role>=on|off', path);
    if (value !== 'on' && value !== 'off') throw new UsageError(`--drain takes <role>=on|off, not ${entry}`, path);
    if (role === 'haproxy' && value === 'on') {
      throw new UsageError('HAProxy nodes are not cluster nodes: they are never drained', path);
    }
    roleOf(role).drain = value === 'on';
  }
  if (options.drainTimeout !== undefined) {
    if (!/^\d{1,5}$/.test(options.drainTimeout)) throw new UsageError('--drain-timeout takes whole seconds', path);
    policy.drain_timeout_seconds = Number(options.drainTimeout);
  }
  if (options.masters !== undefined) {
    if (!/^\d{1,2}$/.test(options.masters)) throw new UsageError('--masters takes a whole number', path);
    policy.masters = Number(options.masters);
  }
  if (options.window !== undefined) policy.windows = options.window;
  if (options.clearWindows) policy.windows = [];
  if (options.windowOverride !== undefined) policy.allow_window_override = options.windowOverride;
  return policy;
}

/**
 * Whether the operator gave `--allow-window-override` (true), `--no-window-override` (false) or neither
 * (undefined; commander's own default for a `--no-` flag is true, so only a flag from the command line counts).
 */
function windowOverrideFlag(command: Command, options: PolicyOptions, path: string): boolean | undefined {
  const denied = command.getOptionValueSource('windowOverride') === 'cli' && options.windowOverride === false;
  if (denied && options.allowWindowOverride) {
    throw new UsageError('give --allow-window-override or --no-window-override, not both', path);
  }
  if (denied) return false;
  return options.allowWindowOverride ? true : undefined;
}

function pair(entry: string, flag: string, shape: string, path: string): [NodeRole, string] {
  const at = entry.indexOf('=');
  const role = entry.slice(0, Math.max(at, 0));
  if (at < 0 || !(NodeRoles as readonly string[]).includes(role)) {
    throw new UsageError(`${flag} takes ${shape} with a role of ${ROLES}, not ${entry}`, path);
  }
  return [role as NodeRole, entry.slice(at + 1)];
}
