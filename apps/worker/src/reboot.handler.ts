import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  type Admission,
  dbNow,
  decideInTurn,
  JobAdmissions,
  type JobEntity,
  JobLeases,
  type JobLease,
  type RebootJobPayload,
  type RebootPolicy,
  windowStatus,
} from '@oshift/jobs';
import { ClusterApis } from '@oshift/cluster-api';
import { NodeRegistry } from '@oshift/node-registry';
import { StoredTraces } from '@oshift/telemetry';
import { NodeDrainer } from './node-drainer';
import { permanentFailure, waitableProblem } from './reboot-failures';
import {
  type KubeReadinessSource,
  nodesWithHealth,
  RebootSender,
  held,
  LeaseLost,
  type RebootJobRecords,
  type RebootNova,
  rulesFor,
} from './reboot-sender';
import { RebootSilencer } from './reboot-silencer';
import { planRebootStep, stepFacts, type StepSettings } from './reboot-step';
import { RollingHandler } from './rolling.handler';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

export { type RebootJobRecords, type RebootNova } from './reboot-sender';

/** Where the handler finds a cluster's Nova and its nodes. */
export interface RebootTargets extends Pick<NodeRegistry, 'findNode' | 'listNodes' | 'noteNodeStatus'> {
  nova(clusterId: string): Promise<RebootNova>;
}

/** What the handler asks of the cluster's rules. */
export type RebootAdmissions = Pick<JobAdmissions, 'admit'>;

/** What a rolling reboot's step is, to the handler. */
export type RollingSteps = Pick<RollingHandler, 'step'>;

/** The settings the handler follows. */
export type RebootTimings = Pick<WorkerConfig['worker'], 'leaseMs' | 'pollIntervalMs'> & StepSettings;

/** How a run ended: look at the job again at `retryAt` (it waits, or another handler holds it), or nothing more. */
export type RunOutcome = { retryAt: Date } | null;

/** A job that waits: for the cluster's rules (`waiting`), or for a maintenance window to open (at `windowOpens`). */
type Waiting = 'waiting' | { windowOpens: number };

/** A job that waits for the cluster's rules checks them again by itself after this many poll intervals. */
const WAITING_CHECK_POLLS = 5;

/** A message that meets another handler's lease is looked at again this long after the lease ends. */
const AFTER_LEASE_MS = 250;

/**
 * Takes a reboot job up to its first reboot POST, one short step per queue delivery, holding a worker slot only
 * while it acts: the cluster's rules admit it or make it wait (it comes back after a poll interval, holding
 * nothing meanwhile), then the reboot is sent. From the first POST on, the job belongs to its cluster's watcher
 * ({@link ClusterWatcher}), which observes every reboot of the cluster with one listing per poll. Every step is in
 * Postgres, so a worker that picks up a job another one dropped continues from there.
 */
@Injectable()
export class RebootHandler {
  private readonly logger = new Logger(RebootHandler.name);
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    @Inject(JobLeases) private readonly jobs: RebootJobRecords,
    @Inject(NodeRegistry) private readonly registry: RebootTargets,
    @Inject(JobAdmissions) private readonly admissions: RebootAdmissions,
    @Inject(RebootSender) private readonly sender: Pick<RebootSender, 'send' | 'append' | 'end'>,
    @Inject(RollingHandler) private readonly rolling: RollingSteps,
    @Inject(WORKER_CONFIG) private readonly config: { worker: RebootTimings },
    /** Silences the node's alerts before the first POST (none in unit tests of the decisions). */
    @Optional() @Inject(RebootSilencer) private readonly silencer?: Pick<RebootSilencer, 'silence'>,
    /** The clusters' Kubernetes APIs, for the quorum rules on connected clusters (none: judged from Nova alone). */
    @Optional() @Inject(ClusterApis) private readonly apis?: KubeReadinessSource,
    /** Drains the node first on a connected cluster (none in unit tests of the Nova side). */
    @Optional() @Inject(NodeDrainer) private readonly drainer?: Pick<NodeDrainer, 'beforeSend' | 'undo'>,
  ) {}

  async run(payload: RebootJobPayload): Promise<RunOutcome> {
    // One owner per process: a retry in this process takes its own lease back at once. The claim keeps this
    // handling's trace with the job, for the watcher's observations of it (none with tracing off).
    const lease: JobLease = { jobId: payload.jobId, owner: this.owner, ttlMs: this.config.worker.leaseMs };
    const traceContext = StoredTraces.current();
    if (traceContext) lease.traceContext = traceContext;
    const job = await this.jobs.claim(lease);
    if (!job) {
      // Ended or never committed: nothing to do. In another handler's hands: look again when its lease ends.
      // Scheduled for later (a message that came early): look again at its time.
      const until = await this.jobs.heldUntil(payload.jobId);
      return until ? { retryAt: new Date(until.getTime() + AFTER_LEASE_MS) } : null;
    }
    const context = { jobId: job.id, clusterId: job.clusterId, target: job.target, requestId: payload.requestId };
    try {
      const outcome = job.kind === 'rolling' ? await this.rolling.step(job, lease) : await this.step(job, lease);
      // Between steps, and once the watcher's, the job is nobody's: whoever comes next takes it at once.
      if (outcome !== 'ended') await this.jobs.release(lease);
      if (typeof outcome === 'object') return { retryAt: this.nextCheck(job, outcome.windowOpens) };
      if (outcome === 'waiting') return { retryAt: this.nextCheck(job) };
      return outcome === 'later' ? { retryAt: new Date(Date.now() + this.config.worker.pollIntervalMs) } : null;
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.logger.warn({ msg: 'job taken over by another handler; stopping', ...context });
        return null;
      }
      // Postgres/Redis trouble: give the lease up so the retry (or another worker) resumes at once.
      await this.jobs.release(lease).catch(() => undefined);
      throw error;
    }
  }

  /**
   * When a job that waits for the rules looks at them again by itself: every few poll intervals (a reboot of its
   * cluster that ends wakes it at once, see the watcher), or when the maintenance window it waits for opens
   * (`windowOpens`, by Postgres' clock); and in time to end it at its deadline.
   */
  private nextCheck(job: JobEntity, windowOpens?: number): Date {
    const { pollIntervalMs, sendMarginMs } = this.config.worker;
    const check =
      windowOpens === undefined
        ? Date.now() + WAITING_CHECK_POLLS * pollIntervalMs
        : windowOpens - (job.clockOffsetMs ?? 0);
    // The deadline is a Postgres time: by this process's clock it is `clockOffsetMs` earlier.
    const last = job.deadlineAt ? job.deadlineAt.getTime() - (job.clockOffsetMs ?? 0) - sendMarginMs : check;
    return new Date(Math.max(Date.now() + pollIntervalMs, Math.min(check, last)));
  }

  /**
   * One step of a single reboot: `later` (look again after a poll), `waiting` (for the rules), `{ windowOpens }`
   * (waiting for a maintenance window), `watched` (sent) or `ended`.
   */
  private async step(job: JobEntity, lease: JobLease): Promise<'later' | Waiting | 'watched' | 'ended'> {
    // A reboot was attempted: the cluster's watcher follows it (and resends, when that is due).
    if (job.rebootAttemptedAt !== null) return 'watched';
    try {
      const nova = await this.registry.nova(job.clusterId);
      const serverId = job.serverId ?? (await this.locate(job, lease));
      if (!serverId) return 'ended';
      if (job.admittedAt === null) {
        const turn = await this.admit(job, lease);
        if (turn !== 'start') return turn;
      }
      // On a connected cluster the node is drained first (a step per delivery); elsewhere this goes on at once.
      const drained = this.drainer ? await this.drainer.beforeSend(job, lease) : 'go';
      if (drained !== 'go') return drained;
      const step = planRebootStep(stepFacts(job, null, false, job.lastProblem ?? undefined), this.config.worker);
      if (step.do === 'fail') return this.fail(lease, step.reason, job);
      if (step.do !== 'send') return 'later';
      // Before the first POST (once per job): a failure to silence is told, and the reboot goes on.
      const unsilenced = await this.silencer?.silence(job, lease);
      if (unsilenced) await this.sender.append(lease, unsilenced);
      const rules = await rulesFor(this.registry, job, this.apis);
      const problem = await this.sender.send(job, lease, nova, serverId, step.type, rules);
      if (problem === null) {
        // Refused for good: nothing was sent, so the node this job cordoned is given back to the cluster.
        await this.drainer?.undo(job);
        return 'ended';
      }
      // The rules, asked once more under the cluster's lock, make it wait again: nothing was sent.
      if (typeof problem === 'object') return 'later';
      if (problem === '') await this.noteRebooting(job, serverId, step.type);
      else if (problem !== job.lastProblem) {
        held(await this.jobs.noteProblem(lease, problem));
        job.lastProblem = problem;
      }
      // Sent, or in doubt (no answer): the watcher takes it from here. Not sent: try again after a poll.
      return job.rebootAttemptedAt !== null ? 'watched' : 'later';
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      const waitable = waitableProblem(error);
      if (waitable === null) return this.fail(lease, permanentFailure(job, error), job);
      this.logger.warn({ msg: 'OpenStack not usable now; retrying', jobId: job.id, error: waitable });
      if (waitable !== job.lastProblem) held(await this.jobs.noteProblem(lease, waitable));
      job.lastProblem = waitable;
      const step = planRebootStep(stepFacts(job, null, false, waitable), this.config.worker);
      if (step.do === 'fail') return this.fail(lease, step.reason, job);
      return 'later';
    }
  }

  /**
   * Asks the cluster's rules whether the reboot may start now. A wait is told once in the job's output
   * (`Waiting: …`); a wait that reaches the deadline ends the job, with nothing sent.
   */
  private async admit(job: JobEntity, lease: JobLease): Promise<'start' | Waiting | 'ended'> {
    const { deadlineAt, target } = job;
    if (deadlineAt && dbNow(job) + this.config.worker.sendMarginMs >= deadlineAt.getTime()) {
      // Waited for the rules: say so. Never asked them (the job sat in the queue): the send step says why.
      if (job.waitingReason === null) return 'start';
      return this.fail(
        lease,
        `Deadline passed while waiting (${job.waitingReason}): no reboot was sent to ${target}`,
        job,
      );
    }
    const health = await nodesWithHealth(this.registry, this.apis, job.clusterId);
    const now = dbNow(job);
    let windows: RebootPolicy['windows'] = [];
    const decide = (
      policy: RebootPolicy,
      inFlight: string[],
      ahead: string[],
      releasedAgoMs: Record<string, number>,
    ): Admission => {
      windows = policy.windows;
      const timing = { now, deadlineAt: deadlineAt?.getTime() ?? null, windowOverride: job.windowOverrideBy !== null };
      return decideInTurn({ target, policy, inFlight, ahead, ...health, releasedAgoMs, ...timing });
    };
    const result = held(await this.admissions.admit(lease, job.clusterId, decide));
    const { admission } = result;
    if (admission.would === 'start') {
      job.admittedAt = new Date();
      this.logger.log({ msg: 'reboot admitted', jobId: job.id, reason: admission.reason });
      return 'start';
    }
    if (admission.would === 'refuse') return this.fail(lease, `${admission.reason}: no reboot was sent`, job);
    if (job.waitingReason === null) await this.sender.append(lease, `Waiting: ${admission.reason}`);
    job.waitingReason = admission.reason;
    // Outside the maintenance windows: nothing can change before the next one opens, so look again only then.
    const status = job.windowOverrideBy === null ? windowStatus(windows, now) : null;
    if (status && !status.open && status.nextOpen !== null) return { windowOpens: status.nextOpen };
    return 'waiting';
  }

  /**
   * Nova took the reboot: it sets the server's task state before it answers 202, so the node reboots from now on.
   * Customers polling nodestatus see it at once, not at the watcher's first listing.
   */
  private noteRebooting(job: JobEntity, serverId: string, type: 'SOFT' | 'HARD'): Promise<void> {
    const [status, taskState] = type === 'HARD' ? ['HARD_REBOOT', 'rebooting_hard'] : ['REBOOT', 'rebooting'];
    return this.registry.noteNodeStatus(job.clusterId, { nodename: job.target, serverId, status, taskState });
  }

  /** Ends the job `Fail`; before its reboot was sent, the node it cordoned is uncordoned, and the reason says so. */
  private async fail(lease: JobLease, reason: string, job?: JobEntity): Promise<'ended'> {
    const cordon = job && this.drainer ? await this.drainer.undo(job) : '';
    await this.sender.end(lease, 'failed', cordon ? `${reason} ${cordon}` : reason);
    return 'ended';
  }

  /** Finds the node's server in the cluster's project and remembers it. */
  private async locate(job: JobEntity, lease: JobLease): Promise<string | null> {
    const node = await this.registry.findNode(job.clusterId, job.target);
    if (!node) {
      await this.fail(lease, `Node ${job.target} no longer exists in OpenStack: no reboot was sent`, job);
      return null;
    }
    held(await this.jobs.setServer(lease, node.serverId));
    job.serverId = node.serverId;
    return node.serverId;
  }
}
