import { DEFAULT_REBOOT_POLICY, type JobEntity, type JobLease, type NodeRecord } from '@oshift/jobs';
import {
  type ClusterApi,
  ClusterApiUnavailableError,
  type ClusterNode,
  type EvictionResult,
  type NodePod,
} from '@oshift/cluster-api';
import { NodeDrainer } from './node-drainer';
import { jobRow } from './reboot-world.fixture';

/**
 * The drain and back executor against an in-memory cluster API: what it asks of the API, what it records in the
 * job's row (as `JobLeases.noteNode` does), and the lines a customer reads.
 */

const LEASE: JobLease = { jobId: 'job-1', owner: 'spec', ttlMs: 30_000 };

/** A small Kubernetes API: one node with pods, a PodDisruptionBudget that may refuse, and an off switch. */
class FakeCluster implements ClusterApi {
  node0: ClusterNode = {
    name: 'worker-0',
    hostname: 'worker-0',
    ready: true,
    readySince: null,
    bootId: 'boot-1',
    unschedulable: false,
  };
  pods: NodePod[] = [
    { namespace: 'apps', name: 'web-1', daemonSet: false, mirror: false },
    { namespace: 'apps', name: 'cache-1', daemonSet: false, mirror: false },
    { namespace: 'monitoring', name: 'node-exporter-x', daemonSet: true, mirror: false },
  ];
  /** Pods a budget keeps on the node. */
  blocked = new Set<string>();
  down = false;
  calls: string[] = [];

  private check(): void {
    if (this.down) throw new ClusterApiUnavailableError('connect ECONNREFUSED');
  }
  async version(): Promise<string> {
    this.check();
    return 'v1.29.0';
  }
  async nodes(): Promise<ClusterNode[]> {
    this.check();
    return [{ ...this.node0 }];
  }
  async node(name: string): Promise<ClusterNode | null> {
    this.check();
    return name === this.node0.name ? { ...this.node0 } : null;
  }
  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    this.check();
    this.calls.push(`${unschedulable ? 'cordon' : 'uncordon'} ${name}`);
    this.node0.unschedulable = unschedulable;
  }
  async podsOn(): Promise<NodePod[]> {
    this.check();
    return [...this.pods];
  }
  async evict(pod: NodePod): Promise<EvictionResult> {
    this.check();
    this.calls.push(`evict ${pod.name}`);
    if (this.blocked.has(pod.name))
      return {
        ok: false,
        reason: 'budget',
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
      };
    this.pods = this.pods.filter((each) => each.name !== pod.name);
    return { ok: true };
  }
}

function world(options: { connected?: boolean; policy?: object; nodePattern?: string } = {}) {
  const cluster = new FakeCluster();
  /** The job's row as Postgres holds it. */
  const row: JobEntity = jobRow({ state: 'running', serverId: 'srv-0', admittedAt: new Date() });
  const lines: string[] = [];
  const ends: Array<{ state: string; errors: string }> = [];
  const records = {
    noteNode: async (_lease: JobLease, record: NodeRecord) => {
      row.kubeNode = record.kubeNode ?? row.kubeNode;
      row.nodePhase = record.nodePhase ?? row.nodePhase;
      row.cordonedByJob = record.cordonedByJob ?? row.cordonedByJob;
      row.bootIdBefore = record.bootIdBefore ?? row.bootIdBefore;
      if (record.drainStarted) row.drainStartedAt ??= new Date();
      row.nodeLine = record.nodeLine ?? row.nodeLine;
      return { drainStartedAt: row.drainStartedAt };
    },
    noteProblem: async (_lease: JobLease, problem: string) => {
      row.lastProblem = problem;
      return true;
    },
    renew: async () => true,
  };
  const sender = {
    append: async (_lease: JobLease, text: string) => void lines.push(text),
    end: async (_lease: JobLease, state: 'done' | 'failed', errors = '') => void ends.push({ state, errors }),
  };
  const policy = { ...DEFAULT_REBOOT_POLICY, ...options.policy };
  const rules = { policy: async () => policy };
  const connection = { api: cluster, nodePattern: options.nodePattern ?? null };
  const apis = { connection: async () => (options.connected === false ? null : connection) };
  const drainer = new NodeDrainer(records, rules, sender, { worker: { sendMarginMs: 1000 } }, apis);
  /** One delivery: the job as a fresh claim reads it from its row. */
  const beforeSend = () => drainer.beforeSend({ ...row }, LEASE);
  const back = (status = ['worker-0 ACTIVE']) => drainer.back({ ...row }, LEASE, status);
  return { cluster, row, lines, ends, beforeSend, back };
}

describe('NodeDrainer', () => {
  it('cordons once, evicts all but DaemonSet pods, says each line once, and lets the reboot go when drained', async () => {
    const { cluster, row, lines, beforeSend } = world();
    expect(await beforeSend()).toBe('later');
    expect(row).toMatchObject({
      kubeNode: 'worker-0',
      nodePhase: 'draining',
      cordonedByJob: true,
      bootIdBefore: 'boot-1',
    });
    expect(cluster.calls).toEqual(['cordon worker-0', 'evict web-1', 'evict cache-1']);
    expect(await beforeSend()).toBe('go');
    expect(await beforeSend()).toBe('go');
    expect(lines).toEqual(['Draining: 2 pods to evict from worker-0', 'Drained: worker-0']);
    expect(cluster.calls).toEqual(['cordon worker-0', 'evict web-1', 'evict cache-1']);
    expect(row.nodePhase).toBe('drained');
  });

  it('resumed after a crash between recording the cordon and sending it, cordons then (and only then)', async () => {
    const { cluster, row, beforeSend } = world();
    Object.assign(row, { kubeNode: 'worker-0', nodePhase: 'draining', cordonedByJob: true, bootIdBefore: 'boot-1' });
    row.drainStartedAt = new Date();
    await beforeSend();
    expect(cluster.calls.filter((call) => call.startsWith('cordon'))).toEqual(['cordon worker-0']);
    // Resumed again with the node cordoned: no second cordon.
    await beforeSend();
    expect(cluster.calls.filter((call) => call.startsWith('cordon'))).toEqual(['cordon worker-0']);
  });

  it('fails at the drain timeout naming the pod a budget keeps, uncordons, and sends nothing', async () => {
    const { cluster, row, lines, ends, beforeSend } = world({ policy: { drainTimeoutSeconds: 30 } });
    cluster.blocked.add('web-1');
    expect(await beforeSend()).toBe('later');
    expect(await beforeSend()).toBe('later');
    expect(lines).toEqual(['Draining: 2 pods to evict from worker-0', 'Draining: 1 pod to evict from worker-0']);
    expect(row.lastProblem).toMatch(/apps\/web-1: Cannot evict pod/);
    row.drainStartedAt = new Date(Date.now() - 30_000);
    expect(await beforeSend()).toBe('ended');
    expect(ends).toEqual([
      {
        state: 'failed',
        errors:
          'The drain of worker-0 did not finish in 30 s: pods that would not leave: apps/web-1. No reboot was sent. worker-0 was uncordoned.',
      },
    ]);
    expect(cluster.node0.unschedulable).toBe(false);
    expect(cluster.calls.at(-1)).toBe('uncordon worker-0');
  });

  it('never uncordons a node somebody else had cordoned', async () => {
    const { cluster, row, ends, beforeSend, back } = world({ policy: { drainTimeoutSeconds: 30 } });
    cluster.node0.unschedulable = true;
    cluster.blocked.add('web-1');
    await beforeSend();
    expect(row.cordonedByJob).toBe(false);
    row.drainStartedAt = new Date(Date.now() - 30_000);
    expect(await beforeSend()).toBe('ended');
    expect(ends[0].errors).not.toMatch(/uncordoned/);
    expect(cluster.calls.filter((call) => /cordon/.test(call))).toEqual([]);
    // And after a reboot, back means Ready: the cordon stays the owner's.
    Object.assign(row, { nodePhase: 'drained' });
    cluster.node0.bootId = 'boot-2';
    expect(await back()).toEqual({ lines: ['worker-0 ACTIVE', 'Ready: worker-0'], end: { state: 'done', errors: '' } });
    expect(cluster.node0.unschedulable).toBe(true);
  });

  it('waits while the cluster API is away (said once), and fails at the deadline with the reason, nothing cordoned', async () => {
    const { cluster, row, lines, ends, beforeSend } = world();
    cluster.down = true;
    expect(await beforeSend()).toBe('later');
    expect(await beforeSend()).toBe('later');
    expect(lines).toEqual(["Waiting: the cluster's API does not answer: connect ECONNREFUSED"]);
    row.deadlineAt = new Date(Date.now() + 500);
    expect(await beforeSend()).toBe('ended');
    expect(ends[0].errors).toBe(
      "Deadline passed before the drain of worker-0 could begin (the cluster's API does not answer: connect ECONNREFUSED): no reboot was sent",
    );
    expect(cluster.calls).toEqual([]);
  });

  it('after the reboot, is Done only once Ready with a new boot id, then uncordoned', async () => {
    const { cluster, row, beforeSend, back } = world();
    await beforeSend();
    await beforeSend();
    // Nova shows the server ACTIVE; the kubelet has not reported since.
    expect(await back()).toEqual({ lines: ['worker-0 ACTIVE', 'Waiting: worker-0 is not Ready in the cluster'] });
    expect(row.nodePhase).toBe('active');
    expect(await back()).toEqual({ lines: [] });
    cluster.node0 = { ...cluster.node0, ready: false, bootId: 'boot-2' };
    expect(await back()).toEqual({ lines: [] });
    cluster.node0.ready = true;
    expect(await back()).toEqual({
      lines: ['Ready: worker-0', 'Uncordoned: worker-0'],
      end: { state: 'done', errors: '' },
    });
    expect(cluster.node0.unschedulable).toBe(false);
  });

  it("finds a server's node by the cluster's pattern when neither its name nor its hostname label is the server's", async () => {
    const { cluster, row, beforeSend } = world({ nodePattern: '{short}.nodes.example' });
    cluster.node0 = { ...cluster.node0, name: 'worker-0.nodes.example', hostname: null };
    row.target = 'worker-0.openstacklocal';
    await beforeSend();
    expect(row.kubeNode).toBe('worker-0.nodes.example');
    expect(cluster.calls[0]).toBe('cordon worker-0.nodes.example');
  });

  it('leaves a cluster without a connection, and HAProxy VMs, exactly as before', async () => {
    const unconnected = world({ connected: false });
    expect(await unconnected.beforeSend()).toBe('go');
    expect(await unconnected.back()).toBeNull();
    expect(unconnected.row.nodePhase).toBeNull();
    const haproxy = world();
    haproxy.row.target = 'haproxy-0';
    expect(await haproxy.beforeSend()).toBe('go');
    expect(haproxy.cluster.calls).toEqual([]);
    expect(haproxy.row.nodePhase).toBeNull();
  });
});
