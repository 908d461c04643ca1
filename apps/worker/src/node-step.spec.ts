import type { ClusterNode, NodePod } from '@oshift/cluster-api';
import { type BackFacts, type DrainFacts, type NodeRecord, planBackStep, planDrainStep } from './node-step';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const kubeNode = (overrides: Partial<ClusterNode> = {}): ClusterNode => ({
  name: 'worker-0',
  hostname: 'worker-0',
  ready: true,
  readySince: new Date(NOW - 3_600_000),
  bootId: 'boot-1',
  unschedulable: false,
  ...overrides,
});
const pod = (name: string, kind: Partial<NodePod> = {}): NodePod => ({
  namespace: 'apps',
  name,
  daemonSet: false,
  mirror: false,
  ...kind,
});
const fresh: NodeRecord = {
  phase: null,
  kubeNode: null,
  cordonedByJob: null,
  bootIdBefore: null,
  drainStartedAt: null,
};
const draining: NodeRecord = {
  phase: 'draining',
  kubeNode: 'worker-0',
  cordonedByJob: true,
  bootIdBefore: 'boot-1',
  drainStartedAt: NOW - 10_000,
};
const drain = (overrides: Partial<DrainFacts> = {}) =>
  planDrainStep({
    now: NOW,
    deadlineAt: NOW + 600_000,
    sendMarginMs: 10_000,
    target: 'worker-0',
    drain: true,
    drainTimeoutMs: 300_000,
    record: fresh,
    seen: { node: kubeNode(), pods: [] },
    ...overrides,
  });

describe('planDrainStep', () => {
  it('begins by recording the node and its boot id, and cordons only a node nobody cordoned', () => {
    expect(drain()).toEqual({ do: 'begin', kubeNode: 'worker-0', bootId: 'boot-1', drain: true, cordon: true });
    const cordoned = { node: kubeNode({ unschedulable: true }), pods: [] };
    expect(drain({ seen: cordoned })).toMatchObject({ do: 'begin', cordon: false });
    // A role that does not drain still has its boot id read, and is never cordoned.
    expect(drain({ drain: false })).toMatchObject({ do: 'begin', drain: false, cordon: false });
  });

  it('never begins blind: the API away, or the node unknown to it, is waited for until the deadline', () => {
    expect(drain({ seen: { problem: 'connect ECONNREFUSED' } })).toEqual({
      do: 'wait',
      problem: "the cluster's API does not answer: connect ECONNREFUSED",
    });
    expect(drain({ seen: { node: null, pods: [] } })).toMatchObject({ do: 'wait', problem: /is not a node of/ });
    const late = drain({ seen: { problem: 'connect ECONNREFUSED' }, deadlineAt: NOW + 5_000 });
    expect(late).toEqual({
      do: 'fail',
      uncordon: false,
      reason:
        "Deadline passed before the drain of worker-0 could begin (the cluster's API does not answer: connect ECONNREFUSED): no reboot was sent",
    });
  });

  it('cordons again only what this job owns and is not cordoned (a crash between the record and the PATCH)', () => {
    const pods = [pod('web-1')];
    expect(drain({ record: draining, seen: { node: kubeNode(), pods } })).toEqual({ do: 'cordon' });
    const cordoned = { node: kubeNode({ unschedulable: true }), pods };
    expect(drain({ record: draining, seen: cordoned })).toEqual({ do: 'evict', pods });
    // Somebody else's cordon, lifted meanwhile: not this job's to put back.
    const notOwned = { ...draining, cordonedByJob: false };
    expect(drain({ record: notOwned, seen: { node: kubeNode(), pods } })).toEqual({ do: 'evict', pods });
  });

  it('evicts every pod but DaemonSet and mirror pods, and is drained when none is left', () => {
    const stay = [pod('node-exporter-x', { daemonSet: true }), pod('etcd-master-0', { mirror: true })];
    const node = kubeNode({ unschedulable: true });
    const web = pod('web-1');
    expect(drain({ record: draining, seen: { node, pods: [...stay, web] } })).toEqual({ do: 'evict', pods: [web] });
    expect(drain({ record: draining, seen: { node, pods: stay } })).toEqual({ do: 'drained' });
    expect(drain({ record: { ...draining, phase: 'drained' }, seen: { problem: 'down' } })).toEqual({ do: 'drained' });
  });

  it('fails at the drain timeout naming the pods that would not leave, uncordoning what it cordoned', () => {
    const node = kubeNode({ unschedulable: true });
    const seen = { node, pods: [pod('db-0'), pod('db-1')] };
    const late = { ...draining, drainStartedAt: NOW - 300_000 };
    expect(drain({ record: late, seen })).toEqual({
      do: 'fail',
      uncordon: true,
      reason:
        'The drain of worker-0 did not finish in 300 s: pods that would not leave: apps/db-0, apps/db-1. No reboot was sent.',
    });
    expect(drain({ record: { ...late, cordonedByJob: false }, seen })).toMatchObject({ uncordon: false });
    // The job's deadline comes first: the drain ends one POST before it.
    expect(drain({ record: draining, seen, deadlineAt: NOW + 9_000 })).toMatchObject({
      do: 'fail',
      reason: /^Deadline passed while draining worker-0: pods that would not leave: apps\/db-0/,
    });
  });

  it('fails at the drain timeout with the API away, still asking for the uncordon', () => {
    const late = { ...draining, drainStartedAt: NOW - 300_000 };
    expect(drain({ record: late, seen: { problem: 'HTTP 503' } })).toEqual({
      do: 'fail',
      uncordon: true,
      reason:
        "The drain of worker-0 did not finish in 300 s (the cluster's API does not answer: HTTP 503): no reboot was sent.",
    });
  });
});

describe('planBackStep', () => {
  const active: NodeRecord = { ...draining, phase: 'active' };
  const back = (overrides: Partial<BackFacts> = {}) =>
    planBackStep({
      now: NOW,
      deadlineAt: NOW + 600_000,
      target: 'worker-0',
      record: active,
      seen: { node: kubeNode() },
      ...overrides,
    });

  it('is back only when Ready with a boot id other than the one before the reboot', () => {
    // Ready with the old boot id: the reboot has not shown in the cluster yet (a quick one may never show NotReady).
    expect(back()).toEqual({ do: 'wait', line: 'Waiting: worker-0 is not Ready in the cluster' });
    expect(back({ seen: { node: kubeNode({ ready: false, bootId: 'boot-2' }) } })).toMatchObject({ do: 'wait' });
    expect(back({ seen: { node: kubeNode({ bootId: 'boot-2' }) } })).toEqual({ do: 'ready' });
    expect(back({ seen: { problem: 'HTTP 503' } })).toEqual({
      do: 'wait',
      line: "Waiting: the cluster's API does not answer: HTTP 503",
    });
  });

  it('uncordons only a node this job cordoned and that is still cordoned, then is done', () => {
    const ready = { ...active, phase: 'ready' as const };
    const cordoned = { node: kubeNode({ bootId: 'boot-2', unschedulable: true }) };
    expect(back({ record: ready, seen: cordoned })).toEqual({ do: 'uncordon' });
    expect(back({ record: ready, seen: { node: kubeNode({ bootId: 'boot-2' }) } })).toEqual({ do: 'done' });
    expect(back({ record: { ...ready, cordonedByJob: false }, seen: cordoned })).toEqual({ do: 'done' });
  });

  it('fails at the deadline saying what state the node was left in', () => {
    expect(back({ deadlineAt: NOW })).toEqual({
      do: 'fail',
      reason:
        'Deadline passed waiting for worker-0 to be back: Nova shows it ACTIVE but it is not Ready in the cluster since its reboot. worker-0 was left cordoned.',
    });
    const notOwned = { ...active, cordonedByJob: false };
    expect(back({ deadlineAt: NOW, record: notOwned, seen: { problem: 'HTTP 503' } })).toEqual({
      do: 'fail',
      reason:
        "Deadline passed waiting for worker-0 to be back: Nova shows it ACTIVE but the cluster's API did not answer (HTTP 503).",
    });
  });
});
