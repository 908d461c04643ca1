import type { SimKnobs } from '@oshift/openstack-sim';
import {
  checkInvariants,
  type DryRunRecord,
  type JobRecord,
  type Observations,
  type Refusal,
  type Violation,
} from './chaos-checker';
import {
  CHAOS_CLUSTERS,
  chaosCluster,
  type ChaosCluster,
  type ChaosSchedule,
  type ChaosStep,
  plannedNodes,
} from './chaos-schedule';
import { CHAOS_TIMINGS, ChaosSystem } from './chaos-system';
import type { ChaosEnvironment } from './chaos.config';

/** What one run of a schedule found. */
export interface ChaosOutcome {
  violations: Violation[];
  jobs: number;
  refusals: number;
  /** Wall time of the run, boot included. */
  seconds: number;
  /** Process output tails when something was violated. */
  logs: string;
}

export interface RunOptions {
  environment: ChaosEnvironment;
  workers: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The knobs each fault sets on its server, and what undoes them. */
const FAULT_KNOBS: Record<
  Exclude<Extract<ChaosStep, { kind: 'fault' }>['fault'], 'locked'>,
  { set: Partial<SimKnobs>; undo: Partial<SimKnobs> }
> = {
  'nova-500-acted': {
    set: { nextActionFaults: [{ status: 500, acted: true, body: 'nova' }] },
    undo: { nextActionFaults: [] },
  },
  'nova-500-not-acted': {
    set: { nextActionFaults: [{ status: 500, acted: false, body: 'nova' }] },
    undo: { nextActionFaults: [] },
  },
  'proxy-502-acted': {
    set: { nextActionFaults: [{ status: 502, acted: true, body: 'html' }] },
    undo: { nextActionFaults: [] },
  },
  'slow-answer': { set: { actionDelayMs: 12000 }, undo: { actionDelayMs: 0 } },
  'goes-error': { set: { rebootEndsIn: 'ERROR' }, undo: { rebootEndsIn: 'ACTIVE' } },
};

/**
 * Plays a schedule against a freshly booted system: each step at its offset, jobs followed as a user would
 * (GET job every second), faults undone after their time, then waits until every job has ended or is past its
 * deadline plus the bound, and checks the invariants against the simulator's records.
 */
export async function runSchedule(schedule: ChaosSchedule, options: RunOptions): Promise<ChaosOutcome> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const system = await ChaosSystem.start(options);
  log(`booted gateway and ${options.workers} workers in ${Math.round((Date.now() - started) / 1000)} s`);
  const jobs: JobRecord[] = [];
  const refusals: Refusal[] = [];
  const dryRuns: DryRunRecord[] = [];
  const jobOfStep = new Map<number, JobRecord>();
  const askedBy = new Map<JobRecord, number>();
  const pending: Promise<unknown>[] = [];
  const undo: (() => void)[] = [];
  let following = true;

  const follower = (async () => {
    while (
      following ||
      jobs.some((job) => job.final === null && Date.now() <= job.deadlineAt + CHAOS_TIMINGS.boundMs)
    ) {
      await Promise.all(jobs.filter((job) => job.final === null).map((job) => poll(system, job)));
      if (!following && jobs.every((job) => job.final !== null)) break;
      await sleep(1000);
    }
  })();

  const path = (cluster: ChaosCluster['key'], rest: string) =>
    `/api/openshift/${system.clusterIds.get(cluster)}/${rest}`;

  async function start(step: ChaosStep & { kind: 'reboot' | 'rolling' }): Promise<void> {
    const cluster = chaosCluster(step.cluster);
    const user = system.users[step.user];
    const rolling = step.kind === 'rolling';
    const target = rolling ? step.role : step.node;
    const nodes = rolling ? plannedNodes(cluster, step.role) : [step.node];
    const requestedAt = Date.now();
    const response = rolling
      ? await system.request('POST', path(step.cluster, 'rolling-reboot'), user, { role: step.role, type: 'SOFT' })
      : await system.request('POST', path(step.cluster, 'reboot'), user, { target: step.node, type: step.type });
    const body = await response.text();
    if (response.status !== 202) {
      refusals.push({
        step: step.id,
        cluster: step.cluster,
        kind: step.kind,
        target,
        nodes,
        status: response.status,
        body,
      });
      log(`step ${step.id}: ${step.kind} ${step.cluster} ${target} answered ${response.status} ${body}`);
      return;
    }
    const deadlineMs = CHAOS_TIMINGS.jobDeadlineSeconds * 1000 * (rolling ? nodes.length : 1);
    const job: JobRecord = {
      step: step.id,
      id: (JSON.parse(body) as { job_id: string }).job_id,
      cluster: step.cluster,
      kind: step.kind,
      target,
      nodes,
      requestedAt,
      deadlineAt: requestedAt + deadlineMs,
      endedAt: null,
      final: null,
      output: '',
      errors: '',
    };
    jobs.push(job);
    jobOfStep.set(step.id, job);
    askedBy.set(job, step.user);
  }

  async function poll(sys: ChaosSystem, job: JobRecord): Promise<void> {
    const user = sys.users[askedBy.get(job) ?? 0];
    try {
      const response = await sys.request('GET', path(job.cluster as ChaosCluster['key'], `job/${job.id}`), user);
      if (response.status !== 200) return;
      const view = (await response.json()) as { output: string; errors: string };
      job.output = view.output;
      job.errors = view.errors;
      const last = view.output.split('\n').at(-1);
      if (last === 'Done' || last === 'Fail') {
        job.final = last;
        job.endedAt = Date.now();
      }
    } catch {
      // A gateway too busy to answer this second: the next poll asks again.
    }
  }

  async function play(step: ChaosStep): Promise<void> {
    switch (step.kind) {
      case 'reboot':
      case 'rolling':
        return start(step);
      case 'dry-run': {
        const sentAt = Date.now();
        const response = await system.request('POST', path(step.cluster, 'reboot'), system.users[step.user], {
          target: step.node,
          dry_run: true,
        });
        const body = (await response.json().catch(() => ({}))) as { would?: string };
        dryRuns.push({
          step: step.id,
          cluster: step.cluster,
          node: step.node,
          sentAt,
          answeredAt: Date.now(),
          would: response.status === 200 ? (body.would ?? null) : null,
        });
        return;
      }
      case 'cancel': {
        const job = jobOfStep.get(step.step);
        if (!job) return;
        const response = await system.request(
          'DELETE',
          path(job.cluster as ChaosCluster['key'], `job/${job.id}`),
          system.users[step.user],
        );
        log(`step ${step.id}: cancel of job ${job.id} answered ${response.status}`);
        return;
      }
      case 'kill-worker': {
        const live = system.liveWorkers;
        const victim = live[step.worker % live.length];
        await victim.stop('SIGKILL');
        log(`step ${step.id}: SIGKILLed ${victim.name}; starting a worker, clock ${step.skewSeconds} s off`);
        await system.startWorker(step.skewSeconds);
        return;
      }
      case 'redis-flushall':
        log(`step ${step.id}: Redis FLUSHALL`);
        return system.flushRedis();
      case 'fault': {
        const projectId = chaosCluster(step.cluster).projectId;
        if (step.fault === 'locked') {
          system.simulator.setLocked(step.node, true, 'chaos', projectId);
          undo.push(() => system.simulator.setLocked(step.node, false, undefined, projectId));
          await sleep(step.forMs);
          system.simulator.setLocked(step.node, false, undefined, projectId);
          return;
        }
        const knobs = FAULT_KNOBS[step.fault];
        system.simulator.setKnobs(knobs.set, step.node, projectId);
        undo.push(() => system.simulator.setKnobs(knobs.undo, step.node, projectId));
        // A wrong answer waits for the server's next reboot action; the others last their time.
        if ('nextActionFaults' in knobs.set) return;
        await sleep(step.forMs);
        system.simulator.setKnobs(knobs.undo, step.node, projectId);
        return;
      }
    }
  }

  try {
    const t0 = Date.now();
    for (const step of schedule.steps) {
      await sleep(t0 + step.at - Date.now());
      pending.push(
        play(step).catch((error: unknown) =>
          log(`step ${step.id} (${step.kind}) could not be played: ${String(error)}`),
        ),
      );
    }
    await Promise.all(pending);
    for (const restore of undo) restore();
    log(`schedule played in ${Math.round((Date.now() - t0) / 1000)} s; ${jobs.length} jobs, waiting for them to end`);
    following = false;
    await follower;
    // Reboots still under way settle before the records are read.
    await sleep(CHAOS_TIMINGS.rebootDurationMs + 500);
    const seen: Observations = {
      servers: CHAOS_CLUSTERS.flatMap((cluster) =>
        system.simulator.history(cluster.projectId).map((server) => ({
          cluster: cluster.key,
          name: server.name,
          reboots: server.reboots.map((reboot) => reboot.at),
          down: server.down,
          rebooting: server.rebooting,
        })),
      ),
      jobs,
      refusals,
      dryRuns,
      maxParallel: Object.fromEntries(
        CHAOS_CLUSTERS.map((cluster) => [
          cluster.key,
          Object.fromEntries(
            Object.entries(cluster.policy?.roles ?? {}).map(([role, rule]) => [role, rule?.max_parallel ?? 1]),
          ),
        ]),
      ),
      boundMs: CHAOS_TIMINGS.boundMs,
      checkedAt: Date.now(),
    };
    const violations = checkInvariants(seen);
    return {
      violations,
      jobs: jobs.length,
      refusals: refusals.length,
      seconds: Math.round((Date.now() - started) / 1000),
      logs: violations.length > 0 ? system.logTails() : '',
    };
  } finally {
    following = false;
    await system.stop();
  }
}
