import { demoProject } from '@oshift/openstack-sim';
import { connectedSystem, workerEnvOf } from './connected-cluster';
import { followJob, startReboot } from './job-polling';
import type { SystemUnderTest, TestUser } from './system-under-test';

/**
 * Issue 20's acceptance for the control plane of a cluster connected to its Kubernetes API, with production-like
 * timings: the simulator makes a rebooted master Ready 20 to 30 s after its VM is ACTIVE again, and the workers
 * poll at the production interval. Three masters asked together, then a rolling reboot of `master`; in each, every
 * worker process is SIGKILLed while a master is ACTIVE in Nova but not yet Ready in the cluster (the moment a
 * service judging by Nova alone would start the next one). The simulator's own count of masters not Ready at the
 * same moment never exceeds 1. The masters' settle time is 0 here: the Ready gate alone must hold (the settle time
 * is tested in quorum-settle.e2e-spec.ts).
 */
const PROJECT = demoProject().id;
const MASTERS = ['master-0', 'master-1', 'master-2'].map((name) => `${name}.openstacklocal`);
const READY_DELAYS_MS = [20_000, 30_000, 25_000];
const WORKER_ENV = { POLL_INTERVAL_MS: '1000' };

describe('masters of a connected cluster, Ready 20–30 s after ACTIVE, every worker SIGKILLed mid-run', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await connectedSystem({
      knobs: { rebootDurationMs: 3000 },
      workers: 2,
      workerEnv: WORKER_ENV,
      gatewayEnv: { JOB_DEADLINE_SECONDS: '600' },
    });
    operator = await system.user(['reboot']);
    await system.setRebootPolicy({ roles: { master: { settle_seconds: 0 } } });
    MASTERS.forEach((node, index) => system.simulator.setKnobs({ nodeReadyDelayMs: READY_DELAYS_MS[index] }, node));
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  /** Waits until a master is ACTIVE in Nova and not Ready in the cluster, then SIGKILLs every worker and starts two. */
  async function killWorkersWhileAMasterIsNotReady(): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const waiting = MASTERS.some(
        (node) => system.simulator.server(node).status === 'ACTIVE' && !system.simulator.kubeNode(node).ready,
      );
      if (waiting) {
        await Promise.all(system.workers.map((worker) => worker.stop('SIGKILL')));
        await Promise.all([1, 2].map(() => system.startWorker(workerEnvOf(system, WORKER_ENV))));
        return;
      }
      if (Date.now() > deadline) throw new Error('no master was ever ACTIVE and not Ready');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function expectOneAtATime(before: Record<string, number>): void {
    expect(system.simulator.maxMastersNotReady(PROJECT)).toBe(1);
    // Each master rebooted once more, and is Ready, schedulable, on a new boot.
    for (const node of MASTERS) {
      expect(system.simulator.rebootActions(node) - before[node]!).toBe(1);
      expect(system.simulator.kubeNode(node)).toMatchObject({ ready: true, unschedulable: false });
    }
  }

  const rebootCounts = () => Object.fromEntries(MASTERS.map((node) => [node, system.simulator.rebootActions(node)]));

  it('three masters asked together: one not Ready at a time, each Done after the cluster made it Ready', async () => {
    const before = rebootCounts();
    const jobIds = await Promise.all(MASTERS.map((node) => startReboot(system, operator, node)));
    await killWorkersWhileAMasterIsNotReady();
    const jobs = await Promise.all(jobIds.map((id) => followJob(system, operator, id, { timeoutMs: 400_000 })));
    for (const [index, job] of jobs.entries()) {
      expect(job.errors).toBe('');
      expect(job.output.split('\n').slice(-3)).toEqual([
        `Ready: ${MASTERS[index]}`,
        `Uncordoned: ${MASTERS[index]}`,
        'Done',
      ]);
    }
    expectOneAtATime(before);
  }, 480_000);

  it('a rolling reboot of master: one not Ready at a time, in one job ending Done', async () => {
    const before = rebootCounts();
    const response = await system.request('POST', `/api/openshift/${system.clusterId}/rolling-reboot`, {
      user: operator,
      json: { role: 'master' },
    });
    expect(response.status).toBe(202);
    const { job_id: jobId } = (await response.json()) as { job_id: string };
    await killWorkersWhileAMasterIsNotReady();
    const job = await followJob(system, operator, jobId, { timeoutMs: 400_000 });
    expect(job.errors).toBe('');
    expect(job.output.endsWith('\nDone')).toBe(true);
    for (const node of MASTERS) expect(job.output).toContain(`Ready: ${node}`);
    expectOneAtATime(before);
  }, 480_000);
});
