import fc from 'fast-check';
import {
  type AdmissionFacts,
  decideAdmission,
  decideInTurn,
  type NodeSeen,
  settleLeftMs,
  withKubeHealth,
} from './reboot-admission';
import { DEFAULT_REBOOT_POLICY, parseRebootPolicy } from './reboot-policy';

const up = (...names: string[]): NodeSeen[] => names.map((nodename) => ({ nodename, status: 'ACTIVE' }));
const CLUSTER = up('haproxy-0', 'haproxy-1', 'master-0', 'master-1', 'master-2', 'worker-0', 'worker-1');
const facts = (target: string, more: Partial<AdmissionFacts> = {}): AdmissionFacts => ({
  target,
  policy: DEFAULT_REBOOT_POLICY,
  inFlight: [],
  nodes: CLUSTER,
  ...more,
});
const decide = (target: string, more: Partial<AdmissionFacts> = {}) => decideAdmission(facts(target, more));

describe('settle times (not connected: from the last release)', () => {
  it('holds a master back while another settles, saying which and for how long still', () => {
    expect(decide('master-0', { releasedAgoMs: { 'master-1': 40_000 } })).toEqual({
      would: 'wait',
      reason: 'master-1 is not settled yet (back 40 s of 120 s, 80 s still): etcd needs every other master',
    });
    expect(decide('master-0', { releasedAgoMs: { 'master-1': 120_000 } })).toEqual({
      would: 'start',
      reason: 'every other master is ACTIVE and settled',
    });
    // Its own recent release does not hold it back.
    expect(decide('master-0', { releasedAgoMs: { 'master-0': 1000 } })).toMatchObject({ would: 'start' });
  });

  it('rounds what is left up: a node 0.2 s from settled is not settled', () => {
    expect(decide('master-0', { releasedAgoMs: { 'master-2': 119_800 } })).toMatchObject({
      would: 'wait',
      reason: expect.stringContaining('(back 119 s of 120 s, 1 s still)'),
    });
  });

  it('follows the policy’s settle time per role, 0 turning it off', () => {
    const quick = parseRebootPolicy({ roles: { master: { settle_seconds: 20 } } });
    expect(decide('master-0', { policy: quick, releasedAgoMs: { 'master-1': 19_000 } })).toMatchObject({
      would: 'wait',
      reason: expect.stringContaining('1 s still'),
    });
    const off = parseRebootPolicy({ roles: { master: { settle_seconds: 0 } } });
    expect(decide('master-0', { policy: off, releasedAgoMs: { 'master-1': 0 } })).toMatchObject({ would: 'start' });
  });

  it('starts an HAProxy node only when another one is ACTIVE and settled for 60 s', () => {
    expect(decide('haproxy-0', { releasedAgoMs: { 'haproxy-1': 30_000 } })).toEqual({
      would: 'wait',
      reason:
        'no other HAProxy node is ACTIVE and settled (haproxy-1 is not settled yet (back 30 s of 60 s, 30 s still))',
    });
    expect(decide('haproxy-0', { releasedAgoMs: { 'haproxy-1': 60_000 } })).toEqual({
      would: 'start',
      reason: 'another HAProxy node is ACTIVE and settled',
    });
  });

  it('counts settling workers against max_parallel when the policy gives workers a settle time', () => {
    expect(decide('worker-1', { releasedAgoMs: { 'worker-0': 1000 } })).toMatchObject({ would: 'start' });
    const settle = parseRebootPolicy({ roles: { worker: { settle_seconds: 30 } } });
    expect(decide('worker-1', { policy: settle, releasedAgoMs: { 'worker-0': 1000 } })).toEqual({
      would: 'wait',
      reason:
        'worker-0 is not settled yet (back 1 s of 30 s, 29 s still): worker nodes settling count against max_parallel 1',
    });
  });
});

describe('in flight until released', () => {
  it('holds a master back while an ended, unreleased reboot of another master counts', () => {
    expect(decide('master-0', { inFlight: ['master-2'] })).toEqual({
      would: 'wait',
      reason: 'master-2 is rebooting',
    });
  });

  it('makes a node wait for its own earlier reboot to be over', () => {
    expect(decide('worker-0', { inFlight: ['worker-0'] })).toEqual({
      would: 'wait',
      reason: 'an earlier reboot of worker-0 is not over yet: the node is not back at rest',
    });
  });
});

describe('the number of masters', () => {
  it('blocks a master when one of the policy’s masters is missing from Nova’s listing', () => {
    const two = CLUSTER.filter((node) => node.nodename !== 'master-2');
    expect(decide('master-0', { nodes: two })).toEqual({
      would: 'wait',
      reason: "only 2 of the cluster's 3 masters are in Nova's listing: etcd needs every other master",
    });
    const policy = parseRebootPolicy({ masters: 2 });
    expect(decide('master-0', { nodes: two, policy })).toMatchObject({ would: 'start' });
  });

  it('names the first master not back and counts the others', () => {
    const nodes = CLUSTER.map((node) => (node.nodename === 'master-2' ? { ...node, status: 'SHUTOFF' } : node));
    const many = parseRebootPolicy({ roles: { master: { max_parallel: 3 } } });
    expect(decide('master-0', { nodes, inFlight: ['master-1'], policy: many })).toEqual({
      would: 'wait',
      reason: 'master-1 is rebooting: etcd needs every other master (1 more master not back)',
    });
  });
});

describe('connected clusters: Kubernetes Ready', () => {
  const kube = { problem: null };
  const ready = (readyForMs: number | null = 600_000) =>
    CLUSTER.map((node) => (node.nodename.startsWith('haproxy') ? node : { ...node, ready: true, readyForMs }));

  it('starts a master when every other one is Ready and settled since its Ready transition', () => {
    expect(decide('master-0', { kube, nodes: ready() })).toEqual({
      would: 'start',
      reason: 'every other master is Ready and settled',
    });
  });

  it('waits for a master that is ACTIVE in Nova but not Ready, or not found among the Kubernetes nodes', () => {
    const notReady = ready().map((node) => (node.nodename === 'master-1' ? { ...node, ready: false } : node));
    expect(decide('master-0', { kube, nodes: notReady })).toEqual({
      would: 'wait',
      reason: 'master-1 is not Ready in the cluster: etcd needs every other master',
    });
    const unmatched = ready().map((node) =>
      node.nodename === 'master-2' ? { nodename: node.nodename, status: 'ACTIVE' } : node,
    );
    expect(decide('master-0', { kube, nodes: unmatched })).toMatchObject({
      would: 'wait',
      reason: "master-2 is not found among the cluster's Kubernetes nodes: etcd needs every other master",
    });
  });

  it('counts the settle time from the later of the Ready transition and the release', () => {
    expect(decide('master-0', { kube, nodes: ready(30_000) })).toMatchObject({
      would: 'wait',
      reason: expect.stringMatching(/^master-1 is not settled yet \(Ready 30 s of 120 s, 90 s still\)/),
    });
    // A quick reboot that never showed NotReady: the old Ready time says nothing, the release does.
    expect(decide('master-0', { kube, nodes: ready(), releasedAgoMs: { 'master-2': 10_000 } })).toMatchObject({
      would: 'wait',
      reason: expect.stringMatching(/^master-2 is not settled yet \(back 10 s of 120 s, 110 s still\)/),
    });
  });

  it('never starts a master blind when the cluster’s API cannot be read', () => {
    expect(decide('master-0', { kube: { problem: 'connection refused' }, nodes: ready() })).toEqual({
      would: 'wait',
      reason: "the cluster's Kubernetes API cannot be read (connection refused): etcd needs every other master Ready",
    });
  });

  it('reads each node’s Ready and for how long from its matched Kubernetes node', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const kubeNodes: Record<string, { ready: boolean; readySince: Date | null }> = {
      'master-0': { ready: true, readySince: new Date(now - 30_000) },
      'master-1': { ready: false, readySince: null },
    };
    expect(withKubeHealth(up('master-0', 'master-1', 'haproxy-0'), (name) => kubeNodes[name] ?? null, now)).toEqual([
      { nodename: 'master-0', status: 'ACTIVE', ready: true, readyForMs: 30_000 },
      { nodename: 'master-1', status: 'ACTIVE', ready: false, readyForMs: null },
      { nodename: 'haproxy-0', status: 'ACTIVE' },
    ]);
  });

  it('judges HAProxy nodes by Nova alone: they are not Kubernetes nodes', () => {
    expect(decide('haproxy-0', { kube, nodes: ready() })).toMatchObject({ would: 'start' });
  });
});

describe('never two masters down at once (generated schedules)', () => {
  const MASTERS = ['master-0', 'master-1', 'master-2'];
  type Event =
    | { kind: 'ask'; master: number }
    | { kind: 'end'; master: number; inDoubt: boolean }
    | { kind: 'release'; master: number }
    | { kind: 'ready'; master: number }
    | { kind: 'tick'; ms: number };
  const event: fc.Arbitrary<Event> = fc.oneof(
    fc.record({ kind: fc.constant('ask' as const), master: fc.nat(2) }),
    fc.record({ kind: fc.constant('end' as const), master: fc.nat(2), inDoubt: fc.boolean() }),
    fc.record({ kind: fc.constant('release' as const), master: fc.nat(2) }),
    fc.record({ kind: fc.constant('ready' as const), master: fc.nat(2) }),
    fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 90_000 }) }),
  );

  it.each([false, true])('holds with the cluster connected: %s', (connected) => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 80 }), fc.integer({ min: 0, max: 300 }), (events, settle) => {
        const policy = parseRebootPolicy({ roles: { master: { settle_seconds: settle } } });
        let now = 0;
        // Per master: rebooting (admitted, not released), its job ended, when released, Ready since (connected).
        const state = MASTERS.map(() => ({
          inFlight: false,
          ended: false,
          releasedAt: null as number | null,
          readySince: -1e9 as number | null,
        }));
        const down = () =>
          MASTERS.filter((_, index) => {
            const master = state[index]!;
            const since = Math.max(master.releasedAt ?? -1e9, connected ? (master.readySince ?? 1e18) : -1e9);
            return master.inFlight || now - since < settle * 1000;
          });
        for (const step of events) {
          if (step.kind === 'tick') now += step.ms;
          const master = 'master' in step ? state[step.master]! : null;
          if (step.kind === 'ask' && master && !master.inFlight) {
            const name = MASTERS[step.master]!;
            const nodes = MASTERS.map((nodename, index) => ({
              nodename,
              status: 'ACTIVE',
              ...(connected
                ? { ready: state[index]!.readySince !== null, readyForMs: now - (state[index]!.readySince ?? now) }
                : {}),
            }));
            const releasedAgoMs = Object.fromEntries(
              MASTERS.flatMap((nodename, index) => {
                const at = state[index]!.releasedAt;
                return at === null ? [] : [[nodename, now - at]];
              }),
            );
            const inFlight = MASTERS.filter((_, index) => state[index]!.inFlight);
            const verdict = decideAdmission({
              target: name,
              policy,
              inFlight,
              nodes,
              releasedAgoMs,
              now,
              ...(connected ? { kube: { problem: null } } : {}),
            });
            if (verdict.would === 'start') {
              // The invariant: when a master starts, every other master is back and settled.
              expect(down().filter((other) => other !== name)).toEqual([]);
              Object.assign(master, { inFlight: true, ended: false, readySince: null });
            }
          }
          if (step.kind === 'end' && master?.inFlight && !master.ended) {
            master.ended = true;
            // Done: released as it ends (Ready first, on a connected cluster). In doubt: released later.
            if (!step.inDoubt) Object.assign(master, { inFlight: false, releasedAt: now, readySince: now });
          }
          if (step.kind === 'release' && master?.inFlight && master.ended) {
            Object.assign(master, { inFlight: false, releasedAt: now });
          }
          if (step.kind === 'ready' && master && !master.inFlight && master.readySince === null) {
            master.readySince = now;
          }
          expect(down().length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('decideInTurn with settle times', () => {
  it('does not count an older request as started when a settling master holds it back too', () => {
    expect(
      decideInTurn({ ...facts('master-2'), ahead: ['master-0'], releasedAgoMs: { 'master-1': 10_000 } }),
    ).toMatchObject({ would: 'wait', reason: expect.stringMatching(/^master-1 is not settled yet/) });
  });

  it('reports how long a node still settles', () => {
    expect(
      settleLeftMs(
        { nodename: 'master-1', status: 'ACTIVE' },
        facts('master-0', { releasedAgoMs: { 'master-1': 100_000 } }),
      ),
    ).toBe(20_000);
  });
});
