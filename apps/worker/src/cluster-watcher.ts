import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  ClusterRules,
  dbNow,
  enqueueReboot,
  type JobEntity,
  type JobLease,
  JobLeases,
  type PollEntry,
  REBOOT_QUEUE,
  type RebootQueue,
  type UnreleasedJob,
  WATCHER_OWNER_SUFFIX,
  WatchedJobs,
} from '@oshift/jobs';
import { ClusterApis } from '@oshift/cluster-api';
import { NodeRegistry } from '@oshift/node-registry';
import { StoredTraces } from '@oshift/telemetry';
import { type NovaServer, rebootInProgress, rebootRecordedFor } from '@oshift/openstack-client';
import { withLogContext } from '@oshift/observability';
import { RedisConnections } from '@oshift/redis';
import { JobAnnouncer, type JobAnnouncements } from './job-announcer';
import { NodeDrainer } from './node-drainer';
import { listingProblem, permanentFailure, sentSoFar, waitableProblem } from './reboot-failures';
import {
  held,
  type KubeReadinessSource,
  LeaseLost,
  RebootSender,
  type RebootNova,
  rulesFor,
  SILENT,
} from './reboot-sender';
import { releaseDue, unreleasedOf } from './reboot-release';
import { inDoubt, planRebootStep, progressOf, stepFacts, type StepSettings } from './reboot-step';
import { statusLineDue } from './status-cadence';
import { WatchLeases } from './watch-leases';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** The queue as the watcher uses it: hands a job back, and wakes a waiting one (a delayed message) at once. */
export interface WakeableQueue extends RebootQueue {
  getJob(id: string): Promise<{ promote(): Promise<void> } | undefined>;
}

/** A watcher that fails to list a cluster this many polls in a row lets its watch go, and leaves it as many rounds. */
export const GIVE_UP_AFTER_FAILED_LISTINGS = 5;

/** Clusters polled at once by one worker. */
const CLUSTERS_AT_ONCE = 8;

/** What the watcher asks of a cluster's Nova: the listing, and for a reboot in doubt, its instance actions. */
export type WatchedNova = RebootNova & { listServers(): Promise<NovaServer[]> };

/** Where the watcher finds a cluster's Nova, and tells the shared node list what it saw. */
export interface WatchTargets extends Pick<NodeRegistry, 'noteListing' | 'listNodes'> {
  nova(clusterId: string): Promise<WatchedNova>;
}

type WatchSettings = Pick<WorkerConfig['worker'], 'leaseMs' | 'pollIntervalMs' | 'outputLineMs'> & StepSettings;

/**
 * Follows every reboot in flight, a cluster at a time: each poll interval, the worker that watches a cluster
 * (one at a time, through {@link WatchLeases} in Redis; taken over when its worker dies) lists the cluster's
 * servers once (paged `servers/detail`), decides each job's step from that one listing, and writes the whole
 * poll (the jobs' `<node> <STATUS>` lines, the `Done`/`Fail` ends and their audit records) in one statement.
 * A status line is written when the status changed, else at most once every `OUTPUT_LINE_SECONDS` (see
 * `statusLineDue`), and always in the poll that ends the job: `Done` is written, after `<node> ACTIVE`, in the poll
 * that first sees the server `ACTIVE` again. Nothing waits in a worker slot:
 * a cluster with a thousand reboots in flight costs one listing and one statement per poll.
 */
@Injectable()
export class ClusterWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterWatcher.name);
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}${WATCHER_OWNER_SUFFIX}`;
  private readonly leases: WatchLeases;
  /** How long a cluster's watch lasts after its last renewal. */
  private readonly watchTtlMs: number;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;
  /** Failed listings in a row, per cluster this worker watches. */
  private readonly failedListings = new Map<string, number>();
  /** Clusters this worker let go of after failed listings, and for how many more rounds it leaves them. */
  private readonly resting = new Map<string, number>();

  constructor(
    @Inject(WatchedJobs)
    private readonly jobs: Pick<WatchedJobs, 'clusters' | 'hold' | 'letGo' | 'writePoll' | 'unreleased' | 'release'>,
    @Inject(NodeRegistry) private readonly registry: WatchTargets,
    @Inject(RebootSender) private readonly sender: Pick<RebootSender, 'send'>,
    @Inject(JobLeases) private readonly records: Pick<JobLeases, 'markRebootSent' | 'markRebootUnsent' | 'release'>,
    @Inject(WORKER_CONFIG) private readonly config: { worker: WatchSettings; redis: { prefix: string } },
    redis: RedisConnections,
    @InjectQueue(REBOOT_QUEUE) private readonly queue: WakeableQueue,
    @Inject(ClusterRules) private readonly rules: Pick<ClusterRules, 'wakeable'>,
    @Optional() @Inject(JobAnnouncer) private readonly announcer: JobAnnouncements = SILENT,
    /** The clusters' Kubernetes APIs, for the quorum rules before a resend (none: judged from Nova alone). */
    @Optional() @Inject(ClusterApis) private readonly apis?: KubeReadinessSource,
    /** Follows a connected cluster's node until it is back (none in unit tests of the Nova side). */
    @Optional() @Inject(NodeDrainer) private readonly drainer?: Pick<NodeDrainer, 'back'>,
  ) {
    // A watch outlives a few missed rounds, so a busy round does not hand the cluster to another worker.
    this.watchTtlMs = Math.max(5 * config.worker.pollIntervalMs, 5000);
    this.leases = new WatchLeases(redis.commands, config.redis.prefix, this.owner, this.watchTtlMs);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round?.catch(() => undefined);
    const clusters = this.leases.holding();
    await this.leases.letGoAll().catch(() => undefined);
    await Promise.all(clusters.map((cluster) => this.jobs.letGo(cluster, this.owner).catch(() => undefined)));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.round = this.watchRound()
        .catch((error) => this.logger.warn({ msg: 'watch round failed', error: String(error) }))
        .finally(() => this.schedule(Math.max(0, this.config.worker.pollIntervalMs - (Date.now() - started))));
    }, delayMs);
  }

  /** One poll of every cluster this worker watches. */
  async watchRound(): Promise<void> {
    // Clusters this worker gave up on (it could not list them) are left to the others for a few rounds.
    for (const [cluster, rounds] of this.resting) {
      if (rounds <= 1) this.resting.delete(cluster);
      else this.resting.set(cluster, rounds - 1);
    }
    const watched = (await this.jobs.clusters()).filter((cluster) => !this.resting.has(cluster.id));
    const clusters = watched.map((cluster) => cluster.id);
    const withUnreleased = new Set(watched.filter((cluster) => cluster.unreleased).map((cluster) => cluster.id));
    const mine = clusters.length > 0 ? await this.leases.take(clusters) : [];
    const renewedAt = Date.now();
    // Watched elsewhere now (this worker was too slow to renew): its jobs go to the new watcher at once.
    await Promise.all(this.leases.takenOver().map((cluster) => this.jobs.letGo(cluster, this.owner)));
    const queue = [...mine];
    const lanes = Array.from({ length: Math.min(CLUSTERS_AT_ONCE, queue.length) }, async () => {
      for (let cluster = queue.shift(); cluster !== undefined; cluster = queue.shift()) {
        await this.pollIfWatched(cluster, withUnreleased.has(cluster), renewedAt).catch((error) =>
          this.logger.warn({ msg: 'cluster poll failed', clusterId: cluster, error: String(error) }),
        );
      }
    });
    await Promise.all(lanes);
  }

  /**
   * Polls a cluster of this round. A round that has run past half a watch's life (slow polls, a loaded machine)
   * renews the cluster's watch first: one that lapsed meanwhile and was taken by another worker is not polled,
   * and its jobs are let go at once, so the new watcher is not kept out by the job leases this poll would renew.
   */
  private async pollIfWatched(clusterId: string, unreleased: boolean, renewedAt: number): Promise<void> {
    if (Date.now() - renewedAt > this.watchTtlMs / 2 && !(await this.leases.renew(clusterId))) {
      await this.jobs.letGo(clusterId, this.owner);
      return;
    }
    await this.poll(clusterId, unreleased);
  }

  /**
   * One poll of one cluster: one listing, one statement. `unreleased`: the cluster has ended reboots not released
   * yet (as this round's list of clusters said); else they are not asked for.
   */
  async poll(clusterId: string, unreleased = true): Promise<void> {
    const { leaseMs } = this.config.worker;
    const jobs = await this.jobs.hold(clusterId, this.owner, leaseMs);
    // Ended reboots whose node may not be back yet are watched until it is (see `releaseEnded`).
    const ended = unreleased ? await this.jobs.unreleased(clusterId) : [];
    if (jobs.length === 0 && ended.length === 0) return;
    // With tracing on, the poll (its listing, its statement) is one span linked to the traces of its jobs.
    const traces = jobs.map((job) => job.traceContext);
    const attributes = { 'oshift.cluster.id': clusterId, 'oshift.watch.jobs': jobs.length };
    return StoredTraces.linked(traces, 'oshift.watch.poll', attributes, () => this.pollHeld(clusterId, jobs, ended));
  }

  /** The poll of the jobs held (and of the ended ones not yet released): the listing, each job's step, the one statement. */
  private async pollHeld(clusterId: string, jobs: JobEntity[], ended: readonly UnreleasedJob[]): Promise<void> {
    const requests = new Map(jobs.map((job) => [job.id, job.requestId]));
    let nova: WatchedNova | null = null;
    let servers: Map<string, NovaServer> | null = null;
    let problem: string | undefined;
    try {
      nova = await this.registry.nova(clusterId);
      const listed = await nova.listServers();
      servers = new Map(listed.map((server) => [server.id, server]));
      void this.registry.noteListing(clusterId, listed).catch(() => undefined);
    } catch (error) {
      const listing = listingProblem(error);
      if (listing === null) {
        // The cluster was removed: every reboot of it ends here.
        const entries = jobs.map((job) => ({ jobId: job.id, lines: [], end: failed(permanentFailure(job, error)) }));
        await this.write(entries, requests, clusterId);
        return this.releaseEnded(clusterId, ended, new Map());
      }
      // Anything else (OpenStack away, a 403, an unreadable answer) is waited out: the reboots run on, and each
      // job ends at the latest at its deadline, saying what stood in the way.
      this.logger.warn({ msg: 'cluster listing failed', clusterId, error: String(error) });
      problem = listing;
    }
    const entries: PollEntry[] = [];
    for (const job of jobs) {
      // Whatever is logged about a job carries its id and the request that created it.
      const entry = await withLogContext({ jobId: job.id, requestId: job.requestId }, () =>
        this.observeInTrace(job, nova, servers, problem),
      ).catch((error: unknown) => (error instanceof LeaseLost ? null : this.afterError(job, error)));
      if (entry?.end?.state === 'failed' && servers) {
        // Failed with its node already at rest and no POST that may still land: released as it ends.
        const server = job.serverId ? (servers.get(job.serverId) ?? null) : null;
        entry.end.released = releaseDue(unreleasedOf(job), server, this.config.worker.confirmWindowMs);
      }
      if (entry) entries.push(entry);
    }
    await this.write(entries, requests, clusterId);
    if (servers === null) await this.countFailedListing(clusterId);
    else this.failedListings.delete(clusterId);
    // Jobs that ended in this poll while a POST might still land are looked at from the next poll on.
    if (servers !== null) await this.releaseEnded(clusterId, ended, servers);
  }

  /**
   * Releases the cluster's ended reboots whose node is back at rest by this poll's listing (see `releaseDue`): they
   * stop counting as in flight, and the waiting reboots whose turn it is are woken.
   */
  private async releaseEnded(
    clusterId: string,
    ended: readonly UnreleasedJob[],
    servers: ReadonlyMap<string, NovaServer>,
  ): Promise<void> {
    const { confirmWindowMs } = this.config.worker;
    const due = ended.filter((job) =>
      releaseDue(job, job.serverId ? (servers.get(job.serverId) ?? null) : null, confirmWindowMs),
    );
    const released = await this.jobs.release(due.map((job) => job.id));
    if (released.length === 0) return;
    this.logger.log({ msg: 'ended reboots released: their nodes are back at rest', clusterId, jobIds: released });
    await this.wake(clusterId);
  }

  /**
   * One job's unexpected trouble (a bug, Postgres refusing one write) never stalls the others of its cluster: it
   * is logged, the job is kept (its lease renewed with the poll), and it ends at its deadline all the same.
   */
  private afterError(job: JobEntity, error: unknown): PollEntry {
    this.logger.error({ msg: 'job poll failed', jobId: job.id, error: String(error) });
    if (job.deadlineAt === null || dbNow(job) < job.deadlineAt.getTime()) return { jobId: job.id, lines: [] };
    const reason = `Deadline passed: the worker could not follow the reboot of ${job.target} (${sentSoFar(job)}). Check the node's status.`;
    return { jobId: job.id, lines: [], end: failed(reason) };
  }

  /**
   * A watcher that cannot list a cluster several polls in a row lets its watch go (and its jobs' leases), and
   * leaves the cluster to the other workers for as many rounds: another worker may reach Nova where this one cannot.
   */
  private async countFailedListing(clusterId: string): Promise<void> {
    const failures = (this.failedListings.get(clusterId) ?? 0) + 1;
    this.failedListings.set(clusterId, failures);
    if (failures < GIVE_UP_AFTER_FAILED_LISTINGS) return;
    this.failedListings.delete(clusterId);
    this.resting.set(clusterId, GIVE_UP_AFTER_FAILED_LISTINGS);
    this.logger.warn({ msg: 'cluster unreachable from this worker; letting its watch go', clusterId, failures });
    await this.leases.letGo(clusterId);
    await this.jobs.letGo(clusterId, this.owner);
  }

  /**
   * {@link observe}, recorded in the job's own trace (the handling that sent its reboot) as `oshift.watch.observe`
   * with the node and the Nova status this poll saw, when a trace is kept with the job: a slow reboot can then be
   * followed from its request to the poll that saw it end. The Nova calls of a resend or an escalation join it.
   */
  private observeInTrace(
    job: JobEntity,
    nova: WatchedNova | null,
    servers: Map<string, NovaServer> | null,
    problem: string | undefined,
  ): Promise<PollEntry | null> {
    const seen = servers && job.serverId ? servers.get(job.serverId)?.status : undefined;
    const attributes = {
      'oshift.job.id': job.id,
      'oshift.node.name': job.target,
      ...(seen ? { 'oshift.nova.status': seen } : {}),
      ...(problem ? { 'oshift.watch.problem': problem } : {}),
    };
    return StoredTraces.continue(job.traceContext, 'oshift.watch.observe', attributes, async (notes) => {
      const entry = await this.observe(job, nova, servers, problem);
      if (entry?.end) notes({ 'oshift.job.state': entry.end.state });
      return entry;
    });
  }

  /** Decides one job's step from the cluster's listing; sends an escalation or a resend when one is due. */
  private async observe(
    job: JobEntity,
    nova: WatchedNova | null,
    servers: Map<string, NovaServer> | null,
    problem: string | undefined,
  ): Promise<PollEntry | null> {
    const lease: JobLease = { jobId: job.id, owner: this.owner, ttlMs: this.config.worker.leaseMs };
    const server = servers && job.serverId ? (servers.get(job.serverId) ?? null) : null;
    if (servers && !server) {
      const sent = job.rebootSentAt ? 'a reboot was sent' : 'a reboot may have been sent';
      return { jobId: job.id, lines: [], end: failed(`${job.target} no longer exists in OpenStack (${sent})`) };
    }
    const status = server ? `${job.target} ${server.status}` : null;
    const due = status !== null && statusLineDue(job, status, dbNow(job), this.config.worker.outputLineMs);
    const lines = due ? [status] : [];
    // The entry of this poll: `status` says the status line is among its lines (kept with the job for the cadence).
    const entry = (written: string[], end?: PollEntry['end']): PollEntry => ({
      jobId: job.id,
      lines: written,
      ...(status !== null && written[0] === status ? { status } : {}),
      ...(end ? { end } : {}),
    });
    // The poll that ends the job writes its status line whatever the cadence: the output ends `<node> ACTIVE`, `Done`.
    const ending = status !== null ? [status] : [];
    try {
      const progress = progressOf(job);
      const reachedNova = server && nova && inDoubt(progress) ? await gotThrough(nova, server, job) : false;
      const lastProblem = problem ?? job.lastProblem ?? undefined;
      const step = planRebootStep(stepFacts(job, server, reachedNova, lastProblem), this.config.worker);
      // Without this poll's listing nothing is known of the reboot: only the deadline may end it; never send blind.
      if (!server) return step.do === 'fail' ? entry(lines, failed(step.reason)) : entry(lines);
      switch (step.do) {
        case 'done': {
          // On a connected cluster, back means Ready with a new boot id and uncordoned: followed poll by poll.
          const back = this.drainer ? await this.drainer.back(job, lease, ending) : null;
          if (back) return entry(back.lines, back.end);
          return entry(ending, { state: 'done', errors: '' });
        }
        case 'fail':
          return entry(ending, failed(leftCordoned(job, step.reason)));
        case 'confirm':
          held(await this.records.markRebootSent(lease, job.rebootType));
          this.logger.log({ msg: 'reboot in doubt found in Nova; not sent again', jobId: job.id });
          break;
        case 'dropEscalation':
          held(await this.records.markRebootUnsent(lease, 'SOFT'));
          break;
        case 'send': {
          if (!nova || !job.serverId) break;
          if (step.escalation && job.rebootType === 'SOFT') {
            const seconds = Math.round(this.config.worker.softRebootTimeoutMs / 1000);
            lines.push(`Soft reboot did not finish in ${seconds} s: escalating to HARD reboot`);
          }
          // The lines so far go first: the send may end the job (Nova refused for good).
          if (lines.length > 0) await this.write([entry(lines.splice(0))]);
          const rules = await rulesFor(this.registry, job, this.apis);
          const outcome = await this.sender.send(job, lease, nova, job.serverId, step.type, rules);
          if (outcome === null) return null;
          if (job.rebootAttemptedAt === null) {
            // Nova did not act on a resent first reboot, or the rules made it wait again: the queue's again, at once.
            await enqueueReboot(
              this.queue,
              { jobId: job.id, clusterId: job.clusterId, requestId: job.requestId },
              job.deadlineAt,
            );
            // Let go of it now (not renewed with this poll): the handler takes it at once.
            await this.records.release(lease);
            return null;
          }
          break;
        }
        case 'poll':
          break;
      }
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      const waitable = waitableProblem(error);
      if (waitable === null) return entry(lines, failed(permanentFailure(job, error)));
      this.logger.warn({ msg: 'OpenStack not usable now; retrying', jobId: job.id, error: waitable });
    }
    return entry(lines);
  }

  private async write(
    entries: PollEntry[],
    requests = new Map<string, string | null>(),
    clusterId?: string,
  ): Promise<void> {
    // A job with nothing to say this poll is left out: `hold` renewed its lease at the start of the poll, so most
    // polls (a status line is due once every OUTPUT_LINE_SECONDS) cost no statement at all.
    const saying = entries.filter((entry) => entry.lines.length > 0 || entry.end !== undefined);
    const written = await this.jobs.writePoll(this.owner, this.config.worker.leaseMs, saying);
    for (const line of written) this.announcer.line(line.jobId, { n: line.n, time: line.time, text: line.text });
    const lastOf = new Set(written.map((line) => line.jobId));
    if (clusterId && entries.some((entry) => entry.end && lastOf.has(entry.jobId))) await this.wake(clusterId);
    for (const entry of entries) {
      if (entry.end && lastOf.has(entry.jobId)) {
        await this.announcer.ended(entry.jobId, entry.end.state, entry.end.errors).catch(() => undefined);
        const requestId = requests.get(entry.jobId) ?? undefined;
        this.logger.log({ msg: `reboot job ${entry.end.state}`, jobId: entry.jobId, requestId });
      }
    }
  }

  /**
   * A reboot of the cluster ended: the waiting jobs whose turn it is (per role, the oldest, as many as the role
   * may have in flight) look at the rules again now instead of at their next check, woken in request order; the
   * others would only wait behind them, so they are left to their own checks. Best effort: a job not woken still
   * checks by itself.
   */
  private async wake(clusterId: string): Promise<void> {
    try {
      for (const id of await this.rules.wakeable(clusterId)) {
        const queued = await this.queue.getJob(id);
        await queued?.promote().catch(() => undefined);
      }
    } catch (error) {
      this.logger.debug({ msg: 'waiting jobs not woken', clusterId, error: String(error) });
    }
  }
}

/** A reboot that failed after its drain leaves the node cordoned (it may be unwell): the reason says so. */
function leftCordoned(job: JobEntity, reason: string): string {
  if (job.cordonedByJob !== true || job.kubeNode === null) return reason;
  return `${reason}${reason.endsWith('.') ? '' : '.'} ${job.kubeNode} was left cordoned.`;
}

function failed(errors: string): PollEntry['end'] {
  return { state: 'failed', errors };
}

/**
 * Did the job's reboot POST in doubt reach Nova? Its task state, else its instance actions tell: the one with the
 * POST's request id, or a reboot newer than the newest one before the POST (no clock compared with Nova's).
 */
async function gotThrough(nova: WatchedNova, server: NovaServer, job: JobEntity): Promise<boolean> {
  if (rebootInProgress(server, job.rebootType)) return true;
  const post = { requestId: job.rebootRequestId, before: job.rebootActionsBefore };
  return rebootRecordedFor(await nova.listInstanceActions(server.id), post);
}
