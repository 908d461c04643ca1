import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  ActiveJobStates,
  ClusterRules,
  dbNow,
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
  windowStatus,
  windowTime,
} from '@oshift/jobs';
import { NodeRegistry } from '@oshift/node-registry';
import { JobAnnouncer, type JobAnnouncements } from './job-announcer';
import { held, RebootSender, SILENT } from './reboot-sender';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/**
 * What a rolling step is, to the handler: `later` (look again after a poll interval), `{ windowOpens }` (paused
 * outside the maintenance windows: look again when the next opens) or `ended`.
 */
export type RollingOutcome = 'later' | { windowOpens: number } | 'ended';

/**
 * Drives a rolling reboot, one short step per queue delivery: it starts one node's reboot at a time (an ordinary
 * reboot job, admitted under the cluster's rules like any other, so single reboots and rolling ones respect each
 * other), copies that reboot's lines into its own output, and goes on to the next node once it is `Done`.
 *
 * Its plan (the nodes, in order) is fixed at its first step and kept in its row: a node that is no longer in the
 * cluster at its turn is skipped with `Skipped: <node> is no longer in the cluster`, and the job then cannot end
 * `Done`. It ends `Done` after the last node when every node of the plan was rebooted; `Fail` at the first node
 * that fails (the rest left alone and named), at its own deadline (the nodes not rebooted named), after the last
 * node when it skipped some (named), or when cancelled (after a reboot already sent has run to its end). Each
 * step gets what is left of the rolling reboot's deadline, at most one reboot's.
 */
@Injectable()
export class RollingHandler {
  private readonly logger = new Logger(RollingHandler.name);

  constructor(
    @Inject(RollingJobs)
    private readonly steps: Pick<RollingJobs, 'steps' | 'startStep' | 'mirror' | 'fixPlan' | 'skip' | 'pause'>,
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

    const nodes = await this.registry.listNodes(job.clusterId);
    const plan = job.rollingPlan ?? (await this.fixPlan(job, lease, nodes));
    if (plan.length === 0) {
      return this.end(lease, 'failed', `The cluster has no ${job.rollingRole ?? 'all'} node: nothing was rebooted`);
    }
    const rebooted = new Set(steps.filter((step) => step.state === 'done').map((step) => step.target));
    const skipped = [...(job.rollingSkipped ?? [])];
    const left = plan.filter((node) => !rebooted.has(node) && !skipped.includes(node));
    const notRebooted = (rest: readonly string[]) => notRebootedOf(rest, skipped);

    if (job.cancelledBy) {
      if (left.length > 0) await this.sender.append(lease, `Cancelled: not rebooted: ${left.join(', ')}`);
      return this.end(lease, 'failed', `Cancelled by ${job.cancelledBy}`);
    }
    if (current?.state === 'failed') {
      const rest = notRebooted(left.filter((node) => node !== current.target));
      return this.end(lease, 'failed', `${current.target}: ${current.errors}${rest ? `; ${rest}` : ''}`);
    }
    if (job.deadlineAt && dbNow(job) >= job.deadlineAt.getTime()) {
      return this.end(lease, 'failed', `Deadline passed: ${notRebooted(left)}`);
    }
    const present = new Set(nodes.map((node) => node.nodename));
    for (const next of left) {
      if (!present.has(next)) {
        // Gone from the cluster since the plan was fixed: say so, and never claim it was rebooted.
        const line = await this.steps.skip(lease, next);
        if (line) this.announcer.line(job.id, line);
        skipped.push(next);
        continue;
      }
      const paused = await this.pauseOutsideWindows(job, lease);
      return paused ?? this.start(job, lease, next);
    }
    if (skipped.length > 0) return this.end(lease, 'failed', notRebooted([]));
    return this.end(lease, 'done');
  }

  /** The plan, fixed at the first step from the cluster's nodes and rules; the job ends when it has no node. */
  private async fixPlan(job: JobEntity, lease: JobLease, nodes: readonly { nodename: string }[]): Promise<string[]> {
    const role = (job.rollingRole ?? 'all') as RollingRole;
    const policy = await this.rules.policy(job.clusterId);
    const planned = rollingPlan(
      role,
      nodes.map((node) => node.nodename),
      policy,
    );
    return held(await this.steps.fixPlan(lease, planned));
  }

  /** Starts the reboot of `next` as a step, with what is left of the rolling reboot's deadline. */
  private async start(job: JobEntity, lease: JobLease, next: string): Promise<RollingOutcome> {
    // By Postgres' clock, as every job time: a worker whose own clock is off changes nothing.
    const stepEnd = dbNow(job) + this.config.worker.stepDeadlineMs;
    const deadlineAt = new Date(job.deadlineAt ? Math.min(stepEnd, job.deadlineAt.getTime()) : stepEnd);
    const started = held(await this.steps.startStep(lease, job, { id: newJobId(), target: next, deadlineAt }));
    if ('cancelled' in started) return 'later'; // the next delivery ends it as cancelled
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

  /**
   * Between steps: outside the cluster's maintenance windows (and not overridden), the rolling reboot pauses until
   * the next one opens, with its deadline moved on by the pause; null when the next step may start now.
   */
  private async pauseOutsideWindows(job: JobEntity, lease: JobLease): Promise<{ windowOpens: number } | null> {
    if (job.windowOverrideBy) return null;
    const { windows } = await this.rules.policy(job.clusterId);
    const status = windowStatus(windows, Date.now());
    if (status.open || status.nextOpen === null) return null;
    const reason = `outside the maintenance window; next opens ${windowTime(status.nextOpen)}`;
    const line = await this.steps.pause(lease, reason, status.nextOpen);
    if (line) this.announcer.line(job.id, line);
    return { windowOpens: status.nextOpen };
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

/** `not rebooted: a, b` for the nodes left, and the skipped ones named as such; '' when there are none. */
function notRebootedOf(rest: readonly string[], skipped: readonly string[]): string {
  const parts = [];
  if (rest.length > 0) parts.push(`not rebooted: ${rest.join(', ')}`);
  if (skipped.length > 0) parts.push(`not rebooted: ${skipped.join(', ')} (no longer in the cluster)`);
  return parts.join('; ');
}
