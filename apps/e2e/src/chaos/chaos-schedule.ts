import fc from 'fast-check';

/**
 * The seeded chaos run's schedules: which clusters and nodes exist, what an operation is, and how a seed becomes a
 * schedule (fast-check's generators, so one seed always gives the same schedule). A schedule is plain JSON with
 * explicit offsets in ms from the start of the run, so a printed one can be replayed as it is.
 */

export type NodeRole = 'haproxy' | 'master' | 'infra' | 'worker' | 'other';
export const ROLLING_ROLES = ['worker', 'infra', 'master', 'haproxy'] as const;

/** A simulated cluster of the run: its Keystone project, node names and the reboot rules it is given. */
export interface ChaosCluster {
  key: 'classic' | 'installer';
  projectId: string;
  nodes: string[];
  /** The cluster's stored reboot policy (null: the defaults). */
  policy: { roles: Partial<Record<NodeRole, { max_parallel: number }>> } | null;
}

/** OpenShift 3.x names (`master-0.openstacklocal`), a worker role allowed two at once. */
const CLASSIC: ChaosCluster = {
  key: 'classic',
  projectId: 'c1a55c00000000000000000000000001',
  nodes: [
    ...['haproxy-0', 'haproxy-1', 'master-0', 'master-1', 'master-2', 'infra-0', 'infra-1'],
    ...['worker-0', 'worker-1', 'worker-2'],
  ].map((name) => `${name}.openstacklocal`),
  policy: { roles: { worker: { max_parallel: 2 } } },
};

/** The OpenShift 4 installer's names (`ocp-x7k2p-master-0`, `ocp-x7k2p-worker-0-abcde`), default rules. */
const INSTALLER: ChaosCluster = {
  key: 'installer',
  projectId: '0c9a7c00000000000000000000000002',
  nodes: [
    ...['master-0', 'master-1', 'master-2'],
    ...['infra-0-pqrst', 'infra-0-uvwxy'],
    ...['worker-0-abcde', 'worker-0-fghij', 'worker-0-klmno'],
  ].map((name) => `ocp-x7k2p-${name}`),
  policy: null,
};

export const CHAOS_CLUSTERS: readonly ChaosCluster[] = [CLASSIC, INSTALLER];

export function chaosCluster(key: ChaosCluster['key']): ChaosCluster {
  return CHAOS_CLUSTERS.find((cluster) => cluster.key === key)!;
}

/**
 * The role a node has, by the harness's own reading of both naming styles (never the service's): a `master`,
 * `worker`, `infra` or `haproxy` word at the start of the name or after a `-`, followed by `-<digit>`.
 */
export function expectedRole(name: string): NodeRole {
  const match = /(?:^|-)(haproxy|master|infra|worker)-\d/.exec(name);
  return (match?.[1] as NodeRole | undefined) ?? 'other';
}

/** The nodes a rolling reboot of `role` must reboot. */
export function plannedNodes(cluster: ChaosCluster, role: string): string[] {
  return cluster.nodes.filter((node) => expectedRole(node) === role);
}

export type ChaosFault =
  /** Nova applies the reboot, then answers `500 computeFault`. */
  | 'nova-500-acted'
  /** Nova answers `500 computeFault` and does nothing. */
  | 'nova-500-not-acted'
  /** The proxy in front of nova-api answers an HTML `502` after Nova took the reboot. These three strike the
   * server's next reboot action, whenever it comes (`forMs` does not apply to them). */
  | 'proxy-502-acted'
  /** Nova applies the reboot 12 s later (longer than the worker's 10 s OpenStack timeout). */
  | 'slow-answer'
  /** An admin locks the server for `forMs`. */
  | 'locked'
  /** The server's reboots end `ERROR` for `forMs` (a HARD reboot afterwards brings it back). */
  | 'goes-error';

export const CHAOS_FAULTS: readonly ChaosFault[] = [
  'nova-500-acted',
  'nova-500-not-acted',
  'proxy-502-acted',
  'slow-answer',
  'locked',
  'goes-error',
];

export type ChaosOp =
  | { kind: 'reboot'; cluster: ChaosCluster['key']; node: string; type: 'SOFT' | 'HARD'; user: number }
  | { kind: 'dry-run'; cluster: ChaosCluster['key']; node: string; user: number }
  | { kind: 'rolling'; cluster: ChaosCluster['key']; role: (typeof ROLLING_ROLES)[number]; user: number }
  /** Cancels the job the step with id `step` started (nothing when it started none, or is not in the schedule). */
  | { kind: 'cancel'; step: number; user: number }
  /** SIGKILLs a worker (`worker` modulo the running ones) and starts another, its clock `skewSeconds` off. */
  | { kind: 'kill-worker'; worker: number; skewSeconds: 0 | 30 | -30 }
  | { kind: 'fault'; cluster: ChaosCluster['key']; node: string; fault: ChaosFault; forMs: number }
  | { kind: 'redis-flushall' };

/** One operation, `at` ms after the start of the run; `id` stays the same when a shrunk schedule drops others. */
export type ChaosStep = { id: number; at: number } & ChaosOp;

export interface ChaosSchedule {
  seed: number | null;
  steps: ChaosStep[];
}

/** How many users the run creates; operations name them by index. */
export const CHAOS_USERS = 3;

const clusterArb = fc.constantFrom(...CHAOS_CLUSTERS);
const userArb = fc.integer({ min: 0, max: CHAOS_USERS - 1 });
const nodeOf = clusterArb.chain((cluster) =>
  fc.record({ cluster: fc.constant(cluster.key), node: fc.constantFrom(...cluster.nodes) }),
);

/** One operation, weighted toward reboots; `cancel` gets its target resolved by {@link scheduleArb}. */
const opArb: fc.Arbitrary<ChaosOp> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({ at: nodeOf, type: fc.constantFrom('SOFT' as const, 'SOFT' as const, 'HARD' as const), user: userArb })
      .map(({ at, type, user }) => ({ kind: 'reboot' as const, ...at, type, user })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ at: nodeOf, user: userArb })
      .map(({ at, user }) => ({ kind: 'dry-run' as const, ...at, user })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ cluster: clusterArb, role: fc.constantFrom(...ROLLING_ROLES), user: userArb })
      .filter(({ cluster, role }) => plannedNodes(cluster, role).length > 0)
      .map(({ cluster, role, user }) => ({ kind: 'rolling' as const, cluster: cluster.key, role, user })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ step: fc.nat(1000), user: userArb })
      .map(({ step, user }) => ({ kind: 'cancel' as const, step, user })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ worker: fc.nat(7), skewSeconds: fc.constantFrom(0 as const, 30 as const, -30 as const) })
      .map((kill) => ({ kind: 'kill-worker' as const, ...kill })),
  },
  {
    weight: 5,
    arbitrary: fc
      .record({ at: nodeOf, fault: fc.constantFrom(...CHAOS_FAULTS), forMs: fc.integer({ min: 3000, max: 15000 }) })
      .map(({ at, fault, forMs }) => ({ kind: 'fault' as const, ...at, fault, forMs })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'redis-flushall' as const }) },
);

/**
 * `ops` operations, 0–4 s apart. A cancel names an earlier job-starting step (it is dropped when there is none); a
 * fault drawn as aimed strikes the node the next reboot (or the first node of the next rolling reboot) asks for,
 * so that most faults meet a reboot.
 */
export function scheduleArb(ops: number): fc.Arbitrary<ChaosStep[]> {
  return fc
    .array(fc.record({ gap: fc.integer({ min: 0, max: 4000 }), aim: fc.boolean(), op: opArb }), {
      minLength: ops,
      maxLength: ops,
    })
    .map((drawn) => {
      const steps: ChaosStep[] = [];
      let at = 0;
      for (const [index, { gap, aim, op }] of drawn.entries()) {
        at += gap;
        if (op.kind === 'cancel') {
          const starters = steps.filter((step) => step.kind === 'reboot' || step.kind === 'rolling');
          if (starters.length === 0) continue;
          steps.push({ id: steps.length, at, ...op, step: starters[op.step % starters.length].id });
        } else if (op.kind === 'fault' && aim) {
          steps.push({
            id: steps.length,
            at,
            ...op,
            ...aimAt(
              drawn.slice(index + 1).map((d) => d.op),
              op,
            ),
          });
        } else {
          steps.push({ id: steps.length, at, ...op });
        }
      }
      return steps.sort((a, b) => a.at - b.at || a.id - b.id);
    });
}

/** The cluster and node the next reboot among `later` asks for (the fault's own when none does). */
function aimAt(later: ChaosOp[], fault: { cluster: ChaosCluster['key']; node: string }) {
  for (const op of later) {
    if (op.kind === 'reboot') return { cluster: op.cluster, node: op.node };
    if (op.kind === 'rolling') return { cluster: op.cluster, node: plannedNodes(chaosCluster(op.cluster), op.role)[0] };
  }
  return { cluster: fault.cluster, node: fault.node };
}

/** The schedule seed `seed` gives for `ops` operations (the same on every machine). */
export function scheduleFor(seed: number, ops: number): ChaosSchedule {
  const [steps] = fc.sample(scheduleArb(ops), { seed, numRuns: 1 });
  return { seed, steps };
}

/** Reads a printed schedule back (a `--schedule` file), refusing anything that is not one. */
export function parseSchedule(text: string): ChaosSchedule {
  const parsed = JSON.parse(text) as Partial<ChaosSchedule>;
  if (!parsed || !Array.isArray(parsed.steps)) throw new Error('a schedule is {"seed": N | null, "steps": [...]}');
  for (const [index, step] of parsed.steps.entries()) {
    if (typeof step?.id !== 'number' || typeof step.at !== 'number' || typeof step.kind !== 'string')
      throw new Error(`step ${index} needs a numeric "id" and "at", and a "kind"`);
  }
  return { seed: parsed.seed ?? null, steps: parsed.steps };
}
