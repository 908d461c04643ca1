import type { Redis } from 'ioredis';
import {
  ActiveJobStates,
  type ClusterRules,
  DEFAULT_REBOOT_POLICY,
  type JobEntity,
  type JobLease,
  type RebootPolicy,
  type WatchedJobs,
  WATCHER_OWNER_SUFFIX,
  type WrittenLine,
  type PollEntry,
} from '@oshift/jobs';
import { type ClusterNode, ClusterNotFoundError } from '@oshift/node-registry';
import { type NovaInstanceAction, type NovaServer, OpenStackError, type RebootType } from '@oshift/openstack-client';
import type { RedisConnections } from '@oshift/redis';
import { ClusterWatcher, type WatchedNova, type WatchTargets } from './cluster-watcher';
import { RebootSender, type SendAdmissions } from './reboot-sender';
import {
  RebootHandler,
  type RebootAdmissions,
  type RebootJobRecords,
  type RebootTargets,
  type RunOutcome,
} from './reboot.handler';

/**
 * A reboot's whole world for the unit specs of the reboot handler and the cluster watcher: the job rows as
 * Postgres holds them, behind in-memory fakes of `JobLeases`, `JobAdmissions` and `WatchedJobs` that apply every
 * write to those rows as their SQL does (leases included), the node registry, and a Nova whose listings follow a
 * script. Every write to the rows and every call to Nova is recorded, in order, in `calls`.
 */

export const MINUTE = 60_000;
export const CLUSTER = 'c1';

/** A node of the cluster as the registry lists it. */
export const node = (nodename: string, serverId: string, status = 'ACTIVE'): ClusterNode => ({
  nodename,
  status,
  serverId,
  taskState: null,
});

/** The node most specs reboot. */
export const NODE = node('worker-0', 'srv-0');

/** A server as a listing shows it (worker-0 unless `of` says which node). */
export const server = (status: string, taskState: string | null = null, fault?: string, of = NODE): NovaServer => ({
  id: of.serverId,
  name: of.nodename,
  status,
  taskState,
  vmState: null,
  powerState: null,
  ...(fault ? { fault: { code: 500, message: fault } } : {}),
});

/** A job row as Postgres holds it; `overrides` set what an earlier run (or the gateway) recorded. */
export function jobRow(overrides: Partial<JobEntity> = {}): JobEntity {
  return {
    id: 'job-1',
    clusterId: CLUSTER,
    target: NODE.nodename,
    state: 'queued',
    errors: '',
    requestedBy: 'operator',
    requestId: 'req-1',
    serverId: null,
    rebootType: 'SOFT',
    rebootAttemptedAt: null,
    rebootSentAt: null,
    rebootRequestId: null,
    rebootActionsBefore: null,
    releasedAt: null,
    notBefore: null,
    windowOverrideBy: null,
    windowOverrideReason: null,
    attempts: 0,
    leaseOwner: null,
    leaseUntil: null,
    kind: 'reboot',
    parentId: null,
    rollingRole: null,
    rollingPlan: null,
    rollingSkipped: null,
    admittedAt: null,
    waitingReason: null,
    cancelledBy: null,
    lastProblem: null,
    traceContext: null,
    silenceId: null,
    kubeNode: null,
    nodePhase: null,
    cordonedByJob: null,
    bootIdBefore: null,
    drainStartedAt: null,
    nodeLine: null,
    statusLine: null,
    statusLineAt: null,
    mirroredLines: 0,
    deadlineAt: new Date(Date.now() + 10 * MINUTE),
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** A row whose SOFT reboot Nova accepted `agoMs` ago (admitted, sent: the cluster's watcher follows it). */
export const sentRow = (agoMs = 0, overrides: Partial<JobEntity> = {}): JobEntity =>
  jobRow({
    state: 'running',
    serverId: NODE.serverId,
    admittedAt: new Date(Date.now() - agoMs - 100),
    rebootAttemptedAt: new Date(Date.now() - agoMs),
    rebootSentAt: new Date(Date.now() - agoMs),
    ...overrides,
  });

export interface Script {
  /** The job's row (default a fresh `jobRow()`); null when there is none (ended, or never committed). */
  job?: JobEntity | null;
  /** More rows, of the same cluster or others. */
  others?: JobEntity[];
  /**
   * What successive `servers/detail` listings answer (one server stands for a listing of that server alone); the
   * last repeats. The GET a send makes first answers from the last listing that succeeded (before any, the
   * first scripted one).
   */
  listings?: (NovaServer | NovaServer[] | Error)[];
  /** What the server's instance actions answer (newest first), or the error they throw. */
  actions?: NovaInstanceAction[] | Error;
  /** How successive reboot POSTs answer: an error, or null for 202 (the last repeats). */
  rebootErrors?: (Error | null)[];
  /** The cluster's nodes as the registry lists them (and finds the target in). */
  nodes?: ClusterNode[];
  /** The cluster's reboots in flight at successive admissions (the last repeats). */
  inFlight?: string[][];
  /** …and at successive checks of the rules just before a first POST (the last repeats; default none). */
  inFlightAtSend?: string[][];
  policy?: RebootPolicy;
  /** How the registry answers for the cluster's Nova (default: the scripted Nova). */
  nova?: () => Promise<WatchedNova>;
  /** The cluster is removed from the registry after it has been asked for its Nova this many times. */
  clusterRemovedAfter?: number;
  /** Another worker takes the job's lease just as this call is made (e.g. `attempted SOFT`). */
  leaseTakenAt?: string;
  /** Another worker takes the job's lease once the job has this many lines. */
  leaseTakenAfterLines?: number;
  softRebootTimeoutMs?: number;
  confirmWindowMs?: number;
  /** OUTPUT_LINE_SECONDS, in ms (default 0: a status line every poll). */
  outputLineMs?: number;
}

/** A job row with the output Postgres holds for it. */
export interface Row {
  job: JobEntity;
  /** Every line but the last `Done`/`Fail`. */
  lines: string[];
  ended: { state: 'done' | 'failed'; errors: string }[];
}

const OTHER_WORKER = 'another-worker';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const active = (job: JobEntity) => ActiveJobStates.includes(job.state);
const later = (ms: number) => new Date(Date.now() + ms);

/** Successive answers from a script, the last one repeating. */
function answers<T>(script: readonly T[]): () => T {
  const left = [...script];
  return () => (left.length > 1 ? left.shift()! : left[0]!);
}

/** Sets up the world: `run` takes the job from its queue message to its end, as the handler and watcher would. */
export function setUp(script: Script = {}) {
  const calls: string[] = [];
  const attempts: string[] = [];
  const seen: string[] = [];
  /** What the handler told the node-status cache on its own (a reboot Nova took). */
  const noted: string[] = [];
  /** The entries of every `writePoll` call, as written. */
  const writes: PollEntry[][] = [];
  const rows = new Map<string, Row>();
  for (const job of [...(script.job === null ? [] : [script.job ?? jobRow()]), ...(script.others ?? [])]) {
    rows.set(job.id, { job: { ...job }, lines: [], ended: [] });
  }
  const main = rows.get('job-1') ?? { job: jobRow({ state: 'done' }), lines: [], ended: [] };

  const takeLease = (row: Row) => {
    [row.job.leaseOwner, row.job.leaseUntil] = [OTHER_WORKER, later(MINUTE)];
  };
  const record = (call: string, row?: Row) => {
    if (row && call === script.leaseTakenAt) takeLease(row);
    calls.push(call);
  };
  /** The row, when `owner` holds its lease and it is still active (the `lease_owner = $2 AND active` of the SQL). */
  const leased = (jobId: string, owner: string): Row | null => {
    const row = rows.get(jobId);
    return row && row.job.leaseOwner === owner && active(row.job) ? row : null;
  };
  const free = (job: JobEntity, owner: string) =>
    job.leaseUntil === null || job.leaseUntil.getTime() <= Date.now() || job.leaseOwner === owner;
  const append = (row: Row, text: string): WrittenLine => {
    row.lines.push(text);
    if (script.leaseTakenAfterLines !== undefined && row.lines.length >= script.leaseTakenAfterLines) takeLease(row);
    return { jobId: row.job.id, n: row.lines.length, time: new Date().toISOString(), text };
  };
  const end = (row: Row, state: 'done' | 'failed', errors: string, released = false): WrittenLine => {
    // `releasedOnEndSql`: released as it ends, unless a reboot POST of it might still land or the node is not back.
    const releasedAt = released || state === 'done' || row.job.rebootAttemptedAt === null ? new Date() : null;
    Object.assign(row.job, { state, errors, finishedAt: new Date(), leaseUntil: null, releasedAt });
    row.ended.push({ state, errors });
    const text = state === 'done' ? 'Done' : 'Fail';
    return { jobId: row.job.id, n: row.lines.length + 1, time: new Date().toISOString(), text };
  };

  /** `MARK_ATTEMPTED_SQL`: under a live lease, admitted jobs only. */
  const markAttempted = (lease: JobLease, type: RebootType, actionsBefore: string): Date | null => {
    record(`attempted ${type}`, rows.get(lease.jobId));
    const row = leased(lease.jobId, lease.owner);
    if (!row || (row.job.leaseUntil?.getTime() ?? 0) <= Date.now() || row.job.admittedAt === null) return null;
    const at = new Date();
    Object.assign(row.job, {
      rebootAttemptedAt: at,
      rebootType: type,
      rebootActionsBefore: actionsBefore,
      rebootRequestId: null,
      leaseUntil: later(lease.ttlMs),
    });
    return at;
  };

  const jobs: RebootJobRecords = {
    claim: async (lease) => {
      const row = rows.get(lease.jobId);
      if (!row || !active(row.job) || !free(row.job, lease.owner)) return null;
      Object.assign(row.job, {
        state: 'running',
        attempts: row.job.attempts + 1,
        startedAt: row.job.startedAt ?? new Date(),
        leaseOwner: lease.owner,
        leaseUntil: later(lease.ttlMs),
        traceContext: lease.traceContext ?? row.job.traceContext,
      });
      return { ...row.job };
    },
    heldUntil: async (jobId) => {
      const job = rows.get(jobId)?.job;
      return job && active(job) && job.leaseUntil && job.leaseUntil.getTime() > Date.now() ? job.leaseUntil : null;
    },
    renew: async (lease) => {
      const row = leased(lease.jobId, lease.owner);
      if (row) row.job.leaseUntil = later(lease.ttlMs);
      return row !== null;
    },
    release: async (lease) => {
      record('release');
      const row = rows.get(lease.jobId);
      if (row?.job.leaseOwner === lease.owner) row.job.leaseUntil = new Date();
    },
    noteProblem: async (lease, problem) => {
      const row = leased(lease.jobId, lease.owner);
      if (row) row.job.lastProblem = problem;
      return row !== null;
    },
    setServer: async (lease, serverId) => {
      record(`setServer ${serverId}`, rows.get(lease.jobId));
      const row = leased(lease.jobId, lease.owner);
      if (row) row.job.serverId = serverId;
      return row !== null;
    },
    markRebootAttempted: async (lease, type, actionsBefore) => markAttempted(lease, type, actionsBefore),
    markRebootUnsent: async (lease, type) => {
      record(`unsent ${type}`, rows.get(lease.jobId));
      const row = leased(lease.jobId, lease.owner);
      if (row) Object.assign(row.job, { rebootAttemptedAt: row.job.rebootSentAt, rebootType: type });
      return row !== null;
    },
    recordRebootAttempt: async (lease, attempt) => {
      attempts.push(`${attempt.type} ${attempt.result}`);
      const row = leased(lease.jobId, lease.owner);
      if (row && attempt.novaRequestId) row.job.rebootRequestId = attempt.novaRequestId;
    },
    markRebootSent: async (lease, type) => {
      record(`sent ${type}`, rows.get(lease.jobId));
      const row = leased(lease.jobId, lease.owner);
      if (!row) return null;
      const at = new Date();
      Object.assign(row.job, { rebootSentAt: at, rebootType: type });
      return at;
    },
    appendLine: async (lease, text) => {
      const row = leased(lease.jobId, lease.owner);
      if (!row) return null;
      const { jobId: _jobId, ...line } = append(row, text);
      return line;
    },
    finish: async (lease, state, errors = '') => {
      const row = leased(lease.jobId, lease.owner);
      if (!row) return null;
      const { jobId: _jobId, ...line } = end(row, state, errors);
      return line;
    },
  };

  const policy = script.policy ?? DEFAULT_REBOOT_POLICY;
  const inFlight = answers(script.inFlight ?? [[]]);
  const inFlightAtSend = answers(script.inFlightAtSend ?? [[]]);
  const admissions: RebootAdmissions & SendAdmissions = {
    // A start is the mark of the attempt (`attempted <type>` in the calls); a wait or a refusal shows as `recheck …`.
    recheckBeforeSend: async (lease, _clusterId, decide, send) => {
      const row = leased(lease.jobId, lease.owner);
      if (!row || row.job.admittedAt === null || (row.job.leaseUntil?.getTime() ?? 0) <= Date.now()) return null;
      const admission = decide(policy, inFlightAtSend(), {});
      if (admission.would === 'start') {
        const attemptedAt = markAttempted(lease, send.type, send.actionsBefore);
        return attemptedAt ? { admission, attemptedAt } : null;
      }
      record(`recheck ${admission.would}`);
      if (admission.would === 'wait')
        Object.assign(row.job, { admittedAt: null, rebootAttemptedAt: null, waitingReason: null });
      return { admission, attemptedAt: null };
    },
    admit: async (lease: JobLease, _clusterId, decide) => {
      const row = leased(lease.jobId, lease.owner);
      if (!row || row.job.admittedAt !== null || (row.job.leaseUntil?.getTime() ?? 0) <= Date.now()) return null;
      const admission = decide(policy, inFlight(), [], {});
      record(`admit ${admission.would}`);
      const started = admission.would === 'start';
      const reason = started ? null : admission.reason;
      const newReason = !started && row.job.waitingReason !== reason;
      Object.assign(row.job, { admittedAt: started ? new Date() : null, waitingReason: reason });
      return { admission, newReason };
    },
  };

  const watchable = (job: JobEntity) => active(job) && job.rebootAttemptedAt !== null;
  const rules: Pick<ClusterRules, 'wakeable'> = {
    wakeable: async (clusterId) =>
      [...rows.values()]
        .filter(({ job }) => job.clusterId === clusterId && active(job) && !job.admittedAt && job.waitingReason)
        .map(({ job }) => job.id),
  };
  const unreleased = (job: JobEntity) => !active(job) && job.admittedAt !== null && job.releasedAt === null;
  const watched: Pick<WatchedJobs, 'clusters' | 'hold' | 'letGo' | 'writePoll' | 'unreleased' | 'release'> = {
    clusters: async () =>
      [
        ...new Set(
          [...rows.values()].filter((row) => watchable(row.job) || unreleased(row.job)).map((row) => row.job.clusterId),
        ),
      ].map((id) => ({
        id,
        unreleased: [...rows.values()].some(({ job }) => job.clusterId === id && unreleased(job)),
      })),
    unreleased: async (clusterId) =>
      [...rows.values()]
        .filter(({ job }) => job.clusterId === clusterId && unreleased(job))
        .map(({ job }) => ({
          id: job.id,
          target: job.target,
          serverId: job.serverId,
          attemptedAgoMs: Date.now() - (job.rebootAttemptedAt?.getTime() ?? 0),
          inDoubt: job.rebootSentAt === null || job.rebootSentAt < job.rebootAttemptedAt!,
        })),
    release: async (ids) => {
      const released = [...rows.values()].filter(({ job }) => ids.includes(job.id) && unreleased(job));
      for (const { job } of released) job.releasedAt = new Date();
      if (released.length > 0) record(`released ${released.map(({ job }) => job.id).join(', ')}`);
      return released.map(({ job }) => job.id);
    },
    // The caller holds the cluster's watch: a job another watcher holds is taken over (the SQL's owner suffix test).
    hold: async (clusterId, owner, ttlMs) =>
      [...rows.values()]
        .filter(
          (row) =>
            row.job.clusterId === clusterId &&
            watchable(row.job) &&
            (free(row.job, owner) || row.job.leaseOwner?.endsWith(WATCHER_OWNER_SUFFIX) === true),
        )
        .map((row) => {
          Object.assign(row.job, { leaseOwner: owner, leaseUntil: later(ttlMs), state: 'running' });
          return { ...row.job };
        }),
    letGo: async (clusterId, owner) => {
      for (const { job } of rows.values()) {
        if (job.clusterId === clusterId && job.leaseOwner === owner && active(job)) job.leaseUntil = new Date();
      }
    },
    writePoll: async (owner, ttlMs, entries) => {
      writes.push(entries.map((entry) => ({ ...entry, lines: [...entry.lines] })));
      const written: WrittenLine[] = [];
      for (const entry of entries) {
        const row = leased(entry.jobId, owner);
        if (!row) continue;
        for (const text of entry.lines) written.push(append(row, text));
        if (entry.status) [row.job.statusLine, row.job.statusLineAt] = [entry.status, new Date()];
        if (entry.end) written.push(end(row, entry.end.state, entry.end.errors, entry.end.released));
        else if (row.job.leaseOwner === owner) row.job.leaseUntil = later(ttlMs);
      }
      return written;
    },
  };

  const listings = answers(script.listings ?? [server('REBOOT', 'rebooting'), server('ACTIVE')]);
  const listed = (answer: NovaServer | NovaServer[] | Error | undefined) =>
    answer === undefined || answer instanceof Error ? undefined : Array.isArray(answer) ? answer : [answer];
  /** What Nova shows now, as the last listing that succeeded saw it. */
  let shown = listed((script.listings ?? []).find((answer) => !(answer instanceof Error))) ?? [server('ACTIVE')];
  const rebootErrors = answers(script.rebootErrors ?? [null]);
  const nova: WatchedNova = {
    listServers: async () => {
      record('list');
      const answer = listings();
      if (answer instanceof Error) throw answer;
      shown = listed(answer)!;
      return shown;
    },
    reboot: async (_id: string, type: RebootType) => {
      record(`reboot ${type}`);
      const error = rebootErrors();
      if (error) throw error;
      return { requestId: 'req-nova' };
    },
    listInstanceActions: async (id: string) => {
      record('actions');
      if (!shown.some((each) => each.id === id))
        throw new OpenStackError('Instance could not be found', 404, 'itemNotFound', 'req-404');
      if (script.actions instanceof Error) throw script.actions;
      return script.actions ?? [];
    },
  };

  const nodes = script.nodes ?? [NODE, node('worker-1', 'srv-1')];
  let novaAsked = 0;
  const registry: RebootTargets & WatchTargets = {
    nova: async (clusterId) => {
      novaAsked += 1;
      if (script.clusterRemovedAfter !== undefined && novaAsked > script.clusterRemovedAfter) {
        throw new ClusterNotFoundError(clusterId);
      }
      return script.nova ? script.nova() : nova;
    },
    findNode: async (_clusterId, nodename) => nodes.find((each) => each.nodename === nodename) ?? null,
    listNodes: async () => nodes,
    noteNodeStatus: async (_clusterId, node) => void noted.push(node.status),
    noteListing: async (_clusterId, servers) => {
      const target = servers.find((each) => each.id === (main.job.serverId ?? NODE.serverId));
      if (target) seen.push(target.status);
    },
  };

  const settings = {
    leaseMs: 30_000,
    pollIntervalMs: 1,
    outputLineMs: script.outputLineMs ?? 0,
    softRebootTimeoutMs: script.softRebootTimeoutMs ?? 0,
    confirmWindowMs: script.confirmWindowMs ?? 30_000,
    sendMarginMs: 5,
  };
  const config = { worker: settings, redis: { prefix: 'spec' } };
  const sender = new RebootSender(jobs, admissions);
  const handler = new RebootHandler(jobs, registry, admissions, sender, rollingNotUsed, config);
  const redis = watchRedis();
  /** The queue as the watcher uses it: a first reboot Nova did not act on goes back to it. */
  const queue = {
    add: async (_name: 'reboot', payload: { jobId: string }) => void calls.push(`enqueue ${payload.jobId}`),
    getJob: async (id: string) => ({ promote: async () => void calls.push(`wake ${id}`) }),
  };
  const newWatcher = () => new ClusterWatcher(watched, registry, sender, jobs, config, redis, queue, rules, undefined);
  const watcher = newWatcher();

  const payload = { jobId: 'job-1', clusterId: CLUSTER, requestId: 'req-1' };
  /** One delivery of the job's queue message. */
  const step = (): Promise<RunOutcome> => handler.run(payload);
  /** Deliveries of the queue message, each when the last asked to be looked at again, until one lets go. */
  const drive = async (limit = 1000): Promise<number> => {
    let deliveries = 1;
    for (let outcome = await step(); outcome && deliveries < limit; deliveries += 1) {
      await sleep(outcome.retryAt.getTime() - Date.now());
      outcome = await step();
    }
    return deliveries;
  };
  /** Polls of the cluster, one poll interval apart, while it has jobs to watch (at most `limit`). */
  const watch = async (limit = 1000, by = watcher): Promise<number> => {
    let polls = 0;
    const watching = () => [...rows.values()].some((row) => row.job.clusterId === CLUSTER && watchable(row.job));
    for (; polls < limit && watching(); polls += 1) {
      await by.poll(CLUSTER);
      await sleep(settings.pollIntervalMs);
    }
    return polls;
  };
  /** The job from its queue message to its end: the handler's deliveries, then the watcher's polls. */
  const run = async () => ({ deliveries: await drive(), polls: await watch() });

  return {
    run,
    step,
    drive,
    watch,
    watcher,
    newWatcher,
    calls,
    attempts,
    seen,
    noted,
    writes,
    rows,
    row: main,
    lines: main.lines,
    ended: main.ended,
  };
}

/** The rolling handler is never reached by these specs' single reboots. */
const rollingNotUsed = {
  step: async (): Promise<never> => {
    throw new Error('not a rolling reboot');
  },
};

/**
 * What {@link ClusterWatcher}'s watch leases ask of Redis, in memory, shared by every watcher of the world: who
 * watches which cluster (held until let go; no expiry) and which watchers are alive.
 */
function watchRedis(): RedisConnections {
  const holders = new Map<string, string>();
  const live = new Set<string>();
  const take = (key: string, owner: string, _ttlMs: number, allowNew: '0' | '1'): number => {
    const holder = holders.get(key);
    if (holder === owner) return 1;
    if (holder !== undefined) return -1;
    return allowNew === '1' ? (holders.set(key, owner), 1) : 0;
  };
  const commands = {
    defineCommand: () => undefined,
    watchAnnounce: async (_key: string, owner: string) => (live.add(owner), live.size),
    pipeline: () => {
      const results: [null, number][] = [];
      const chain = {
        watchTake: (...args: Parameters<typeof take>) => (results.push([null, take(...args)]), chain),
        exec: async () => results,
      };
      return chain;
    },
    watchTake: async (...args: Parameters<typeof take>) => take(...args),
    watchLetGo: async (key: string, owner: string) => (holders.get(key) === owner ? Number(holders.delete(key)) : 0),
    zrem: async (_key: string, member: string) => Number(live.delete(member)),
  };
  return { commands: commands as unknown as Redis } as unknown as RedisConnections;
}
