import { expectedRole, type NodeRole } from './chaos-schedule';

/**
 * The chaos run's invariants, checked against the simulator's own records (accepted reboot actions and down
 * intervals of every server, by its clock) and the harness's own observations of each job (when it asked, when it
 * saw the job end, what the job's output says). The service's claims are only ever the thing under test.
 */

/** A server's history at the simulator (`GET /_sim/history`). */
export interface ServerRecord {
  cluster: string;
  name: string;
  /** When Nova accepted each reboot action, oldest first. */
  reboots: number[];
  /** From a reboot's start until the server was next ACTIVE; `end` null: still down. */
  down: { start: number; end: number | null }[];
  /** Each period in a reboot task state (whatever it ended in); `end` null: still rebooting. */
  rebooting: { start: number; end: number | null }[];
}

/** A job the gateway accepted (202), as the harness saw it. */
export interface JobRecord {
  /** The schedule step that asked for it. */
  step: number;
  id: string;
  cluster: string;
  kind: 'reboot' | 'rolling';
  /** The node, or the rolling reboot's role. */
  target: string;
  /** The nodes it must reboot: its node, or every node of the role (by {@link expectedRole}). */
  nodes: string[];
  /** Before the POST left the harness. */
  requestedAt: number;
  /** The deadline the gateway gives it (JOB_DEADLINE_SECONDS, times the plan's length for a rolling reboot). */
  deadlineAt: number;
  /** When the harness first saw its output end `Done` or `Fail`; null if it never did. */
  endedAt: number | null;
  final: 'Done' | 'Fail' | null;
  output: string;
  errors: string;
}

/** A request the gateway refused (anything but 202), with what it answered. */
export interface Refusal {
  step: number;
  cluster: string;
  kind: 'reboot' | 'rolling';
  target: string;
  /** The nodes the request was about (by the harness's reading of the names). */
  nodes: string[];
  status: number;
  body: string;
}

/** A dry run's answer and when it was asked and answered. */
export interface DryRunRecord {
  step: number;
  cluster: string;
  node: string;
  sentAt: number;
  answeredAt: number;
  would: string | null;
}

export interface Observations {
  servers: ServerRecord[];
  jobs: JobRecord[];
  refusals: Refusal[];
  dryRuns: DryRunRecord[];
  /** Each cluster's `max_parallel` per role (1 when not given). */
  maxParallel: Record<string, Partial<Record<NodeRole, number>>>;
  /** How long after its deadline a job may still end (stated in the README). */
  boundMs: number;
  /** When the records were taken. */
  checkedAt: number;
}

export interface Violation {
  rule:
    | 'role-concurrency'
    | 'two-masters-down'
    | 'both-haproxy-down'
    | 'rebooted-twice'
    | 'done-without-reboot'
    | 'reboot-without-job'
    | 'rolling-missed-node'
    | 'rolling-refused'
    | 'job-never-ended'
    | 'dry-run-start-unsafe';
  cluster: string;
  message: string;
  /** Schedule steps involved: what a shrunk schedule must keep. */
  steps: number[];
}

const fmt = (at: number) => new Date(at).toISOString().slice(11, 23);

/** Every invariant, in a stable order. */
export function checkInvariants(seen: Observations): Violation[] {
  return [
    ...concurrencyViolations(seen),
    ...rebootCountViolations(seen),
    ...unownedReboots(seen),
    ...deadlineViolations(seen),
    ...rollingRefusals(seen),
    ...unsafeDryRuns(seen),
  ];
}

/**
 * The intervals that count against a role's limit: masters and HAProxy nodes are down until they are ACTIVE again
 * (an ERROR master breaks the quorum), the other roles count reboots in flight (`max_parallel` reboots at once).
 */
function outages(server: ServerRecord, role: NodeRole): ServerRecord['down'] {
  return role === 'master' || role === 'haproxy' ? server.down : server.rebooting;
}

/** How many nodes of `role` may be down at once: one master, all but one HAProxy node, else `max_parallel`. */
function limitOf(seen: Observations, cluster: string, role: NodeRole): number {
  if (role === 'master') return 1;
  const own = seen.maxParallel[cluster]?.[role] ?? 1;
  if (role === 'haproxy') {
    const count = seen.servers.filter((s) => s.cluster === cluster && expectedRole(s.name) === 'haproxy').length;
    return Math.min(own, Math.max(1, count - 1));
  }
  return own;
}

function jobsAround(seen: Observations, cluster: string, names: string[], at: number): number[] {
  return seen.jobs
    .filter(
      (job) =>
        job.cluster === cluster &&
        job.nodes.some((node) => names.includes(node)) &&
        job.requestedAt <= at &&
        (job.endedAt ?? Number.POSITIVE_INFINITY) >= at,
    )
    .map((job) => job.step);
}

/** Never more nodes of a role down at once than its limit (one per cluster and role, at the first moment). */
function concurrencyViolations(seen: Observations): Violation[] {
  const found: Violation[] = [];
  const clusters = [...new Set(seen.servers.map((server) => server.cluster))];
  for (const cluster of clusters) {
    const byRole = new Map<NodeRole, ServerRecord[]>();
    for (const server of seen.servers.filter((s) => s.cluster === cluster)) {
      const role = expectedRole(server.name);
      byRole.set(role, [...(byRole.get(role) ?? []), server]);
    }
    for (const [role, servers] of byRole) {
      const limit = limitOf(seen, cluster, role);
      const edges = servers.flatMap((server) =>
        outages(server, role).flatMap((interval) => [
          { at: interval.start, name: server.name, delta: 1 },
          ...(interval.end === null ? [] : [{ at: interval.end, name: server.name, delta: -1 }]),
        ]),
      );
      // An interval that ends when another starts does not overlap it.
      edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
      const down = new Set<string>();
      for (const edge of edges) {
        if (edge.delta > 0) down.add(edge.name);
        else down.delete(edge.name);
        if (down.size <= limit) continue;
        const names = [...down].sort();
        const rule =
          role === 'master' ? 'two-masters-down' : role === 'haproxy' ? 'both-haproxy-down' : 'role-concurrency';
        found.push({
          rule,
          cluster,
          message: `${names.length} ${role} nodes down at once at ${fmt(edge.at)} (limit ${limit}): ${names.join(', ')}`,
          steps: jobsAround(seen, cluster, names, edge.at),
        });
        break;
      }
    }
  }
  return found;
}

function rebootsIn(seen: Observations, cluster: string, node: string, from: number, to: number): number[] {
  const server = seen.servers.find((s) => s.cluster === cluster && s.name === node);
  return (server?.reboots ?? []).filter((at) => at >= from && at <= to);
}

const windowOf = (seen: Observations, job: JobRecord) => ({ from: job.requestedAt, to: job.endedAt ?? seen.checkedAt });

/** Jobs of `node` whose windows overlap `job`'s (itself included): reboots they may share. */
function sharers(seen: Observations, job: JobRecord, node: string): JobRecord[] {
  const own = windowOf(seen, job);
  return seen.jobs.filter((other) => {
    if (other.cluster !== job.cluster || !other.nodes.includes(node)) return false;
    const theirs = windowOf(seen, other);
    return theirs.from <= own.to && theirs.to >= own.from;
  });
}

/** At most once per job, exactly once when it says Done; a rolling reboot names every node it did not reboot. */
function rebootCountViolations(seen: Observations): Violation[] {
  const found: Violation[] = [];
  for (const job of seen.jobs) {
    const { from, to } = windowOf(seen, job);
    for (const node of job.nodes) {
      const reboots = rebootsIn(seen, job.cluster, node, from, to);
      const shared = sharers(seen, job, node);
      const label = job.kind === 'rolling' ? `rolling reboot ${job.target} (${job.id})` : `reboot job ${job.id}`;
      if (reboots.length > shared.length) {
        found.push({
          rule: 'rebooted-twice',
          cluster: job.cluster,
          message:
            `${node} rebooted ${reboots.length} times (at ${reboots.map(fmt).join(', ')}) within ${label}, ` +
            `which ended ${job.final ?? 'never'}${shared.length > 1 ? `, shared with ${shared.length - 1} other job(s)` : ''}`,
          steps: shared.map((other) => other.step),
        });
      } else if (reboots.length === 0 && job.final === 'Done') {
        found.push({
          rule: job.kind === 'rolling' ? 'rolling-missed-node' : 'done-without-reboot',
          cluster: job.cluster,
          message: `${label} says Done, but the simulator recorded no reboot of ${node} in its time`,
          steps: [job.step],
        });
      } else if (reboots.length === 0 && job.kind === 'rolling' && job.final === 'Fail') {
        if (!`${job.output}\n${job.errors}`.includes(node))
          found.push({
            rule: 'rolling-missed-node',
            cluster: job.cluster,
            message: `${label} ended Fail without rebooting ${node} and without naming it`,
            steps: [job.step],
          });
      }
    }
  }
  return found;
}

/** Every reboot Nova accepted falls within a job that asked for its server. */
function unownedReboots(seen: Observations): Violation[] {
  const found: Violation[] = [];
  for (const server of seen.servers) {
    for (const at of server.reboots) {
      const owners = seen.jobs.filter(
        (job) =>
          job.cluster === server.cluster &&
          job.nodes.includes(server.name) &&
          job.requestedAt <= at &&
          windowOf(seen, job).to >= at,
      );
      if (owners.length > 0) continue;
      const before = seen.jobs.filter(
        (job) => job.cluster === server.cluster && job.nodes.includes(server.name) && job.requestedAt <= at,
      );
      const last = before.at(-1);
      found.push({
        rule: 'reboot-without-job',
        cluster: server.cluster,
        message:
          `${server.name} rebooted at ${fmt(at)}, when no job for it was running` +
          (last ? ` (job ${last.id} had ended ${last.final} at ${fmt(last.endedAt ?? 0)})` : ''),
        steps: before.map((job) => job.step),
      });
    }
  }
  return found;
}

/** Every job ends by its deadline plus the bound. */
function deadlineViolations(seen: Observations): Violation[] {
  return seen.jobs
    .filter((job) => (job.endedAt ?? seen.checkedAt + 1) > job.deadlineAt + seen.boundMs)
    .filter((job) => job.endedAt !== null || seen.checkedAt > job.deadlineAt + seen.boundMs)
    .map((job) => ({
      rule: 'job-never-ended' as const,
      cluster: job.cluster,
      message:
        `${job.kind} job ${job.id} (${job.target}) ` +
        (job.endedAt === null ? 'had not ended' : `ended ${job.final}`) +
        ` ${Math.round(((job.endedAt ?? seen.checkedAt) - job.deadlineAt) / 1000)} s after its deadline` +
        ` (bound ${seen.boundMs / 1000} s); last output line: ${JSON.stringify(job.output.split('\n').at(-1))}`,
      steps: [job.step],
    }));
}

/** A rolling reboot of a role the cluster has nodes of is never refused as "no such node". */
function rollingRefusals(seen: Observations): Violation[] {
  return seen.refusals
    .filter((r) => r.kind === 'rolling' && r.nodes.length > 0 && /\bno\b.*\bnode/i.test(r.body))
    .map((r) => ({
      rule: 'rolling-refused' as const,
      cluster: r.cluster,
      message: `rolling reboot of role ${r.target} (${r.nodes.length} nodes: ${r.nodes.join(', ')}) answered ${r.status} ${r.body}`,
      steps: [r.step],
    }));
}

/** A dry run never says "start" for a node whose role already has its limit of other nodes down throughout. */
function unsafeDryRuns(seen: Observations): Violation[] {
  const found: Violation[] = [];
  for (const dry of seen.dryRuns.filter((d) => d.would === 'start')) {
    const role = expectedRole(dry.node);
    const others = seen.servers.filter(
      (s) => s.cluster === dry.cluster && s.name !== dry.node && expectedRole(s.name) === role,
    );
    const downThroughout = others.filter((s) =>
      outages(s, role).some((d) => d.start <= dry.sentAt && (d.end ?? Number.POSITIVE_INFINITY) >= dry.answeredAt),
    );
    const limit = limitOf(seen, dry.cluster, role);
    if (downThroughout.length < limit) continue;
    found.push({
      rule: 'dry-run-start-unsafe',
      cluster: dry.cluster,
      message:
        `dry run of ${dry.node} (${role}) said "start" while ${downThroughout.map((s) => s.name).join(', ')} ` +
        `${downThroughout.length === 1 ? 'was' : 'were'} down (limit ${limit})`,
      steps: [
        dry.step,
        ...jobsAround(
          seen,
          dry.cluster,
          downThroughout.map((s) => s.name),
          dry.sentAt,
        ),
      ],
    });
  }
  return found;
}
