import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { JobLeases, type JobEntity, type JobLease, type RebootJobPayload } from '@oshift/jobs';
import { CloudUnavailableError, NodeRegistry } from '@oshift/node-registry';
import {
  isPermanentOpenStackError,
  isRebootAlreadyRunning,
  isRebooted,
  isTransientOpenStackError,
  type NovaClient,
  type NovaServer,
  rebootCannotEnd,
  rebootInProgress,
  rebootRecordedSince,
  type RebootType,
} from '@oshift/openstack-client';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';
import { JobAnnouncer, type JobAnnouncements } from './job-announcer';

/** What the handler writes to a job's row; every leased write answers whether the lease still held. */
export type RebootJobRecords = Pick<
  JobLeases,
  'claim' | 'release' | 'setServer' | 'markRebootAttempted' | 'markRebootSent' | 'appendLine' | 'finish'
>;

/** What the handler asks of a cluster's Nova. */
export type RebootNova = Pick<NovaClient, 'getServer' | 'reboot' | 'listInstanceActions'>;

/** Where the handler finds a cluster's Nova and its nodes, and tells the node-status cache what it saw. */
export interface RebootTargets extends Pick<NodeRegistry, 'findNode' | 'noteNodeStatus'> {
  nova(clusterId: string): Promise<RebootNova>;
}

/** The settings the handler follows. */
export type RebootTimings = Pick<WorkerConfig['worker'], 'leaseMs' | 'pollIntervalMs' | 'softRebootTimeoutMs'>;

/** Announcements nobody hears (unit tests of the handler's decisions). */
const SILENT: JobAnnouncements = { line: () => undefined, ended: async () => undefined };

/** The worker is stopping: the job goes back to the queue, untouched, for another worker to resume. */
export class HandBack extends Error {
  override readonly name = 'HandBack';
}

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
 * Drives one reboot job to its end, resumably: every step it has taken is in Postgres, so a worker
 * that picks up a job another one dropped continues from there and never sends a second reboot for a
 * reboot that got through. A lease on the job row lets one handler at a time act on it.
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

  async run(payload: RebootJobPayload, stop: AbortSignal): Promise<void> {
    // One owner per process: a retry in this process takes its own lease back at once.
    const lease: JobLease = { jobId: payload.jobId, owner: this.owner, ttlMs: this.config.worker.leaseMs };
    const job = await this.jobs.claim(lease);
    if (!job) return; // ended, never committed, or in another handler's hands: nothing to do here
    const context = { jobId: job.id, clusterId: job.clusterId, target: job.target, requestId: payload.requestId };
    this.logger.log({ msg: 'reboot job running', attempt: job.attempts, ...context });
    try {
      await this.drive(job, lease, stop);
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.logger.warn({ msg: 'job taken over by another handler; stopping', ...context });
        return;
      }
      if (isPermanentOpenStackError(error)) {
        const reason = `OpenStack error: ${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`;
        this.logger.warn({ msg: 'reboot job failed', reason, ...context });
        await this.end(lease, 'failed', reason).catch((lost: unknown) => {
          if (!(lost instanceof LeaseLost)) throw lost;
        });
        return;
      }
      // Stopping, or Postgres/Redis trouble: give the lease up so the retry (or another worker) resumes at once.
      await this.jobs.release(lease).catch(() => undefined);
      throw error;
    }
  }

  private async drive(job: JobEntity, lease: JobLease, stop: AbortSignal): Promise<void> {
    const nova = await this.registry.nova(job.clusterId);
    let lastStatus: string | null = null;
    for (;;) {
      try {
        const serverId = job.serverId ?? (await this.locate(job, lease));
        if (!serverId) return;
        if (!job.rebootSentAt || inDoubt(job)) {
          await this.sendReboot(job, lease, nova, serverId, job.rebootType);
        }
        const server = await nova.getServer(serverId);
        if (server.status !== lastStatus) {
          // Customers polling nodestatus see the change as soon as we do, not one cache period later.
          await this.registry.noteNodeStatus(job.clusterId, {
            nodename: job.target,
            serverId,
            status: server.status,
            taskState: server.taskState,
          });
        }
        lastStatus = server.status;
        await this.append(lease, `${job.target} ${server.status}`);
        if (isRebooted(server)) {
          await this.end(lease, 'done');
          this.logger.log({ msg: 'reboot job done', jobId: job.id, clusterId: job.clusterId, target: job.target });
          return;
        }
        if (rebootCannotEnd(server)) {
          const fault = server.fault?.message ? `: ${server.fault.message}` : '';
          await this.end(lease, 'failed', `${job.target} went ${server.status} during the reboot${fault}`);
          return;
        }
        if (this.softRebootOverdue(job, server)) {
          const seconds = Math.round(this.config.worker.softRebootTimeoutMs / 1000);
          await this.append(lease, `Soft reboot did not finish in ${seconds} s: escalating to HARD reboot`);
          await this.sendReboot(job, lease, nova, serverId, 'HARD');
          continue;
        }
      } catch (error) {
        // OpenStack briefly away (5xx, timeouts, dropped connections): keep observing until the deadline.
        if (!isTransient(error)) throw error;
        this.logger.warn({ msg: 'OpenStack call failed; retrying', jobId: job.id, error: error.message });
      }
      if (job.deadlineAt && Date.now() > job.deadlineAt.getTime()) {
        const where = lastStatus
          ? `${job.target} is still ${lastStatus}`
          : `OpenStack did not answer for ${job.target}`;
        await this.end(lease, 'failed', `Deadline passed: ${where}`);
        return;
      }
      await sleep(this.config.worker.pollIntervalMs, stop);
    }
  }

  /** Appends an output line (renewing the lease) and announces it to the job's followers once committed. */
  private async append(lease: JobLease, text: string): Promise<void> {
    this.announcer.line(lease.jobId, held(await this.jobs.appendLine(lease, text)));
  }

  /** Ends the job (its `Done`/`Fail` line, state and audit record), then tells followers and webhooks. */
  private async end(lease: JobLease, state: 'done' | 'failed', errors = ''): Promise<void> {
    this.announcer.line(lease.jobId, held(await this.jobs.finish(lease, state, errors)));
    await this.announcer.ended(lease.jobId, state, errors);
  }

  /** Finds the node's server in the cluster's project and remembers it. */
  private async locate(job: JobEntity, lease: JobLease): Promise<string | null> {
    const node = await this.registry.findNode(job.clusterId, job.target);
    if (!node) {
      await this.end(lease, 'failed', `Node ${job.target} no longer exists in OpenStack`);
      return null;
    }
    held(await this.jobs.setServer(lease, node.serverId));
    job.serverId = node.serverId;
    return node.serverId;
  }

  /**
   * Sends a reboot once. The attempt is recorded before the POST and the acceptance after it; a job
   * resumed in between (its worker died) asks Nova whether the reboot got through before sending again.
   */
  private async sendReboot(
    job: JobEntity,
    lease: JobLease,
    nova: RebootNova,
    serverId: string,
    type: RebootType,
  ): Promise<void> {
    if (
      inDoubt(job) &&
      job.rebootType === type &&
      (await this.gotThrough(nova, serverId, type, job.rebootAttemptedAt!))
    ) {
      job.rebootSentAt = held(await this.jobs.markRebootSent(lease, type));
      this.logger.log({ msg: 'reboot found in progress after a resume; not sent again', jobId: job.id, type });
      return;
    }
    job.rebootAttemptedAt = held(await this.jobs.markRebootAttempted(lease, type));
    job.rebootType = type;
    try {
      await nova.reboot(serverId, type);
    } catch (error) {
      // Nova refuses a SOFT reboot while any reboot runs: that one is followed to its end instead.
      if (!isRebootAlreadyRunning(error)) throw error;
      this.logger.warn({
        msg: 'a reboot was already running; following it',
        jobId: job.id,
        requestId: error.requestId,
      });
    }
    job.rebootSentAt = held(await this.jobs.markRebootSent(lease, type));
  }

  /** Did a reboot sent at about `attemptedAt` reach Nova? Its task state, else its instance actions, tell. */
  private async gotThrough(nova: RebootNova, serverId: string, type: RebootType, attemptedAt: Date): Promise<boolean> {
    if (rebootInProgress(await nova.getServer(serverId), type)) return true;
    return rebootRecordedSince(await nova.listInstanceActions(serverId), attemptedAt);
  }

  private softRebootOverdue(job: JobEntity, server: NovaServer): boolean {
    const limit = this.config.worker.softRebootTimeoutMs;
    return (
      limit > 0 &&
      job.rebootType === 'SOFT' &&
      job.rebootSentAt !== null &&
      server.status === 'REBOOT' &&
      Date.now() - job.rebootSentAt.getTime() > limit
    );
  }
}

/** Failures worth waiting out: OpenStack unreachable, slow, 5xx or throttling. */
function isTransient(error: unknown): error is Error {
  return error instanceof CloudUnavailableError || isTransientOpenStackError(error);
}

/** The last reboot was attempted but its acceptance never recorded (the worker died around the POST). */
function inDoubt(job: JobEntity): boolean {
  return job.rebootAttemptedAt !== null && (job.rebootSentAt === null || job.rebootSentAt < job.rebootAttemptedAt);
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  if (stop.aborted) return Promise.reject(new HandBack('worker stopping'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new HandBack('worker stopping'));
    };
    stop.addEventListener('abort', onAbort, { once: true });
  });
}
