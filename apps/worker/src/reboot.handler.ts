import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobRepository, type JobEntity, type RebootJobPayload } from '@oshift/jobs';
import { CloudUnavailableError, NodeRegistry } from '@oshift/node-registry';
import { OpenStackError, type NovaClient, type NovaServer } from '@oshift/openstack-client';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** Nova statuses after which a reboot cannot end well. */
const FAILED_STATUSES = new Set([
  'ERROR',
  'SHUTOFF',
  'DELETED',
  'SOFT_DELETED',
  'SUSPENDED',
  'PAUSED',
  'SHELVED',
  'SHELVED_OFFLOADED',
]);

/** The worker is stopping: the job goes back to the queue, untouched, for another worker to resume. */
export class HandBack extends Error {
  override readonly name = 'HandBack';
}

/**
 * Drives one reboot job to its end, resumably: every step it has taken is in Postgres, so a worker
 * that picks up a job another one dropped continues from there and never sends a second reboot for a
 * reboot that was sent.
 */
@Injectable()
export class RebootHandler {
  private readonly logger = new Logger(RebootHandler.name);

  constructor(
    private readonly jobs: JobRepository,
    private readonly registry: NodeRegistry,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async run(payload: RebootJobPayload, stop: AbortSignal): Promise<void> {
    const job = await this.jobs.markRunning(payload.jobId);
    if (!job) return; // already ended, or never committed: nothing owed
    const context = { jobId: job.id, clusterId: job.clusterId, target: job.target, requestId: payload.requestId };
    this.logger.log({ msg: 'reboot job running', attempt: job.attempts, ...context });
    try {
      await this.drive(job, stop);
    } catch (error) {
      if (error instanceof HandBack) throw error;
      if (error instanceof OpenStackError || error instanceof CloudUnavailableError) {
        const requestId = error instanceof OpenStackError ? error.requestId : error.requestId;
        const reason = `OpenStack error: ${error.message}${requestId ? ` (request ${requestId})` : ''}`;
        this.logger.warn({ msg: 'reboot job failed', reason, ...context });
        await this.jobs.finish(job.id, 'failed', reason);
        return;
      }
      throw error; // Postgres or Redis trouble: BullMQ retries, and the job resumes where it stood
    }
  }

  private async drive(job: JobEntity, stop: AbortSignal): Promise<void> {
    const nova = await this.registry.nova(job.clusterId);
    const serverId = job.serverId ?? (await this.locate(job));
    if (!serverId) return;

    if (!job.rebootSentAt) await this.sendReboot(job, nova, serverId);

    for (;;) {
      if (job.deadlineAt && Date.now() > job.deadlineAt.getTime()) {
        const server = await nova.getServer(serverId);
        await this.jobs.finish(job.id, 'failed', `Deadline passed: ${job.target} is still ${server.status}`);
        return;
      }
      const server = await nova.getServer(serverId);
      await this.jobs.appendLine(job.id, `${job.target} ${server.status}`);
      if (isRebooted(server)) {
        await this.jobs.finish(job.id, 'done');
        this.logger.log({ msg: 'reboot job done', jobId: job.id, clusterId: job.clusterId, target: job.target });
        return;
      }
      if (FAILED_STATUSES.has(server.status)) {
        const fault = server.fault?.message ? `: ${server.fault.message}` : '';
        await this.jobs.finish(job.id, 'failed', `${job.target} went ${server.status} during the reboot${fault}`);
        return;
      }
      await sleep(this.config.worker.pollIntervalMs, stop);
    }
  }

  /** Finds the node's server in the cluster's project and remembers it. */
  private async locate(job: JobEntity): Promise<string | null> {
    const node = await this.registry.findNode(job.clusterId, job.target);
    if (!node) {
      await this.jobs.finish(job.id, 'failed', `Node ${job.target} no longer exists in OpenStack`);
      return null;
    }
    await this.jobs.setServer(job.id, node.serverId);
    return node.serverId;
  }

  /**
   * Sends the SOFT reboot once. A job resumed after its worker died between recording the attempt
   * and recording the answer looks at the server first: a reboot in progress means ours got through.
   */
  private async sendReboot(job: JobEntity, nova: NovaClient, serverId: string): Promise<void> {
    if (job.rebootAttemptedAt) {
      const server = await nova.getServer(serverId);
      if (server.taskState && server.taskState.startsWith('reboot')) {
        await this.jobs.markRebootSent(job.id, job.rebootType);
        return;
      }
    }
    await this.jobs.markRebootAttempted(job.id, 'SOFT');
    try {
      await nova.reboot(serverId, 'SOFT');
    } catch (error) {
      // Nova refuses a SOFT reboot while any reboot runs: that one is followed to its end instead.
      if (!(error instanceof OpenStackError && error.status === 409 && error.code === 'conflictingRequest'))
        throw error;
      this.logger.warn({
        msg: 'a reboot was already running; following it',
        jobId: job.id,
        requestId: error.requestId,
      });
    }
    await this.jobs.markRebootSent(job.id, 'SOFT');
  }
}

/** Back from the reboot: ACTIVE with no task left (Nova sets the task before it answers 202). */
function isRebooted(server: NovaServer): boolean {
  return server.status === 'ACTIVE' && !server.taskState;
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
