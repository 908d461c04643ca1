import { connectedSystem, workerEnvOf } from './connected-cluster';
import { followJob, startReboot } from './job-polling';
import type { SystemUnderTest, TestUser } from './system-under-test';

/**
 * Issue 20's acceptance for a reboot on a cluster connected to its Kubernetes API, through the real gateway and
 * worker against the simulator's Kubernetes API, with production-like timings: a rebooted node turns Ready 20 s
 * after its VM is ACTIVE again (the simulator's `nodeReadyDelayMs`), evicted pods take 1 s to stop. A worker's
 * reboot drains it before the POST and ends `Done` only once it is Ready with a new boot and uncordoned; a
 * PodDisruptionBudget that forbids the eviction ends it `Fail` at the drain timeout (set to 30 s by the cluster's
 * policy here, 300 s by default), nothing sent; an unreachable cluster API holds the reboot back until its deadline.
 */

/** The job's lines as `GET job/{id}?since=0` gives them. */
interface JobLines {
  state: string;
  errors: string;
  lines: Array<{ n: number; time: string; text: string }>;
}

const READY_DELAY_MS = 20_000;
const WORKER_ENV = { POLL_INTERVAL_MS: '250' };

async function jobLines(system: SystemUnderTest, user: TestUser, jobId: string): Promise<JobLines> {
  const response = await system.request('GET', `/api/openshift/${system.clusterId}/job/${jobId}?since=0`, { user });
  expect(response.status).toBe(200);
  return (await response.json()) as JobLines;
}

/** The lines' texts with the reference's repeated `<node> <STATUS>` lines taken as one. */
function phases(lines: JobLines['lines']): string[] {
  return lines.map((line) => line.text).filter((text, index, texts) => text !== texts[index - 1]);
}

describe('a reboot on a connected cluster: drain before, Ready after', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await connectedSystem({
      gatewayEnv: { JOB_DEADLINE_SECONDS: '180' },
      workerEnv: WORKER_ENV,
    });
    operator = await system.user(['reboot']);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('a worker: no pod left on it at the POST, Done only after the cluster made it Ready, uncordoned', async () => {
    const node = 'worker-0.openstacklocal';
    system.simulator.setKnobs({ nodeReadyDelayMs: READY_DELAY_MS }, node);
    const bootBefore = system.simulator.kubeNode(node).bootId;
    expect(system.simulator.kubePods(node).filter((pod) => !pod.daemonSet && !pod.mirror)).not.toEqual([]);

    const jobId = await startReboot(system, operator, node);
    const job = await followJob(system, operator, jobId, { timeoutMs: 170_000 });
    expect(job.errors).toBe('');

    // Nova got the one POST with no non-DaemonSet, non-mirror pod on the node.
    expect(system.simulator.podsAtReboot(node)).toEqual([[]]);
    expect(system.simulator.reboots(node).accepted).toEqual({ SOFT: 1, HARD: 0 });

    const { lines } = await jobLines(system, operator, jobId);
    expect(phases(lines)).toEqual([
      'Draining: 1 pod to evict from worker-0.openstacklocal',
      'Drained: worker-0.openstacklocal',
      ...phases(lines).filter((text) => /^worker-0\.openstacklocal (REBOOT|HARD_REBOOT)$/.test(text)),
      'worker-0.openstacklocal ACTIVE',
      'Waiting: worker-0.openstacklocal is not Ready in the cluster',
      'Ready: worker-0.openstacklocal',
      'Uncordoned: worker-0.openstacklocal',
      'Done',
    ]);
    // Done came after the simulator made the node Ready with a new boot, at least the Ready delay after ACTIVE.
    const after = system.simulator.kubeNode(node);
    expect(after).toMatchObject({ ready: true, unschedulable: false });
    expect(after.bootId).not.toBe(bootBefore);
    const at = (text: string) => Date.parse(lines.find((line) => line.text === text)?.time ?? '');
    expect(at('Done')).toBeGreaterThanOrEqual(after.readySince);
    expect(at('Done') - at('worker-0.openstacklocal ACTIVE')).toBeGreaterThanOrEqual(READY_DELAY_MS - 1000);
  }, 180_000);

  it('a master: its etcd quorum guard is evicted under its budget, its mirror pods stay, Done after Ready', async () => {
    const node = 'master-0.openstacklocal';
    // The masters' settle time (120 s by default) is not what this test is about.
    await system.setRebootPolicy({ roles: { master: { settle_seconds: 0 } } });
    system.simulator.setKnobs({ nodeReadyDelayMs: READY_DELAY_MS }, node);
    const before = system.simulator.kubePods(node);
    const leaving = before.filter((pod) => !pod.daemonSet && !pod.mirror).map((pod) => `${pod.namespace}/${pod.name}`);
    expect(leaving).toEqual([expect.stringMatching(/^openshift-etcd\/etcd-quorum-guard-/)]);

    const jobId = await startReboot(system, operator, node);
    const job = await followJob(system, operator, jobId, { timeoutMs: 170_000 });
    expect(job.errors).toBe('');
    expect(system.simulator.podsAtReboot(node)).toEqual([[]]);
    const { lines } = await jobLines(system, operator, jobId);
    const said = lines.map((line) => line.text).filter((text) => /^[A-Z][a-z]+: /.test(text));
    expect(said).toEqual([
      `Draining: 1 pod to evict from ${node}`,
      `Drained: ${node}`,
      `Waiting: ${node} is not Ready in the cluster`,
      `Ready: ${node}`,
      `Uncordoned: ${node}`,
    ]);
    // The static pods were never evicted: the same mirror pods run on the node.
    const mirrors = (pods: typeof before) => pods.filter((pod) => pod.mirror).map((pod) => pod.name);
    expect(mirrors(system.simulator.kubePods(node))).toEqual(mirrors(before));
    expect(system.simulator.maxMastersNotReady()).toBe(1);
    await system.setRebootPolicy(null);
  }, 180_000);

  it('a worker process SIGKILLed while draining, then while waiting for Ready: resumed in its phase, each line once', async () => {
    const node = 'worker-2.openstacklocal';
    system.simulator.setKnobs({ nodeReadyDelayMs: READY_DELAY_MS }, node);
    // Evicted pods take 8 s to stop here, so the drain is still running when its worker dies.
    system.simulator.setKnobs({ podTerminationMs: 8000 });
    const restart = async () => {
      await system.workers[system.workers.length - 1].stop('SIGKILL');
      await system.startWorker(workerEnvOf(system, WORKER_ENV));
    };
    try {
      const jobId = await startReboot(system, operator, node);
      await followJob(system, operator, jobId, { until: (output) => output.includes('Draining: ') });
      await restart();
      await followJob(system, operator, jobId, {
        until: (output) => output.includes(`Waiting: ${node} is not Ready`),
        timeoutMs: 120_000,
      });
      await restart();
      const job = await followJob(system, operator, jobId, { timeoutMs: 170_000 });
      expect(job.errors).toBe('');
      expect(system.simulator.podsAtReboot(node)).toEqual([[]]);
      expect(system.simulator.reboots(node).accepted).toEqual({ SOFT: 1, HARD: 0 });
      expect(system.simulator.kubeNode(node)).toMatchObject({ ready: true, unschedulable: false });
      const { lines } = await jobLines(system, operator, jobId);
      const said = lines.map((line) => line.text).filter((text) => /^[A-Z][a-z]+: /.test(text));
      expect(said).toEqual([
        `Draining: 1 pod to evict from ${node}`,
        `Drained: ${node}`,
        `Waiting: ${node} is not Ready in the cluster`,
        `Ready: ${node}`,
        `Uncordoned: ${node}`,
      ]);
      expect(lines.at(-1)?.text).toBe('Done');
    } finally {
      system.simulator.setKnobs({ podTerminationMs: 1000 });
    }
  }, 240_000);

  it('a budget that forbids the eviction: Fail at the drain timeout naming the pod, uncordoned, no reboot', async () => {
    const node = 'worker-1.openstacklocal';
    system.simulator.addPodDisruptionBudget({
      namespace: 'shop',
      name: 'frontend-stays',
      selector: { matchLabels: { app: 'frontend' } },
      maxUnavailable: 0,
    });
    // The drain timeout, 300 s by default, is 30 s by this cluster's policy.
    await system.setRebootPolicy({ drain_timeout_seconds: 30 });
    const held = system.simulator
      .kubePods(node)
      .filter((pod) => !pod.daemonSet && !pod.mirror)
      .map((pod) => `${pod.namespace}/${pod.name}`);
    expect(held.length).toBeGreaterThan(0);

    const jobId = await startReboot(system, operator, node);
    const job = await followJob(system, operator, jobId, { timeoutMs: 90_000 });
    expect(job.output.split('\n').pop()).toBe('Fail');
    expect(job.errors).toBe(
      `The drain of ${node} did not finish in 30 s: pods that would not leave: ${held.join(', ')}. ` +
        `No reboot was sent. ${node} was uncordoned.`,
    );
    expect(system.simulator.kubeNode(node).unschedulable).toBe(false);
    expect(system.simulator.reboots(node).received).toEqual({ SOFT: 0, HARD: 0 });

    const { lines } = await jobLines(system, operator, jobId);
    expect(lines.map((line) => line.text)).toEqual([
      `Draining: ${held.length} ${held.length === 1 ? 'pod' : 'pods'} to evict from ${node}`,
      'Fail',
    ]);
    const took = Date.parse(lines[1].time) - Date.parse(lines[0].time);
    expect(took).toBeGreaterThanOrEqual(29_000);
    expect(took).toBeLessThan(40_000);
  }, 120_000);
});

describe('a reboot on a connected cluster whose API cannot be reached', () => {
  const DEADLINE_SECONDS = 30;
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await connectedSystem({
      knobs: { kubeUnreachable: true },
      gatewayEnv: { JOB_DEADLINE_SECONDS: String(DEADLINE_SECONDS) },
      workerEnv: { POLL_INTERVAL_MS: '250', OPENSTACK_TIMEOUT_MS: '2000' },
    });
    operator = await system.user(['reboot']);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('never goes ahead blind: it waits, says why once, and fails at its deadline with the reason, nothing sent', async () => {
    const node = 'worker-2.openstacklocal';
    const jobId = await startReboot(system, operator, node);
    const job = await followJob(system, operator, jobId, { timeoutMs: (DEADLINE_SECONDS + 20) * 1000 });
    expect(job.output.split('\n').pop()).toBe('Fail');
    expect(job.errors).toMatch(
      new RegExp(
        `^Deadline passed before the drain of ${node} could begin \\(the cluster's API does not answer: .+\\): no reboot was sent$`,
      ),
    );
    const waiting = job.output.split('\n').filter((line) => line.startsWith('Waiting: '));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatch(/^Waiting: the cluster's API does not answer: /);
    expect(system.simulator.reboots(node).received).toEqual({ SOFT: 0, HARD: 0 });
    expect(system.simulator.kubeNode(node).unschedulable).toBe(false);
    // It ended at its deadline: within one POST's time (no POST starts closer to it) and a poll or two.
    const [row] = await system.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM (finished_at - deadline_at)) * 1000 AS late_ms FROM jobs WHERE id = $1`,
      [jobId],
    );
    expect(Number(row.late_ms)).toBeGreaterThan(-3000);
    expect(Number(row.late_ms)).toBeLessThan(2000);
  }, 120_000);
});
