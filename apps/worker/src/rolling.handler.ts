import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  ActiveJobStates,
  ClusterRules,
  enqueueReboot,
  JobCancels,
  type JobEntity,
  type JobLease,
  newJobId,
  REBOOT_QUEUE,
  type RebootQueue,
  RollingJobs,
  type RollingRole,
  rollingPlan,
} from '@oshift/jobs';
import { NodeRegistry } from '@oshift/node-registry';
import { JobAnnouncer, type JobAnnouncements } from './job-announcer';
import { held, RebootSender, SILENT } from './reboot-sender';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** What a rolling step is, to the handler: `later` (look again after a poll interval) or `ended`. */
export type RollingOutcome = 'later' | 'ended';

/**
 * Drives a rolling reboot, one short step per queue delivery: it starts one node's reboot at a time (an ordinary
 * reboot job, admitted under the cluster's rules like any other, so single reboots and rolling ones respect each
 * other), copies that reboot's lines into its own output, and goes on to the next node once it is `Done`. It ends
 * `Done` after the last node, or `Fail` at the first node that fails (the rest left alone and named), or when
 * cancelled (after a reboot already sent has run to its end).
 */
@Injectable()
export class RollingHandler {
  private readonly logger = new Logger(RollingHandler.name);

  constructor(
    @Inject(RollingJobs) private readonly steps: Pick<RollingJobs, 'steps' | 'startStep' | 'mirror'>,
    @Inject(JobCancels) private readonly cancels: Pick<JobCancels, 'cancel'>,
    @Inject(RebootSender) private readonly sender: Pick<RebootSender, 'append' | 'end'>,
    @Inject(NodeRegistry) private readonly registry: Pick<NodeRegistry, 'listNodes'>,
    @Inject(ClusterRules) private readonly rules: Pick<ClusterRules, 'policy'>,
    @InjectQueue(REBOOT_QUEUE) private readonly queue: RebootQueue,
    @Inject(WORKER_CONFIG) private readonly config: { worker: Pick<WorkerConfig['worker'], 'stepDeadlineMs'> },
    @Optional() @Inject(JobAnnouncer) private readonly announcer: JobAnnouncements = SILENT,
  ) {}

  async step(job: JobEntity, lease: JobLease): Promise<RollingOutcome> {
    const steps = await this.steps.steps(job.id);
    const current = steps.at(-1);
    if (current) {
      for (const line of await this.steps.mirror(lease, current.id)) this.announcer.line(job.id, line);
    }
    if (current && ActiveJobStates.includes(current.state)) {
      if (job.cancelledBy && !current.admitted) await this.cancelStep(job, current.id, job.cancelledBy);
      return 'later';
    }

    const policy = await this.rules.policy(job.clusterId);
    const nodes = await this.registry.listNodes(job.clusterId);
    const plan = rollingPlan(
      (job.rollingRole ?? 'all') as RollingRole,
      nodes.map((node) => node.nodename),
      policy,
    );
    const rebooted = new Set(steps.filter((step) => step.state === 'done').map((step) => step.target));
    const left = plan.filter((node) => !rebooted.has(node));

    if (job.cancelledBy) {
      if (left.length > 0) await this.sender.append(lease, `Cancelled: not rebooted: ${left.join(', ')}`);
      return this.end(lease, 'failed', `Cancelled by ${job.cancelledBy}`);
    }
    if (current?.state === 'failed') {
      const rest = left.filter((node) => node !== current.target);
      const untouched = rest.length > 0 ? `; not rebooted: ${rest.join(', ')}` : '';
      return this.end(lease, 'failed', `${current.target}: ${current.errors}${untouched}`);
    }
    const [next] = left;
    if (next === undefined) return this.end(lease, 'done');

    const deadlineAt = new Date(Date.now() + this.config.worker.stepDeadlineMs);
    const started = held(await this.steps.startStep(lease, job, { id: newJobId(), target: next, deadlineAt }));
    if ('busy' in started) {
      // Someone else reboots that node now: this one follows once that reboot has ended.
      this.logger.log({
        msg: 'rolling reboot waits for a running reboot',
        jobId: job.id,
        node: next,
        busy: started.busy,
      });
      return 'later';
    }
    await enqueueReboot(
      this.queue,
      { jobId: started.id, clusterId: job.clusterId, requestId: job.requestId },
      deadlineAt,
    );
    this.logger.log({ msg: 'rolling reboot step started', jobId: job.id, node: next, stepJobId: started.id });
    return 'later';
  }

  /** A step that had not started when its rolling reboot was cancelled (started meanwhile, or after): end it too. */
  private async cancelStep(job: JobEntity, stepId: string, by: string): Promise<void> {
    const canceller = { actor: by, source: null, detail: { rollingJobId: job.id } };
    const outcome = await this.cancels.cancel(job.clusterId, stepId, by, canceller);
    if (!outcome?.cancelled) return;
    for (const ended of outcome.ended) {
      this.announcer.line(ended.jobId, ended.line);
      await this.announcer.ended(ended.jobId, 'failed', ended.errors);
    }
  }

  private async end(lease: JobLease, state: 'done' | 'failed', errors = ''): Promise<'ended'> {
    await this.sender.end(lease, state, errors);
    return 'ended';
  }
}
