import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type ClusterApis, clusterReadiness } from '@oshift/cluster-api';
import {
  type Admission,
  type AdmissionFacts,
  decideAdmission,
  healthFacts,
  JobAdmissions,
  JobLeases,
  type JobEntity,
  type JobLease,
  type RebootPolicy,
} from '@oshift/jobs';
import {
  describeRefusal,
  isFinalRefusal,
  isInDoubt,
  newestReboot,
  type NovaClient,
  readRebootAnswer,
  type RebootType,
} from '@oshift/openstack-client';
import { NodeRegistry } from '@oshift/node-registry';
import { JobAnnouncer, type JobAnnouncements } from './job-announcer';

/** What sending a reboot writes to a job's row; every leased write answers whether the lease still held. */
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
  | 'noteProblem'
>;

/** What sending a reboot asks of a cluster's Nova. */
export type RebootNova = Pick<NovaClient, 'reboot' | 'listInstanceActions'>;

/** What sending asks of the cluster's rules before a first POST. */
export type SendAdmissions = Pick<JobAdmissions, 'recheckBeforeSend'>;

/**
 * The cluster's rules for a job's node, given the policy, the reboots in flight and how long ago each node was last
 * released (from the cluster's nodes).
 */
export type SendRules = (policy: RebootPolicy, inFlight: string[], releasedAgoMs: Record<string, number>) => Admission;

/** Where the rules read a connected cluster's Kubernetes nodes (the cluster API's `ClusterApis`). */
export type KubeReadinessSource = Pick<ClusterApis, 'connection'>;

/**
 * The cluster's nodes as the rules see them: Nova's status from the shared node list and, on a cluster connected
 * to its Kubernetes API, each node's `Ready` and for how long (or why the API cannot be read now).
 */
export async function nodesWithHealth(
  registry: Pick<NodeRegistry, 'listNodes'>,
  apis: KubeReadinessSource | undefined,
  clusterId: string,
): Promise<Pick<AdmissionFacts, 'nodes' | 'kube'>> {
  const [nodes, readiness] = await Promise.all([
    registry.listNodes(clusterId),
    apis ? clusterReadiness(apis, clusterId) : null,
  ]);
  return healthFacts(nodes, readiness);
}

/** The cluster's rules for the job's node, on the cluster's nodes as the shared node list has them now. */
export async function rulesFor(
  registry: Pick<NodeRegistry, 'listNodes'>,
  job: Pick<JobEntity, 'clusterId' | 'target'>,
  apis?: KubeReadinessSource,
): Promise<SendRules> {
  const health = await nodesWithHealth(registry, apis, job.clusterId);
  // The maintenance windows are decided at admission: a reboot let in inside one is not withdrawn for them here.
  return (policy, inFlight, releasedAgoMs) =>
    decideAdmission({ target: job.target, policy, inFlight, ...health, releasedAgoMs, windowOverride: true });
}

/** Announcements nobody hears (unit tests of the decisions). */
export const SILENT: JobAnnouncements = { line: () => undefined, ended: async () => undefined };

/** Another handler holds the job now (or it ended): this one stops without touching it. */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

/** Returns a leased write's result, or stops the caller when the write found its lease gone. */
export function held<T>(result: T | null | false): T {
  if (result === null || result === false) throw new LeaseLost('lease lost');
  return result;
}

/**
 * Sends one reboot POST for a job under its lease, recorded as attempted before (the lease kept alive while the
 * POST runs) and with Nova's answer after, so a resumed job knows whether a reboot may have got through. The
 * handler sends a job's first reboot; the cluster's watcher sends an escalation or a resend.
 */
@Injectable()
export class RebootSender {
  private readonly logger = new Logger(RebootSender.name);

  constructor(
    @Inject(JobLeases) private readonly jobs: RebootJobRecords,
    @Inject(JobAdmissions) private readonly admissions: SendAdmissions,
    /** Who hears of each committed line and of the end (followers, webhooks); nobody in unit tests. */
    @Optional() @Inject(JobAnnouncer) private readonly announcer: JobAnnouncements = SILENT,
  ) {}

  /**
   * Returns '' when Nova took it (or a reboot already runs), a problem to retry later with, `{ withdrawn }` when
   * the cluster's rules, asked once more before a first POST, made the job wait again (nothing sent), or null
   * when the job ended (Nova or the rules refused for good). A first POST (and every resend of it) is sent only
   * when `rules` still let it start, checked under the cluster's lock ({@link JobAdmissions.recheckBeforeSend});
   * an escalation goes to a node already down for this very job, and is not checked again.
   */
  async send(
    job: JobEntity,
    lease: JobLease,
    nova: RebootNova,
    serverId: string,
    type: RebootType,
    rules: SendRules,
  ): Promise<string | null | { withdrawn: string }> {
    const previous = job.rebootType;
    const escalation = job.rebootSentAt !== null;
    // A token and Nova's answer first (a POST that then fails failed at Nova, not at Keystone on the way), and the
    // newest reboot Nova had recorded before this POST: a newer one is this POST's, whatever anybody's clock says.
    const before = newestReboot(await nova.listInstanceActions(serverId));
    const gate = escalation
      ? held(await this.jobs.markRebootAttempted(lease, type, before))
      : await this.recheck(job, lease, rules, type, before);
    if (!(gate instanceof Date)) return gate;
    const at = gate;
    [job.rebootAttemptedAt, job.rebootType, job.rebootActionsBefore, job.rebootRequestId] = [at, type, before, null];
    const answer = readRebootAnswer(
      await this.keepingLease(lease, () => nova.reboot(serverId, type).catch((error: unknown) => ({ error }))),
    );
    const message = 'message' in answer ? answer.message : undefined;
    const novaRequestId = 'requestId' in answer ? answer.requestId : undefined;
    await this.jobs.recordRebootAttempt(lease, { type, at, result: answer.kind, novaRequestId, message });
    job.rebootRequestId = novaRequestId ?? null;
    this.logger.log({ msg: 'reboot sent', jobId: job.id, type, result: answer.kind, novaRequestId });
    if (answer.kind === 'accepted' || answer.kind === 'rebootRunning') {
      // A reboot already running (409 in a reboot task state) is followed to its end instead.
      job.rebootSentAt = held(await this.jobs.markRebootSent(lease, type));
      return '';
    }
    if (isFinalRefusal(answer)) {
      // Nova refused it for good: this POST can never land, so it does not keep the node in flight after the end.
      held(await this.jobs.markRebootUnsent(lease, escalation ? 'SOFT' : previous));
      const earlier = escalation ? `A SOFT reboot was sent and did not finish in time; then ` : '';
      await this.end(lease, 'failed', `${earlier}${describeRefusal(job.target, type, answer)}`);
      return null;
    }
    if (!isInDoubt(answer)) {
      // Nova itself said it did not act (its own 5xx fault, 429) or the POST never left: try again at the next
      // poll. No answer, or a proxy's 5xx without Nova's fault body: Nova may have taken it, so it stays in doubt.
      held(await this.jobs.markRebootUnsent(lease, escalation ? 'SOFT' : previous));
      [job.rebootAttemptedAt, job.rebootType] = [job.rebootSentAt, escalation ? 'SOFT' : previous];
    }
    return `the ${type} reboot POST got no usable answer (${answer.message})`;
  }

  /** The rules once more before a first POST: the time it is attempted at, or why it is not sent. */
  private async recheck(
    job: JobEntity,
    lease: JobLease,
    rules: SendRules,
    type: RebootType,
    actionsBefore: string,
  ): Promise<Date | null | { withdrawn: string }> {
    const checked = held(await this.admissions.recheckBeforeSend(lease, job.clusterId, rules, { type, actionsBefore }));
    const { admission, attemptedAt } = checked;
    if (attemptedAt) return attemptedAt;
    if (admission.would === 'refuse') {
      // A resend of a POST in doubt: the first one was sent and never confirmed, so say so, not "nothing sent".
      const earlier = job.rebootAttemptedAt
        ? `a reboot was sent at ${job.rebootAttemptedAt.toISOString()} and never confirmed; no other was sent`
        : 'no reboot was sent';
      await this.end(lease, 'failed', `${admission.reason}: ${earlier}`);
      return null;
    }
    this.logger.log({ msg: 'admission withdrawn before the reboot POST', jobId: job.id, reason: admission.reason });
    [job.admittedAt, job.rebootAttemptedAt, job.waitingReason] = [null, null, null];
    return { withdrawn: admission.reason };
  }

  /** Appends one line to the job under its lease and announces it. */
  async append(lease: JobLease, text: string): Promise<void> {
    this.announcer.line(lease.jobId, held(await this.jobs.appendLine(lease, text)));
  }

  /** Ends the job under its lease (`Done`/`Fail`, audit) and announces it. */
  async end(lease: JobLease, state: 'done' | 'failed', errors = ''): Promise<void> {
    this.announcer.line(lease.jobId, held(await this.jobs.finish(lease, state, errors)));
    await this.announcer.ended(lease.jobId, state, errors);
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
}
