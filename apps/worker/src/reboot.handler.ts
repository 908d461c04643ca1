import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { JobLeases, type JobEntity, type JobLease, type RebootJobPayload } from '@oshift/jobs';
import { NodeRegistry } from '@oshift/node-registry';
import {
  describeRefusal,
  isFinalRefusal,
  type NovaClient,
  type NovaServer,
  readRebootAnswer,
  rebootInProgress,
  rebootRecordedSince,
  type RebootType,
} from '@oshift/openstack-client';
import { permanentFailure, waitableProblem } from './reboot-failures';
import { planRebootStep, type RebootProgress, type StepSettings } from './reboot-step';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';
import { JobAnnouncer, type JobAnnouncements } from './job-announcer';
import { sleep } from './stop-signal';

export { HandBack } from './stop-signal';

/** What the handler writes to a job's row; every leased write answers whether the lease still held. */
export type RebootJobRecords = Pick<
  JobLeases,
  | 'claim'
  | 'heldUntil'
  | 'renew'
  | 'release'
  | 'setServer'
  | 'markRebootAttempted'
  | 'markRebootSent'
  | 'markRebootUnsent'
  | 'recordRebootAttempt'
  | 'appendLine'
  | 'finish'
>;

/** What the handler asks of a cluster's Nova. */
export type RebootNova = Pick<NovaClient, 'getServer' | 'reboot' | 'listInstanceActions'>;

/** Where the handler finds a cluster's Nova and its nodes, and tells the node-status cache what it saw. */
export interface RebootTargets extends Pick<NodeRegistry, 'findNode' | 'noteNodeStatus'> {
  nova(clusterId: string): Promise<RebootNova>;
}

/** The settings the handler follows. */
export type RebootTimings = Pick<WorkerConfig['worker'], 'leaseMs' | 'pollIntervalMs'> & StepSettings;

/** How a run ended: the job is in hand elsewhere until `heldUntil` (try again then), or nothing more to do. */
export type RunOutcome = { heldUntil: Date } | null;

/** Announcements nobody hears (unit tests of the handler's decisions). */
const SILENT: JobAnnouncements = { line: () => undefined, ended: async () => undefined };

/** Another handler holds the job now (or it ended): this one stops without touching it. */
class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

/** Returns a leased write's result, or stops the handler when the write found its lease gone. */
function held<T>(result: T | null | false): T {
  if (result === null || result === false) throw new LeaseLost('lease lost');
  return result;
}

/**
 * Drives one reboot job to its end, resumably: every step it has taken is in Postgres, so a worker that picks
 * up a job another one dropped continues from there and never sends a second reboot for one that may have got
 * through. What to do at each step is {@link planRebootStep}'s decision; this class gathers the facts (the job
 * row under its lease, Nova) and carries the decision out.
 */
@Injectable()
export class RebootHandler {
  private readonly logger = new Logger(RebootHandler.name);
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    @Inject(JobLeases) private readonly jobs: RebootJobRecords,
    @Inject(NodeRegistry) private readonly registry: RebootTargets,
    @Inject(WORKER_CONFIG) private readonly config: { worker: RebootTimings },
    /** Who hears of each committed line and of the end (followers, webhooks); nobody in unit tests. */
    @Optional() @Inject(JobAnnouncer) private readonly announcer: JobAnnouncements = SILENT,
  ) {}

  async run(payload: RebootJobPayload, stop: AbortSignal): Promise<RunOutcome> {
    // One owner per process: a retry in this process takes its own lease back at once.
    const lease: JobLease = { jobId: payload.jobId, owner: this.owner, ttlMs: this.config.worker.leaseMs };
    const job = await this.jobs.claim(lease);
    if (!job) {
      // Ended or never committed: nothing to do. In another handler's hands: look again when its lease ends.
      const until = await this.jobs.heldUntil(payload.jobId);
      return until ? { heldUntil: until } : null;
    }
    const context = { jobId: job.id, clusterId: job.clusterId, target: job.target, requestId: payload.requestId };
    this.logger.log({ msg: 'reboot job running', attempt: job.attempts, ...context });
    try {
      await this.drive(job, lease, stop);
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.logger.warn({ msg: 'job taken over by another handler; stopping', ...context });
        return null;
      }
      // Stopping, or Postgres/Redis trouble: give the lease up so the retry (or another worker) resumes at once.
      await this.jobs.release(lease).catch(() => undefined);
      throw error;
    }
    return null;
  }

  private async drive(job: JobEntity, lease: JobLease, stop: AbortSignal): Promise<void> {
    let lastStatus: string | null = null;
    let lastProblem: string | undefined;
    for (;;) {
      let server: NovaServer | null = null;
      let reachedNova = false;
      try {
        held(await this.jobs.renew(lease));
        const nova = await this.registry.nova(job.clusterId);
        const serverId = job.serverId ?? (await this.locate(job, lease));
        if (!serverId) return;
        const progress = progressOf(job);
        if (progress.attemptedAt !== null) {
          server = await nova.getServer(serverId);
          if (server.status !== lastStatus) await this.noteStatus(job, serverId, server);
          lastStatus = server.status;
          await this.append(lease, `${job.target} ${server.status}`);
          if (inDoubt(progress)) reachedNova = await this.gotThrough(nova, serverId, server, progress);
        }
        const step = planRebootStep(this.facts(job, server, reachedNova, lastProblem), this.config.worker);
        switch (step.do) {
          case 'done':
            await this.end(lease, 'done');
            this.logger.log({ msg: 'reboot job done', jobId: job.id, clusterId: job.clusterId, target: job.target });
            return;
          case 'fail':
            return this.end(lease, 'failed', step.reason);
          case 'confirm':
            job.rebootSentAt = held(await this.jobs.markRebootSent(lease, job.rebootType));
            this.logger.log({ msg: 'reboot in doubt found in Nova; not sent again', jobId: job.id });
            continue;
          case 'dropEscalation':
            held(await this.jobs.markRebootUnsent(lease, 'SOFT'));
            [job.rebootType, job.rebootAttemptedAt] = ['SOFT', job.rebootSentAt];
            continue;
          case 'send': {
            if (step.escalation && job.rebootType === 'SOFT') {
              const seconds = Math.round(this.config.worker.softRebootTimeoutMs / 1000);
              await this.append(lease, `Soft reboot did not finish in ${seconds} s: escalating to HARD reboot`);
            }
            const problem = await this.send(job, lease, nova, serverId, step.type);
            if (problem === null) return;
            lastProblem = problem || lastProblem;
            if (!problem) continue;
            break;
          }
          case 'poll':
            break;
        }
      } catch (error) {
        const waitable = waitableProblem(error);
        if (waitable === null) {
          // OpenStack said no for good to a read (the server is gone…), or the cluster was removed; else a bug.
          return this.end(lease, 'failed', permanentFailure(job, error));
        }
        lastProblem = waitable;
        this.logger.warn({ msg: 'OpenStack not usable now; retrying', jobId: job.id, error: waitable });
        const step = planRebootStep(this.facts(job, null, false, lastProblem), this.config.worker);
        if (step.do === 'fail') return this.end(lease, 'failed', step.reason);
      }
      await sleep(this.config.worker.pollIntervalMs, stop);
    }
  }

  /**
   * Sends one reboot POST, recorded as attempted before (under a live lease, kept alive while the POST runs)
   * and with Nova's answer after. Returns '' when Nova took it (or a reboot already runs), a problem to retry
   * later with, or null when the job ended (Nova refused for good).
   */
  private async send(
    job: JobEntity,
    lease: JobLease,
    nova: RebootNova,
    serverId: string,
    type: RebootType,
  ): Promise<string | null> {
    const before = job.rebootType;
    const escalation = job.rebootSentAt !== null;
    // A token and Nova's answer first: a POST that then fails failed at Nova, not at Keystone on the way.
    await nova.getServer(serverId);
    const at = held(await this.jobs.markRebootAttempted(lease, type));
    [job.rebootAttemptedAt, job.rebootType] = [at, type];
    const answer = readRebootAnswer(
      await this.keepingLease(lease, () => nova.reboot(serverId, type).catch((error: unknown) => ({ error }))),
    );
    const message = 'message' in answer ? answer.message : undefined;
    const novaRequestId = 'requestId' in answer ? answer.requestId : undefined;
    await this.jobs.recordRebootAttempt(lease, { type, at, result: answer.kind, novaRequestId, message });
    this.logger.log({ msg: 'reboot sent', jobId: job.id, type, result: answer.kind, novaRequestId });
    if (answer.kind === 'accepted' || answer.kind === 'rebootRunning') {
      // A reboot already running (409 in a reboot task state) is followed to its end instead.
      job.rebootSentAt = held(await this.jobs.markRebootSent(lease, type));
      return '';
    }
    if (isFinalRefusal(answer)) {
      const earlier = escalation ? `A SOFT reboot was sent and did not finish in time; then ` : '';
      await this.end(lease, 'failed', `${earlier}${describeRefusal(job.target, type, answer)}`);
      return null;
    }
    if (answer.kind !== 'noAnswer') {
      // Nova did not act (5xx, 429) or the POST never left: no doubt, try again at the next poll.
      held(await this.jobs.markRebootUnsent(lease, escalation ? 'SOFT' : before));
      [job.rebootAttemptedAt, job.rebootType] = [job.rebootSentAt, escalation ? 'SOFT' : before];
    }
    return `the ${type} reboot POST got no usable answer (${answer.message})`;
  }

  /** Runs `work` while renewing the lease every third of its lifetime, so no other handler takes the job meanwhile. */
  private async keepingLease<T>(lease: JobLease, work: () => Promise<T>): Promise<T> {
    let lost = false;
    const timer = setInterval(
      () =>
        void this.jobs.renew(lease).then(
          (kept) => (lost ||= !kept),
          () => undefined,
        ),
      Math.max(100, lease.ttlMs / 3),
    );
    try {
      return await work();
    } finally {
      clearInterval(timer);
      if (lost) this.logger.warn({ msg: 'lease lost while a reboot was being sent', jobId: lease.jobId });
    }
  }

  private async append(lease: JobLease, text: string): Promise<void> {
    this.announcer.line(lease.jobId, held(await this.jobs.appendLine(lease, text)));
  }

  private async end(lease: JobLease, state: 'done' | 'failed', errors = ''): Promise<void> {
    this.announcer.line(lease.jobId, held(await this.jobs.finish(lease, state, errors)));
    await this.announcer.ended(lease.jobId, state, errors);
  }

  /** Finds the node's server in the cluster's project and remembers it. */
  private async locate(job: JobEntity, lease: JobLease): Promise<string | null> {
    const node = await this.registry.findNode(job.clusterId, job.target);
    if (!node) {
      const reason = `Node ${job.target} no longer exists in OpenStack: no reboot was sent`;
      await this.end(lease, 'failed', reason);
      return null;
    }
    held(await this.jobs.setServer(lease, node.serverId));
    job.serverId = node.serverId;
    return node.serverId;
  }

  /** Did a reboot sent at about `attemptedAt` reach Nova? Its task state, else its instance actions, tell. */
  private async gotThrough(
    nova: RebootNova,
    serverId: string,
    server: NovaServer,
    progress: RebootProgress,
  ): Promise<boolean> {
    if (rebootInProgress(server, progress.type)) return true;
    return rebootRecordedSince(await nova.listInstanceActions(serverId), new Date(progress.attemptedAt ?? 0));
  }

  /** Customers polling nodestatus see a change as soon as the worker does, not one cache period later. */
  private noteStatus(job: JobEntity, serverId: string, server: NovaServer): Promise<void> {
    const node = { nodename: job.target, serverId, status: server.status, taskState: server.taskState };
    return this.registry.noteNodeStatus(job.clusterId, node);
  }

  private facts(job: JobEntity, server: NovaServer | null, reachedNova: boolean, lastProblem?: string) {
    const { deadlineAt, target } = job;
    const base = { now: Date.now(), deadlineAt: deadlineAt?.getTime() ?? null, node: target };
    return { ...base, progress: progressOf(job), server, reachedNova, lastProblem };
  }
}

function progressOf(job: JobEntity): RebootProgress {
  return {
    type: job.rebootType,
    attemptedAt: job.rebootAttemptedAt?.getTime() ?? null,
    sentAt: job.rebootSentAt?.getTime() ?? null,
  };
}

function inDoubt(progress: RebootProgress): boolean {
  return progress.attemptedAt !== null && (progress.sentAt === null || progress.sentAt < progress.attemptedAt);
}
