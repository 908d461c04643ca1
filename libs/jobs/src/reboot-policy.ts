import { z } from 'zod';
import { type MaintenanceWindow, parseMaintenanceWindow, windowStatus, windowTime } from './maintenance-windows';

/**
 * A cluster's reboot rules and the one decision they make: may this node's reboot start now, wait, or never?
 * Pure: the gateway (dry run) and the worker (admission, under the cluster's lock) feed it the same facts.
 */

/** The roles of an OpenShift-on-OpenStack node, in the order a name is matched against their patterns. */
export const NodeRoles = ['haproxy', 'master', 'infra', 'worker', 'other'] as const;
export type NodeRole = (typeof NodeRoles)[number];

/** The roles a rolling reboot may be asked for; `all` is every role, in {@link ROLLING_ORDER}. */
export const RollingRoles = ['worker', 'infra', 'master', 'haproxy', 'all'] as const;
export type RollingRole = (typeof RollingRoles)[number];

/**
 * The order a rolling reboot of `all` takes: the roles whose loss the cluster feels least first (workers, whose
 * pods move; anything unnamed; the router-carrying infra nodes), the control plane after (one master at a time,
 * each only with etcd's quorum whole), the HAProxy nodes, the cluster's front door, last.
 */
export const ROLLING_ORDER: readonly NodeRole[] = ['worker', 'other', 'infra', 'master', 'haproxy'];

export interface RolePolicy {
  /**
   * Name patterns, matched case-insensitively against the whole node name: `*` any run of characters, `?` one
   * character, `#` one or more digits.
   */
  patterns: string[];
  /** At most this many reboots of the role in flight at once in the cluster. */
  maxParallel: number;
}

export interface RebootPolicy {
  roles: Record<NodeRole, RolePolicy>;
  /** After a node's reboot ended `Done`, another reboot of it inside this many seconds is refused (429); 0 off. */
  cooldownSeconds: number;
  /** When reboots may start (none: any time); see `maintenance-windows`. */
  windows: MaintenanceWindow[];
  /** Whether a customer may start a reboot outside the windows (`override_window` with a reason). */
  allowWindowOverride: boolean;
}

/**
 * The OpenShift 4 installer's machine names: `<infra-id>-<role>-…`, where the infra id is the cluster's name and
 * five random characters (`ocp-x7k2p`). Anchoring the role word right after those five characters keeps a
 * cluster name that contains a role word (`master-lab-x7k2p-worker-0-bcdfg`) from deciding the role.
 */
const installer = (role: string, rest: string) => `*-?????-${role}${rest}`;

/**
 * The rules every cluster has until an operator sets others: roles from both naming styles, one reboot per role
 * at once. OpenShift 3.x names (`master-0.openstacklocal`, `haproxy-1`) are the role, a dash and a number, with
 * or without a domain; the installer's are `<infra-id>-master-<n>`, `<infra-id>-worker-<zone or n>-<suffix>`,
 * `<infra-id>-infra-…`. The installer's bootstrap machine (`<infra-id>-bootstrap`) carries the temporary control
 * plane while it exists, so it counts as a master: its reboot is guarded by etcd's quorum, never treated as
 * `other`. A name of neither style is `other`.
 */
export const DEFAULT_REBOOT_POLICY: RebootPolicy = {
  roles: {
    haproxy: { patterns: ['haproxy-#', 'haproxy-#.*'], maxParallel: 1 },
    master: {
      patterns: ['master-#', 'master-#.*', installer('master', '-#'), installer('bootstrap', '')],
      maxParallel: 1,
    },
    infra: { patterns: ['infra-#', 'infra-#.*', installer('infra', '-*')], maxParallel: 1 },
    worker: { patterns: ['worker-#', 'worker-#.*', installer('worker', '-*')], maxParallel: 1 },
    other: { patterns: [], maxParallel: 1 },
  },
  cooldownSeconds: 0,
  windows: [],
  allowWindowOverride: true,
};

const pattern = z
  .string()
  .min(1, 'a pattern may not be empty')
  .max(253)
  .regex(/^[A-Za-z0-9._*?#-]+$/, 'a pattern is a node name with *, ? and # wildcards');
const rolePolicy = z.strictObject({
  patterns: z.array(pattern).max(50).optional(),
  max_parallel: z.number().int().min(1).max(1000).optional(),
});
/** The stored (and operator-given) form: snake_case JSON, every part optional (the defaults fill the rest). */
const storedPolicy = z.strictObject({
  roles: z.strictObject(Object.fromEntries(NodeRoles.map((role) => [role, rolePolicy.optional()]))).optional(),
  cooldown_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .optional(),
  windows: z
    .array(
      z.string().superRefine((text, context) => {
        const window = parseMaintenanceWindow(text);
        if ('error' in window) context.addIssue({ code: 'custom', message: window.error });
      }),
    )
    .max(20, 'at most 20 windows')
    .optional(),
  allow_window_override: z.boolean().optional(),
});
export type StoredRebootPolicy = z.input<typeof storedPolicy>;

/** Reads a stored or operator-given policy (null: the defaults); throws a plain-worded error when it is not one. */
export function parseRebootPolicy(value: unknown): RebootPolicy {
  if (value === null || value === undefined) return DEFAULT_REBOOT_POLICY;
  const parsed = storedPolicy.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'policy';
    throw new InvalidRebootPolicyError(`${where}: ${issue?.message ?? 'invalid'}`);
  }
  const roles = { ...DEFAULT_REBOOT_POLICY.roles };
  for (const role of NodeRoles) {
    const given = parsed.data.roles?.[role];
    if (!given) continue;
    roles[role] = {
      patterns: given.patterns ?? roles[role].patterns,
      maxParallel: given.max_parallel ?? roles[role].maxParallel,
    };
  }
  return {
    roles,
    cooldownSeconds: parsed.data.cooldown_seconds ?? DEFAULT_REBOOT_POLICY.cooldownSeconds,
    windows: (parsed.data.windows ?? []).map((text) => parseMaintenanceWindow(text) as MaintenanceWindow),
    allowWindowOverride: parsed.data.allow_window_override ?? DEFAULT_REBOOT_POLICY.allowWindowOverride,
  };
}

/** The stored form of a policy (what `parseRebootPolicy` reads back). */
export function storedRebootPolicy(policy: RebootPolicy): StoredRebootPolicy {
  const roles = Object.fromEntries(
    NodeRoles.map((role) => [
      role,
      { patterns: policy.roles[role].patterns, max_parallel: policy.roles[role].maxParallel },
    ]),
  );
  return {
    roles,
    cooldown_seconds: policy.cooldownSeconds,
    windows: policy.windows.map((window) => window.text),
    allow_window_override: policy.allowWindowOverride,
  };
}

export class InvalidRebootPolicyError extends Error {
  override readonly name = 'InvalidRebootPolicyError';
}

const compiled = new Map<string, RegExp>();

function matches(glob: string, name: string): boolean {
  let regex = compiled.get(glob);
  if (!regex) {
    const body = glob
      .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
      .replace(/#/g, '[0-9]+');
    regex = new RegExp(`^${body}$`, 'i');
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(glob, regex);
  }
  return regex.test(name);
}

/** The node's role: the first role (in {@link NodeRoles} order) one of whose patterns matches its name. */
export function roleOf(nodename: string, policy: RebootPolicy): NodeRole {
  for (const role of NodeRoles) {
    if (policy.roles[role].patterns.some((glob) => matches(glob, nodename))) return role;
  }
  return 'other';
}

/** The nodes a rolling reboot of `role` takes, in order: by role (see {@link ROLLING_ORDER}), then as listed. */
export function rollingPlan(role: RollingRole, nodenames: readonly string[], policy: RebootPolicy): string[] {
  const roles = role === 'all' ? ROLLING_ORDER : [role];
  return roles.flatMap((wanted) => nodenames.filter((name) => roleOf(name, policy) === wanted));
}

/** A node as the rules see it: its name and its Nova status. */
export interface NodeSeen {
  nodename: string;
  status: string;
}

export interface AdmissionFacts {
  target: string;
  policy: RebootPolicy;
  /** The cluster's reboots that have started and not ended, this one excepted (node names). */
  inFlight: readonly string[];
  /** The cluster's nodes with their Nova status, as recently seen. */
  nodes: readonly NodeSeen[];
  /** The time of the decision (ms since the epoch; now unless given), for the maintenance windows. */
  now?: number;
  /** The job's deadline (ms since the epoch), if it has one: a window that opens only after it is a refusal. */
  deadlineAt?: number | null;
  /** The customer overrode the maintenance windows (`override_window`): they do not hold this reboot back. */
  windowOverride?: boolean;
}

/** What the rules say of a reboot now. `reason` is a plain sentence without a trailing period. */
export type Admission =
  { would: 'start'; reason: string } | { would: 'wait'; reason: string } | { would: 'refuse'; reason: string };

/** Names a few nodes, then how many more: `a, b and 3 more`. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 3);
  const more = names.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : (shown[0] ?? '');
}

/**
 * The rules: at most `maxParallel` reboots of the node's role in flight; a master only when every other master
 * is `ACTIVE` and none reboots (etcd keeps its quorum); an HAProxy node only when another HAProxy node is
 * `ACTIVE` and not rebooting (the cluster keeps a front door), never when it is the only one.
 */
export function decideAdmission(facts: AdmissionFacts): Admission {
  const { target, policy } = facts;
  const window = windowDecision(policy, facts.now ?? Date.now(), facts.deadlineAt ?? null, facts.windowOverride);
  if (window) return window;
  const role = roleOf(target, policy);
  const inFlight = new Set(facts.inFlight.filter((name) => name !== target));
  const sameRole = [...inFlight].filter((name) => roleOf(name, policy) === role);
  const { maxParallel } = policy.roles[role];
  if (sameRole.length >= maxParallel) {
    return { would: 'wait', reason: `${listed(sameRole)} ${sameRole.length === 1 ? 'is' : 'are'} rebooting` };
  }
  const peers = facts.nodes.filter((node) => node.nodename !== target && roleOf(node.nodename, policy) === role);
  const up = (node: NodeSeen) => node.status === 'ACTIVE' && !inFlight.has(node.nodename);
  if (role === 'master') {
    const down = peers.filter((node) => !up(node));
    if (down.length > 0) {
      const [first] = down;
      const what = inFlight.has(first!.nodename) ? 'rebooting' : first!.status;
      const rest = down.length > 1 ? ` (${down.length - 1} more master${down.length > 2 ? 's' : ''} not ACTIVE)` : '';
      return { would: 'wait', reason: `${first!.nodename} is ${what}: etcd needs every other master${rest}` };
    }
    return { would: 'start', reason: `every other master is ACTIVE` };
  }
  if (role === 'haproxy') {
    if (peers.length === 0) {
      return {
        would: 'refuse',
        reason: `${target} is the cluster's only HAProxy node: rebooting it takes the cluster offline`,
      };
    }
    if (!peers.some(up)) {
      return {
        would: 'wait',
        reason: `no other HAProxy node is ACTIVE (${listed(peers.map((node) => `${node.nodename} ${inFlight.has(node.nodename) ? 'rebooting' : node.status}`))})`,
      };
    }
    return { would: 'start', reason: `another HAProxy node is ACTIVE` };
  }
  return {
    would: 'start',
    reason: `${sameRole.length} of at most ${maxParallel} ${role} reboot${maxParallel === 1 ? '' : 's'} in flight`,
  };
}

/**
 * What the maintenance windows say of a reboot at `at` (null: nothing, a window is open, there is none, or the
 * customer overrode them): `wait` until the next window opens, or `refuse` when it opens only at or after the
 * job's deadline (or never).
 */
export function windowDecision(
  policy: RebootPolicy,
  at: number,
  deadlineAt: number | null,
  overridden = false,
): Admission | null {
  if (overridden) return null;
  const status = windowStatus(policy.windows, at);
  if (status.open) return null;
  if (status.nextOpen === null) return { would: 'refuse', reason: 'no maintenance window opens in the next two weeks' };
  const opens = windowTime(status.nextOpen);
  if (deadlineAt !== null && status.nextOpen >= deadlineAt) {
    return {
      would: 'refuse',
      reason: `outside the maintenance window; the next opens ${opens}, after the job's deadline (${windowTime(deadlineAt)})`,
    };
  }
  return { would: 'wait', reason: `outside the maintenance window; next opens ${opens}` };
}

/** {@link decideInTurn}'s facts: the admission's, and who asked before. */
export interface TurnFacts extends AdmissionFacts {
  /** The cluster's reboots asked before this one that have not started yet, oldest first (node names). */
  ahead: readonly string[];
}

/**
 * {@link decideAdmission} in request order, within the node's role: a reboot the rules would start now still waits
 * when starting it would hold back one of its role that asked before. The older ones are taken in order, each
 * counted as started if the rules would start it now (an older one that cannot start anyway, say a master
 * waiting for a peer that is down, holds nobody back); this one starts only if it still may after them.
 */
export function decideInTurn(facts: TurnFacts): Admission {
  const now = decideAdmission(facts);
  if (now.would !== 'start') return now;
  const { target, policy } = facts;
  const role = roleOf(target, policy);
  const started = [...facts.inFlight];
  const first: string[] = [];
  for (const name of facts.ahead) {
    if (name === target || roleOf(name, policy) !== role) continue;
    if (decideAdmission({ ...facts, target: name, inFlight: started }).would !== 'start') continue;
    started.push(name);
    first.push(name);
  }
  if (first.length === 0 || decideAdmission({ ...facts, inFlight: started }).would === 'start') return now;
  return { would: 'wait', reason: `${listed(first)} asked first` };
}

/**
 * Which waiting reboots to wake when a reboot of the cluster ends: per role, the oldest ones, as many as the
 * role may have in flight (only they can start; the others would wait behind them). `waiting` is oldest first.
 */
export function turnHeads<T extends { target: string }>(waiting: readonly T[], policy: RebootPolicy): T[] {
  const taken = new Map<NodeRole, number>();
  return waiting.filter((job) => {
    const role = roleOf(job.target, policy);
    const count = taken.get(role) ?? 0;
    taken.set(role, count + 1);
    return count < policy.roles[role].maxParallel;
  });
}

/** Seconds until a node may be rebooted again after its last `Done` at `lastDoneAt`; 0 when it may now. */
export function cooldownLeftSeconds(lastDoneAt: Date | null, policy: RebootPolicy, now = Date.now()): number {
  if (!lastDoneAt || policy.cooldownSeconds <= 0) return 0;
  const left = lastDoneAt.getTime() + policy.cooldownSeconds * 1000 - now;
  return left > 0 ? Math.ceil(left / 1000) : 0;
}
