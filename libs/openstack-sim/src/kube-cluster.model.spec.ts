import { KubeCluster } from './kube-cluster.model';
import { NovaInstance } from './nova-instance.model';
import { initialStateFor } from './nova-states';
import { DEFAULT_KNOBS } from './sim-knobs';
import type { SimKnobs } from './sim.types';

const T0 = Date.UTC(2026, 0, 1);
const NAMES = ['haproxy-0', 'master-0', 'master-1', 'master-2', 'infra-0', 'worker-0', 'worker-1'];

/** A cluster of the nodes above on a clock the test moves; reboots of 1 s, Ready 5 s after ACTIVE. */
function cluster(over: Partial<SimKnobs> = {}) {
  let now = T0;
  let knobs: SimKnobs = { ...DEFAULT_KNOBS, rebootDurationMs: 1000, nodeReadyDelayMs: 5000, ...over };
  const instances = NAMES.map(
    (name) => new NovaInstance(`id-${name}`, name, 'p', 'u', T0 - 3600_000, initialStateFor('ACTIVE')),
  );
  const kube = new KubeCluster('p', instances, { clock: () => now, knobsFor: () => knobs }, T0 - 3600_000);
  const byName = (name: string) => instances.find((i) => i.name === name) as NovaInstance;
  return {
    kube,
    at: (ms: number) => (now = T0 + ms),
    setKnobs: (patch: Partial<SimKnobs>) => (knobs = { ...knobs, ...patch }),
    /** Nova accepts a SOFT reboot now, and the cluster hears of it as the simulator's action route tells it. */
    reboot: (name: string) => {
      expect(byName(name).requestReboot('SOFT', now, knobs)).toEqual({ accepted: true });
      kube.rebootAccepted(byName(name), now);
    },
    node: (name: string) => kube.simNode(name),
    podsOn: (name: string) => kube.simPods(name),
    app: (name: string) => kube.simPods(name).filter((p) => !p.daemonSet && !p.mirror),
  };
}

describe('KubeCluster nodes', () => {
  it('has one node per cluster server, none for HAProxy VMs, all Ready and schedulable', () => {
    const { kube } = cluster();
    expect(kube.nodeStates().map((s) => [s.node.name, s.node.role, s.readiness.ready])).toEqual([
      ['infra-0', 'infra', true],
      ['master-0', 'master', true],
      ['master-1', 'master', true],
      ['master-2', 'master', true],
      ['worker-0', 'worker', true],
      ['worker-1', 'worker', true],
    ]);
    expect(kube.simNode('haproxy-0')).toBeUndefined();
  });

  it('is not Ready from the moment Nova accepts a reboot until nodeReadyDelayMs after ACTIVE, with a new bootID', () => {
    const c = cluster();
    c.at(10_000);
    const before = c.node('worker-0')!;
    expect(before).toMatchObject({ ready: true, readySince: T0 - 3600_000 });
    c.reboot('worker-0');
    expect(c.node('worker-0')).toMatchObject({ ready: false, readySince: T0 + 10_000, bootId: before.bootId });
    c.at(11_000); // ACTIVE again: booted (a new boot id), not yet Ready
    const booted = c.node('worker-0')!;
    expect(booted).toMatchObject({ ready: false, readySince: T0 + 10_000 });
    expect(booted.bootId).not.toBe(before.bootId);
    c.at(15_999);
    expect(c.node('worker-0')!.ready).toBe(false);
    c.at(16_000);
    expect(c.node('worker-0')).toEqual({ ...booted, ready: true, readySince: T0 + 16_000 });
    c.at(20_000);
    c.reboot('worker-0');
    c.at(21_000);
    const third = c.node('worker-0')!.bootId;
    expect(new Set([before.bootId, booted.bootId, third]).size).toBe(3);
  });

  it('keeps the delay a boot started with when the knob changes afterwards, and uses a new one for later boots', () => {
    const c = cluster();
    c.reboot('worker-0');
    c.at(1_000);
    expect(c.node('worker-0')!.ready).toBe(false); // seen ACTIVE: its delay (5 s) is fixed now
    c.setKnobs({ nodeReadyDelayMs: 60_000 });
    c.at(6_000);
    expect(c.node('worker-0')).toMatchObject({ ready: true, readySince: T0 + 6_000 });
    c.reboot('worker-0');
    c.at(7_000 + 59_999);
    expect(c.node('worker-0')!.ready).toBe(false);
    c.at(7_000 + 60_000);
    expect(c.node('worker-0')!.ready).toBe(true);
  });

  it('stays not Ready through a reboot that ends in ERROR, with the same boot id, until one ends ACTIVE', () => {
    const c = cluster({ rebootEndsIn: 'ERROR' });
    const first = c.node('worker-1')!.bootId;
    c.reboot('worker-1');
    c.at(60_000);
    expect(c.node('worker-1')).toMatchObject({ ready: false, readySince: T0, bootId: first });
    c.setKnobs({ rebootEndsIn: 'ACTIVE' });
    c.kube.nodeStates();
    const hard = c.kube.nodeStates().find((s) => s.node.name === 'worker-1')!.node.instance;
    expect(hard.requestReboot('HARD', T0 + 60_000, { ...DEFAULT_KNOBS, rebootDurationMs: 1000 })).toEqual({
      accepted: true,
    });
    c.at(66_000);
    expect(c.node('worker-1')).toMatchObject({ ready: true, readySince: T0 + 66_000 });
    expect(c.node('worker-1')!.bootId).not.toBe(first);
  });

  it('is not Ready from an accepted os-stop until nodeReadyDelayMs after os-start, with a new boot id', () => {
    const c = cluster({ powerActionDurationMs: 1000 });
    const vm = c.kube.nodeStates().find((s) => s.node.name === 'infra-0')!.node.instance;
    const first = c.node('infra-0')!.bootId;
    const by = { requestId: 'req-1', userId: 'u' };
    c.at(1_000);
    expect(vm.requestPower('stop', T0 + 1_000, { ...DEFAULT_KNOBS, powerActionDurationMs: 1000 }, by)).toEqual({
      accepted: true,
    });
    expect(c.node('infra-0')).toMatchObject({ ready: false, readySince: T0 + 1_000, bootId: first });
    c.at(10_000);
    expect(vm.requestPower('start', T0 + 10_000, { ...DEFAULT_KNOBS, powerActionDurationMs: 1000 }, by)).toEqual({
      accepted: true,
    });
    c.at(11_000); // ACTIVE: booted, Ready 5 s later
    expect(c.node('infra-0')).toMatchObject({ ready: false, readySince: T0 + 1_000 });
    expect(c.node('infra-0')!.bootId).not.toBe(first);
    c.at(16_000);
    expect(c.node('infra-0')).toMatchObject({ ready: true, readySince: T0 + 16_000 });
  });

  it('cordons and uncordons', () => {
    const c = cluster();
    expect(c.kube.setUnschedulable('worker-0', true)).toBe(true);
    expect(c.node('worker-0')!.unschedulable).toBe(true);
    expect(c.kube.setUnschedulable('worker-0', false)).toBe(true);
    expect(c.node('worker-0')!.unschedulable).toBe(false);
    expect(c.kube.setUnschedulable('haproxy-0', true)).toBe(false);
  });
});

describe('KubeCluster pods and evictions', () => {
  it('runs a DaemonSet pod on every node, mirror pods and a quorum guard on masters, one app pod on others', () => {
    const c = cluster();
    const kinds = (name: string) =>
      c
        .podsOn(name)
        .map(
          (p) =>
            `${p.namespace}/${p.name.replace(/-[a-z0-9]{5}$/, '')}${p.daemonSet ? ' ds' : ''}${p.mirror ? ' mirror' : ''}`,
        );
    expect(kinds('master-0')).toEqual([
      'openshift-etcd/etcd-master-0 mirror',
      'openshift-etcd/etcd-quorum-guard-6d9cf84b4c',
      'openshift-kube-apiserver/kube-apiserver-master-0 mirror',
      'openshift-monitoring/node-exporter ds',
    ]);
    expect(kinds('worker-0')).toEqual(['openshift-monitoring/node-exporter ds', 'shop/frontend-5d7f8b9c6d']);
    expect(kinds('infra-0')).toEqual([
      'openshift-ingress/router-default-7c8d9b5f6d',
      'openshift-monitoring/node-exporter ds',
    ]);
  });

  it('evicts an app pod: terminating for podTerminationMs, gone after, its replacement bound to another schedulable worker', () => {
    const c = cluster({ podTerminationMs: 2000 });
    c.kube.setUnschedulable('worker-0', true);
    const [pod] = c.app('worker-0');
    const [other] = c.app('worker-1');
    expect(c.kube.evict('shop', pod.name)).toMatchObject({ ok: true });
    expect(c.app('worker-0')).toEqual([{ ...pod, ready: false, terminating: true }]);
    const pending = c.kube.simPods().filter((p) => p.nodeName === null);
    expect(pending).toHaveLength(1);
    c.at(1_999);
    expect(c.app('worker-0')).toHaveLength(1);
    c.at(2_000);
    expect(c.app('worker-0')).toEqual([]);
    expect(
      c
        .app('worker-1')
        .map((p) => p.name)
        .sort(),
    ).toEqual([pending[0].name, other.name].sort());
    expect(c.app('worker-1').every((p) => p.ready)).toBe(true);
    expect(c.kube.evict('shop', pod.name)).toEqual({ ok: false, code: 404, message: `pods "${pod.name}" not found` });
  });

  it('recreates an evicted DaemonSet pod on the same node once it is gone', () => {
    const c = cluster({ podTerminationMs: 500 });
    const ds = c.podsOn('worker-0').find((p) => p.daemonSet)!;
    expect(c.kube.evict(ds.namespace, ds.name)).toMatchObject({ ok: true });
    c.at(500);
    const again = c.podsOn('worker-0').filter((p) => p.daemonSet);
    expect(again).toHaveLength(1);
    expect(again[0].name).not.toBe(ds.name);
  });

  it('lets one quorum guard go at a time (maxUnavailable 1), answering 429 with the budget arithmetic', () => {
    const c = cluster();
    const guard = (node: string) => c.podsOn(node).find((p) => p.name.startsWith('etcd-quorum-guard'))!.name;
    const [g0, g1] = [guard('master-0'), guard('master-1')];
    expect(c.kube.pdbStates()[0].budget).toEqual({
      expectedPods: 3,
      desiredHealthy: 2,
      currentHealthy: 3,
      disruptionsAllowed: 1,
    });
    expect(c.kube.evict('openshift-etcd', g0)).toMatchObject({ ok: true });
    expect(c.kube.evict('openshift-etcd', g1)).toEqual({
      ok: false,
      code: 429,
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      cause: 'The disruption budget etcd-quorum-guard needs 2 healthy pods and has 2 currently',
    });
  });

  it('refuses a healthy guard while another master is not Ready, lets the unready one go, and again once it is back', () => {
    const c = cluster();
    const guard = (node: string) => c.podsOn(node).find((p) => p.name.startsWith('etcd-quorum-guard'))!.name;
    c.reboot('master-1');
    expect(c.kube.evict('openshift-etcd', guard('master-0'))).toMatchObject({ ok: false, code: 429 });
    expect(c.kube.evict('openshift-etcd', guard('master-1'))).toMatchObject({ ok: true });
    c.at(5_999);
    expect(c.kube.simPods().filter((p) => p.name.startsWith('etcd-quorum-guard') && p.nodeName === null)).toHaveLength(
      1,
    );
    c.at(6_000); // master-1 Ready again: the guard's replacement is bound there (the only master without one)
    expect(c.podsOn('master-1').find((p) => p.name.startsWith('etcd-quorum-guard'))).toMatchObject({ ready: true });
    expect(c.kube.evict('openshift-etcd', guard('master-0'))).toMatchObject({ ok: true });
  });

  it('honours an added budget that forbids every disruption, and refuses pods under two budgets (500)', () => {
    const c = cluster();
    const [pod] = c.app('worker-0');
    c.kube.addPdb({
      namespace: 'shop',
      name: 'hold',
      selector: { matchLabels: { app: 'frontend' } },
      maxUnavailable: 0,
    });
    expect(c.kube.evict('shop', pod.name)).toMatchObject({
      ok: false,
      code: 429,
      cause: 'The disruption budget hold needs 2 healthy pods and has 2 currently',
    });
    expect(c.kube.addPdb({ namespace: 'shop', name: 'hold', selector: {} })).toBeNull();
    c.kube.addPdb({ namespace: 'shop', name: 'all', selector: {}, minAvailable: 1 });
    expect(c.kube.evict('shop', pod.name)).toMatchObject({ ok: false, code: 500 });
    expect(c.kube.deletePdb('shop', 'hold')).not.toBeNull();
    expect(c.kube.evict('shop', pod.name)).toMatchObject({ ok: true });
  });
});

describe('KubeCluster counters', () => {
  it('records the app pods still on a node when its reboot is accepted (not DaemonSet or mirror pods)', () => {
    const c = cluster();
    const [app] = c.app('worker-0');
    c.reboot('worker-0');
    const guard = c.podsOn('master-2').find((p) => p.name.startsWith('etcd-quorum-guard'))!;
    c.reboot('master-2');
    expect(c.kube.stats().podsAtReboot).toEqual([
      { node: 'worker-0', at: T0, pods: [`shop/${app.name}`] },
      { node: 'master-2', at: T0, pods: [`openshift-etcd/${guard.name}`] },
    ]);
  });

  it('counts the most masters not Ready at once, the Ready delay included', () => {
    const c = cluster();
    c.reboot('master-0');
    c.at(3_000); // master-0 ACTIVE since 1 s, not Ready until 6 s
    c.reboot('master-1');
    expect(c.kube.stats()).toMatchObject({ maxMastersNotReady: 2, mastersNotReadyNow: 2 });
    c.at(30_000);
    c.reboot('master-2');
    expect(c.kube.stats()).toMatchObject({ maxMastersNotReady: 2, mastersNotReadyNow: 1 });
  });

  it('counts one master at a time when each waits for the last to be Ready', () => {
    const c = cluster();
    c.reboot('master-0');
    c.at(6_000);
    c.reboot('master-1');
    c.at(12_000);
    c.reboot('master-2');
    c.at(18_000);
    expect(c.kube.stats()).toMatchObject({ maxMastersNotReady: 1, mastersNotReadyNow: 0 });
  });
});
