import { z } from 'zod';
import { type MaintenanceWindow, parseMaintenanceWindow } from './maintenance-windows';

/**
 * A cluster's reboot rules: the policy an operator sets (roles by name, limits, settle times, drains, windows),
 * read and checked. The decision they make is in `reboot-admission`.
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
  /**
   * A node of the role back from a reboot counts as settling this long (seconds): Ready (on a connected cluster),
   * else released, this recently. A settling master or HAProxy node holds its peers' reboots back, and a settling
   * node counts against its role's `maxParallel`.
   */
  settleSeconds: number;
  /** Whether a reboot of the role drains the node first (connected clusters); never for HAProxy nodes. */
  drain: boolean;
}

export interface RebootPolicy {
  roles: Record<NodeRole, RolePolicy>;
  /** After a node's reboot ended `Done`, another reboot of it inside this many seconds is refused (429); 0 off. */
  cooldownSeconds: number;
  /** When reboots may start (none: any time); see `maintenance-windows`. */
  windows: MaintenanceWindow[];
  /** Whether a customer may start a reboot outside the windows (`override_window` with a reason). */
  allowWindowOverride: boolean;
  /** A drain that has not emptied the node after this many seconds ends the job `Fail`, nothing sent to Nova. */
  drainTimeoutSeconds: number;
  /** How many masters the cluster has: fewer in Nova's listing hold every master's reboot back. */
  masters: number;
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
    haproxy: { patterns: ['haproxy-#', 'haproxy-#.*'], maxParallel: 1, settleSeconds: 60, drain: false },
    master: {
      patterns: ['master-#', 'master-#.*', installer('master', '-#'), installer('bootstrap', '')],
      maxParallel: 1,
      settleSeconds: 120,
      drain: true,
    },
    infra: {
      patterns: ['infra-#', 'infra-#.*', installer('infra', '-*')],
      maxParallel: 1,
      settleSeconds: 0,
      drain: true,
    },
    worker: {
      patterns: ['worker-#', 'worker-#.*', installer('worker', '-*')],
      maxParallel: 1,
      settleSeconds: 0,
      drain: true,
    },
    other: { patterns: [], maxParallel: 1, settleSeconds: 0, drain: true },
  },
  cooldownSeconds: 0,
  windows: [],
  allowWindowOverride: true,
  drainTimeoutSeconds: 300,
  masters: 3,
};

/** The longest settle time and drain timeout a policy may set (seconds): one hour. */
export const MAX_SETTLE_SECONDS = 3600;

const pattern = z
  .string()
  .min(1, 'a pattern may not be empty')
  .max(253)
  .regex(/^[A-Za-z0-9._*?#-]+$/, 'a pattern is a node name with *, ? and # wildcards');
const rolePolicy = z.strictObject({
  patterns: z.array(pattern).max(50).optional(),
  max_parallel: z.number().int().min(1).max(1000).optional(),
  settle_seconds: z
    .number()
    .int('settle_seconds is whole seconds')
    .min(0, 'settle_seconds may not be negative')
    .max(MAX_SETTLE_SECONDS, `settle_seconds is at most ${MAX_SETTLE_SECONDS} (one hour)`)
    .optional(),
  /** Accepted for HAProxy nodes too, and ignored there: they are not cluster nodes. */
  drain: z.boolean('drain is true or false').optional(),
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
  drain_timeout_seconds: z
    .number()
    .int('drain_timeout_seconds is whole seconds')
    .min(10, 'drain_timeout_seconds is at least 10')
    .max(MAX_SETTLE_SECONDS, `drain_timeout_seconds is at most ${MAX_SETTLE_SECONDS} (one hour)`)
    .optional(),
  masters: z
    .number()
    .int('masters is a whole number')
    .min(1, 'masters is at least 1')
    .max(15, 'masters is at most 15')
    .optional(),
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
      settleSeconds: given.settle_seconds ?? roles[role].settleSeconds,
      // HAProxy VMs are not cluster nodes: never drained, whatever is set.
      drain: role === 'haproxy' ? false : (given.drain ?? roles[role].drain),
    };
  }
  return {
    roles,
    cooldownSeconds: parsed.data.cooldown_seconds ?? DEFAULT_REBOOT_POLICY.cooldownSeconds,
    windows: (parsed.data.windows ?? []).map((text) => parseMaintenanceWindow(text) as MaintenanceWindow),
    allowWindowOverride: parsed.data.allow_window_override ?? DEFAULT_REBOOT_POLICY.allowWindowOverride,
    drainTimeoutSeconds: parsed.data.drain_timeout_seconds ?? DEFAULT_REBOOT_POLICY.drainTimeoutSeconds,
    masters: parsed.data.masters ?? DEFAULT_REBOOT_POLICY.masters,
  };
}

/** The stored form of a policy (what `parseRebootPolicy` reads back). */
export function storedRebootPolicy(policy: RebootPolicy): StoredRebootPolicy {
  const roles = Object.fromEntries(
    NodeRoles.map((role) => [
      role,
      {
        patterns: policy.roles[role].patterns,
        max_parallel: policy.roles[role].maxParallel,
        settle_seconds: policy.roles[role].settleSeconds,
        drain: policy.roles[role].drain,
      },
    ]),
  );
  return {
    roles,
    cooldown_seconds: policy.cooldownSeconds,
    windows: policy.windows.map((window) => window.text),
    allow_window_override: policy.allowWindowOverride,
    drain_timeout_seconds: policy.drainTimeoutSeconds,
    masters: policy.masters,
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

/**
 * The roles already found per policy (its `roles`, which a parsed policy never changes, and which copies of it
 * share): a decision over a cluster's node list matches each name once per policy, not once per request.
 */
const rolesFound = new WeakMap<RebootPolicy['roles'], Map<string, NodeRole>>();

/** The node's role: the first role (in {@link NodeRoles} order) one of whose patterns matches its name. */
export function roleOf(nodename: string, policy: RebootPolicy): NodeRole {
  let found = rolesFound.get(policy.roles);
  if (!found) rolesFound.set(policy.roles, (found = new Map()));
  const known = found.get(nodename);
  if (known) return known;
  const role = NodeRoles.find((each) => policy.roles[each].patterns.some((glob) => matches(glob, nodename))) ?? 'other';
  if (found.size > 10_000) found.clear();
  found.set(nodename, role);
  return role;
}

/** The nodes a rolling reboot of `role` takes, in order: by role (see {@link ROLLING_ORDER}), then as listed. */
export function rollingPlan(role: RollingRole, nodenames: readonly string[], policy: RebootPolicy): string[] {
  const roles = role === 'all' ? ROLLING_ORDER : [role];
  return roles.flatMap((wanted) => nodenames.filter((name) => roleOf(name, policy) === wanted));
}
