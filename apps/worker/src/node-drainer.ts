import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  ClusterRules,
  dbNow,
  type JobEntity,
  type JobLease,
  JobLeases,
  type NodeRole,
  type PollEntry,
  type RebootPolicy,
  roleOf,
} from '@oshift/jobs';
import {
  type ClusterApi,
  ClusterApis,
  ClusterApiUnavailableError,
  type ClusterConnection,
  matchNode,
  type NodePod,
} from '@oshift/cluster-api';
import { apiDown, drainingLine, type NodeSeen, nodeRecordOf, planBackStep, planDrainStep, podName } from './node-step';
import { held, RebootSender } from './reboot-sender';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** Steps carried out in one go (record, cordon, then evict) before the job looks again after a poll. */
const STEPS_AT_ONCE = 4;

/** The drain's rules for a role: whether it drains (HAProxy VMs are not cluster nodes: never), and its timeout. */
export function drainRules(policy: RebootPolicy, role: NodeRole): { drain: boolean; drainTimeoutMs: number } {
  return { drain: role !== 'haproxy' && policy.roles[role].drain, drainTimeoutMs: policy.drainTimeoutSeconds * 1000 };
}

/** The words of a cluster API failure worth waiting out; anything else (a bug, Postgres) is thrown again. */
function apiProblem(error: unknown): string {
  if (error instanceof ClusterApiUnavailableError) return error.message;
  throw error;
}

/** What a poll of the watcher writes for a job whose node is followed in the cluster's API. */
export type BackEntry = Pick<PollEntry, 'lines' | 'end'>;

/**
 * Carries out a reboot's side in the cluster's own API on a connected cluster, step by step as
 * {@link planDrainStep} and {@link planBackStep} decide: before the POST (in the reboot handler, under the job's
 * lease) the drain; once Nova shows the server back (in the cluster's watcher) the wait for `Ready` with a new
 * boot id and the uncordon. Every step is recorded in the job's row first, so a worker that resumes the job goes
 * on in the same phase: it never cordons twice, nor uncordons a node this job did not cordon. Clusters without a
 * connection (no {@link ClusterApis} answer) are left exactly as before.
 */
@Injectable()
export class NodeDrainer {
  private readonly logger = new Logger(NodeDrainer.name);

  constructor(
    @Inject(JobLeases) private readonly jobs: Pick<JobLeases, 'noteNode' | 'noteProblem' | 'renew'>,
    @Inject(ClusterRules) private readonly rules: Pick<ClusterRules, 'policy'>,
    @Inject(RebootSender) private readonly sender: Pick<RebootSender, 'append' | 'end'>,
    @Inject(WORKER_CONFIG) private readonly config: { worker: Pick<WorkerConfig['worker'], 'sendMarginMs'> },
    @Optional() @Inject(ClusterApis) private readonly apis?: Pick<ClusterApis, 'connection'>,
  ) {}

  /**
   * Before the first reboot POST: `go` (drained, or nothing to drain: send), `later` (look again after a poll) or
   * `ended` (the drain failed: uncordoned when this job cordoned it, nothing sent).
   */
  async beforeSend(job: JobEntity, lease: JobLease): Promise<'go' | 'later' | 'ended'> {
    if (job.nodePhase !== null && job.nodePhase !== 'draining') return 'go';
    const connection = await this.connectionOf(job);
    if (!connection) return 'go';
    const { api } = connection;
    const policy = await this.rules.policy(job.clusterId);
    const role = roleOf(job.target, policy);
    if (role === 'haproxy') return 'go';
    const { drain, drainTimeoutMs } = drainRules(policy, role);
    for (let round = 0; round < STEPS_AT_ONCE; round += 1) {
      let seen: NodeSeen;
      try {
        seen = await this.seeDrain(connection, job);
      } catch (error) {
        seen = { problem: apiProblem(error) };
      }
      const facts = { now: dbNow(job), deadlineAt: job.deadlineAt?.getTime() ?? null, target: job.target };
      const settings = { sendMarginMs: this.config.worker.sendMarginMs, drain, drainTimeoutMs };
      const step = planDrainStep({ ...facts, ...settings, record: nodeRecordOf(job), seen });
      try {
        switch (step.do) {
          case 'begin': {
            const phase = step.drain ? 'draining' : 'drained';
            const noted = held(
              await this.jobs.noteNode(lease, {
                kubeNode: step.kubeNode,
                bootIdBefore: step.bootId,
                nodePhase: phase,
                cordonedByJob: step.cordon,
                drainStarted: step.drain,
              }),
            );
            Object.assign(job, {
              kubeNode: step.kubeNode,
              bootIdBefore: step.bootId,
              nodePhase: phase,
              cordonedByJob: step.cordon,
              drainStartedAt: noted.drainStartedAt,
            });
            if (!step.drain) return 'go';
            break;
          }
          case 'cordon':
            await api.setUnschedulable(this.kubeNode(job), true);
            break;
          case 'evict':
            await this.say(job, lease, drainingLine(this.kubeNode(job), step.pods.length));
            await this.evict(api, job, lease, step.pods);
            return 'later';
          case 'drained':
            held(await this.jobs.noteNode(lease, { nodePhase: 'drained' }));
            job.nodePhase = 'drained';
            await this.say(job, lease, `Drained: ${this.kubeNode(job)}`);
            return 'go';
          case 'wait':
            await this.say(job, lease, `Waiting: ${step.problem}`);
            if (step.problem !== job.lastProblem) held(await this.jobs.noteProblem(lease, step.problem));
            job.lastProblem = step.problem;
            return 'later';
          case 'fail': {
            const cordon = step.uncordon ? await this.undo(job) : '';
            await this.sender.end(lease, 'failed', cordon ? `${step.reason} ${cordon}` : step.reason);
            return 'ended';
          }
        }
      } catch (error) {
        // The cluster's API failed mid-step: said once, and the next step (or the deadline) decides.
        const problem = apiProblem(error);
        await this.say(job, lease, `Waiting: ${apiDown(problem)}`);
        return 'later';
      }
    }
    return 'later';
  }

  /**
   * A job that ends before its reboot was sent (a deadline, OpenStack refusing) uncordons the node it cordoned.
   * Answers what became of the cordon, for the job's reason ('' when this job holds none).
   */
  async undo(job: JobEntity): Promise<string> {
    if (job.cordonedByJob !== true || job.kubeNode === null) return '';
    try {
      const api = await this.apiOf(job);
      if (!api) return `${job.kubeNode} was left cordoned (the cluster is no longer connected).`;
      await api.setUnschedulable(job.kubeNode, false);
      return `${job.kubeNode} was uncordoned.`;
    } catch (error) {
      return `${job.kubeNode} was left cordoned (the uncordon failed: ${apiProblem(error)}).`;
    }
  }

  /**
   * Once Nova shows the server back (`ACTIVE`): what the watcher writes for the job this poll, or null when the
   * node is not followed in the cluster's API (not connected, or a HAProxy VM): `Done` then, as before.
   * `statusLine` is the poll's `<node> ACTIVE`, said the first time only.
   */
  async back(job: JobEntity, lease: JobLease, statusLine: string[]): Promise<BackEntry | null> {
    if (job.kubeNode === null || job.nodePhase === null) return null;
    const api = await this.apiOf(job);
    if (!api) return null;
    const lines: string[] = [];
    if (job.nodePhase === 'draining' || job.nodePhase === 'drained') {
      held(await this.jobs.noteNode(lease, { nodePhase: 'active' }));
      job.nodePhase = 'active';
      lines.push(...statusLine);
    }
    const kubeNode = job.kubeNode;
    for (let round = 0; round < STEPS_AT_ONCE; round += 1) {
      let seen: { node: Awaited<ReturnType<ClusterApi['node']>> } | { problem: string };
      try {
        seen = { node: await api.node(kubeNode) };
      } catch (error) {
        seen = { problem: apiProblem(error) };
      }
      const facts = { now: dbNow(job), deadlineAt: job.deadlineAt?.getTime() ?? null, target: job.target };
      const step = planBackStep({ ...facts, record: nodeRecordOf(job), seen });
      switch (step.do) {
        case 'wait':
          await this.say(job, lease, step.line, lines);
          return { lines };
        case 'ready':
          held(await this.jobs.noteNode(lease, { nodePhase: 'ready' }));
          job.nodePhase = 'ready';
          await this.say(job, lease, `Ready: ${kubeNode}`, lines);
          break;
        case 'uncordon':
          // Fenced like a write: a watcher whose job another watcher took over meanwhile (it paused) must not
          // uncordon a node that the job's next holder, or the node's next reboot, may have cordoned since.
          held(await this.jobs.renew(lease));
          try {
            await api.setUnschedulable(kubeNode, false);
          } catch (error) {
            await this.say(job, lease, `Waiting: ${apiDown(apiProblem(error))}`, lines);
            return { lines };
          }
          await this.say(job, lease, `Uncordoned: ${kubeNode}`, lines);
          return { lines, end: { state: 'done', errors: '' } };
        case 'done':
          return { lines, end: { state: 'done', errors: '' } };
        case 'fail':
          return { lines, end: { state: 'failed', errors: step.reason } };
      }
    }
    return { lines };
  }

  /** The node and the pods on it, as the cluster's API shows them now. */
  private async seeDrain({ api, nodePattern }: ClusterConnection, job: JobEntity): Promise<NodeSeen> {
    // The server's node is found once (by name, hostname label or the cluster's pattern), then asked by name.
    const node = job.kubeNode ? await api.node(job.kubeNode) : matchNode(job.target, await api.nodes(), nodePattern);
    const pods = node && job.nodePhase === 'draining' ? await api.podsOn(node.name) : [];
    return { node, pods };
  }

  /**
   * Evicts each pod through the Eviction API, so PodDisruptionBudgets are honoured: a budget's refusal (429) is
   * tried again at the next step, until the drain timeout; what it said is kept for the failure's reason.
   */
  private async evict(api: ClusterApi, job: JobEntity, lease: JobLease, pods: NodePod[]): Promise<void> {
    const refused: string[] = [];
    for (const pod of pods) {
      const result = await api.evict(pod);
      if (!result.ok && result.reason !== 'gone') refused.push(`${podName(pod)}: ${result.message}`);
    }
    if (refused.length === 0) return;
    const problem = `evictions refused (${refused.join('; ')})`;
    this.logger.debug({ msg: 'evictions refused; trying again', jobId: job.id, refused });
    if (problem !== job.lastProblem) held(await this.jobs.noteProblem(lease, problem));
    job.lastProblem = problem;
  }

  /**
   * Says a progress line once: again only when it changed. In the handler it is appended at once; in the watcher
   * (`into`) it goes with the poll's lines.
   */
  private async say(job: JobEntity, lease: JobLease, line: string, into?: string[]): Promise<void> {
    if (job.nodeLine === line) return;
    held(await this.jobs.noteNode(lease, { nodeLine: line }));
    job.nodeLine = line;
    if (into) into.push(line);
    else await this.sender.append(lease, line);
  }

  private kubeNode(job: JobEntity): string {
    return job.kubeNode ?? job.target;
  }

  private async apiOf(job: JobEntity): Promise<ClusterApi | null> {
    return (await this.connectionOf(job))?.api ?? null;
  }

  /** The cluster's API and node pattern as its row says now; null when it is not connected. */
  private async connectionOf(job: JobEntity): Promise<ClusterConnection | null> {
    return (await this.apis?.connection(job.clusterId)) ?? null;
  }
}
