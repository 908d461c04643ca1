import {
  DEFAULT_REBOOT_POLICY,
  parseRebootPolicy,
  storedRebootPolicy,
  type NodeRebootFacts,
  type RebootPolicy,
  RebootCooldownError,
  RebootRefusedError,
} from '@oshift/jobs';
import type { ClusterNode } from '@oshift/node-registry';
import { ClusterPolicyCache } from './cluster-policy.cache';
import type { Schedule } from './job-intake';
import { RebootRules } from './reboot-rules';

const node = (nodename: string, status = 'ACTIVE'): ClusterNode => ({
  nodename,
  status,
  serverId: `srv-${nodename}`,
  taskState: null,
});
const NODES = ['haproxy-0', 'master-0', 'master-1', 'master-2', 'worker-0', 'worker-1'].map((name) => node(name));
const COOLDOWN: RebootPolicy = { ...DEFAULT_REBOOT_POLICY, cooldownSeconds: 300 };

/**
 * The rules over fixed facts: the node's facts, the cluster's reboots in flight, those waiting their turn and how
 * long ago each node was last released.
 */
function rulesWith(
  facts: Partial<NodeRebootFacts> = {},
  inFlight: string[] = [],
  ahead: string[] = [],
  released: Record<string, number> = {},
) {
  const asked: string[] = [];
  /** The policy the cache reads (what Postgres holds), unless a test changes it behind the cache's back. */
  const stored = { text: facts.policy ? JSON.stringify(storedRebootPolicy(facts.policy)) : null };
  const policyNow = () => parseRebootPolicy(stored.text === null ? null : JSON.parse(stored.text));
  const policies = new ClusterPolicyCache({ storedPolicy: async () => ({ stored: stored.text, policy: policyNow() }) });
  const rules = new RebootRules(
    {
      nodeFacts: async (_cluster, target) => {
        asked.push(target);
        return { lastDoneAt: null, activeJobId: null, ...facts, policy: policyNow() };
      },
      inFlight: async () => inFlight,
      waitingTurn: async () => ahead,
      releasedAgo: async () => released,
    },
    policies,
  );
  return { rules, asked, stored };
}

const NOW: Schedule = { notBefore: null, override: false, deadlineMs: 600_000 };

describe('RebootRules', () => {
  it('forecasts start, or wait with why, as the worker’s admission decides', async () => {
    expect(await rulesWith().rules.forecast('c1', 'worker-0', NODES)).toEqual({
      would: 'start',
      reason: '0 of at most 1 worker reboot in flight',
      role: 'worker',
    });
    expect(await rulesWith({}, ['worker-1']).rules.forecast('c1', 'worker-0', NODES)).toEqual({
      would: 'wait',
      reason: 'worker-1 is rebooting',
      role: 'worker',
    });
    expect(await rulesWith({}, ['master-1']).rules.forecast('c1', 'master-0', NODES)).toEqual({
      would: 'wait',
      reason: 'master-1 is rebooting',
      role: 'master',
    });
  });

  it('forecasts wait while another master settles, saying which and for how long still', async () => {
    expect(await rulesWith({}, [], [], { 'master-1': 45_000 }).rules.forecast('c1', 'master-0', NODES)).toEqual({
      would: 'wait',
      reason: 'master-1 is not settled yet (back 45 s of 120 s, 75 s still): etcd needs every other master',
      role: 'master',
    });
  });

  it('forecasts wait behind a reboot of the same role that asked first, but not behind one of another role', async () => {
    expect(await rulesWith({}, [], ['worker-1']).rules.forecast('c1', 'worker-0', NODES)).toEqual({
      would: 'wait',
      reason: 'worker-1 asked first',
      role: 'worker',
    });
    expect(await rulesWith({}, [], ['master-1']).rules.forecast('c1', 'worker-0', NODES)).toEqual({
      would: 'start',
      reason: '0 of at most 1 worker reboot in flight',
      role: 'worker',
    });
  });

  it('forecasts refuse for a node with an active job, inside its cooldown, or the cluster’s only HAProxy node', async () => {
    expect(await rulesWith({ activeJobId: 'job-7' }).rules.forecast('c1', 'worker-0', NODES)).toEqual({
      would: 'refuse',
      reason: 'a reboot of worker-0 is already running (job job-7)',
      role: 'worker',
    });
    const lastDoneAt = new Date(Date.now() - 100_000);
    const cooling = await rulesWith({ policy: COOLDOWN, lastDoneAt }).rules.forecast('c1', 'worker-0', NODES);
    expect(cooling.would).toBe('refuse');
    expect(cooling.reason).toMatch(
      /^worker-0 was rebooted recently: the cluster's cooldown allows another reboot of it in (199|200|201) s$/,
    );
    expect(await rulesWith().rules.forecast('c1', 'haproxy-0', NODES)).toEqual({
      would: 'refuse',
      reason: "haproxy-0 is the cluster's only HAProxy node: rebooting it takes the cluster offline",
      role: 'haproxy',
    });
  });

  it('screens a real request: cooldown and never-allowed refusals throw, waiting is left to the worker', async () => {
    const lastDoneAt = new Date(Date.now() - 250_000);
    const cooling = rulesWith({ policy: COOLDOWN, lastDoneAt }).rules.screen('c1', 'worker-0', NODES);
    await expect(cooling).rejects.toBeInstanceOf(RebootCooldownError);
    await expect(cooling).rejects.toMatchObject({ target: 'worker-0', retryAfterSeconds: expect.any(Number) });
    const left = await cooling.catch((error: RebootCooldownError) => error.retryAfterSeconds);
    expect(left).toBeGreaterThanOrEqual(49);
    expect(left).toBeLessThanOrEqual(51);
    // Scheduled for after the cooldown: its cooldown is the one at its time, over by then.
    const scheduled = rulesWith({ policy: COOLDOWN, lastDoneAt }).rules.screen(
      'c1',
      'worker-0',
      NODES,
      new Date(Date.now() + 60_000),
    );
    await expect(scheduled).resolves.toBeUndefined();

    await expect(rulesWith().rules.screen('c1', 'haproxy-0', NODES)).rejects.toEqual(
      new RebootRefusedError("haproxy-0 is the cluster's only HAProxy node: rebooting it takes the cluster offline"),
    );
    // Another master rebooting makes a master wait, which only the worker decides: the gateway accepts it.
    await expect(rulesWith({}, ['master-1']).rules.screen('c1', 'master-0', NODES)).resolves.toBeUndefined();
    // A cooldown long over, or none set, lets the request through.
    const over = new Date(Date.now() - 400_000);
    await expect(
      rulesWith({ policy: COOLDOWN, lastDoneAt: over }).rules.screen('c1', 'worker-0', NODES),
    ).resolves.toBeUndefined();
  });

  it('answers a node with an active job by that job, not by its cooldown', async () => {
    const lastDoneAt = new Date(Date.now() - 10_000);
    const { rules } = rulesWith({ policy: COOLDOWN, lastDoneAt, activeJobId: 'job-8' });
    await expect(rules.screen('c1', 'worker-0', NODES)).resolves.toBeUndefined();
  });

  it('admits on the policy it holds without reading the node’s facts, leaving them to the guarded insert', async () => {
    const { rules, asked, stored } = rulesWith({ policy: COOLDOWN });
    const guard = await rules.admit('c1', 'worker-0', NODES, NOW);
    expect(guard).toEqual({ policy: stored.text, cooldownSeconds: 300, at: expect.any(Date) });
    expect(Math.abs(guard.at.getTime() - Date.now())).toBeLessThan(1000);
    expect(asked).toEqual([]);
    // A scheduled reboot's guard counts its cooldown from its time.
    const later = Date.now() + 60_000;
    expect((await rules.admit('c1', 'worker-0', NODES, { ...NOW, notBefore: later })).at).toEqual(new Date(later));
  });

  it('answers what the held policy refuses from the facts Postgres holds now, cooldown first', async () => {
    const lastDoneAt = new Date(Date.now() - 250_000);
    const cooling = rulesWith({ policy: COOLDOWN, lastDoneAt });
    // The cluster's only HAProxy node inside its cooldown: the cooldown is the answer, as the screen gives it.
    await expect(cooling.rules.admit('c1', 'haproxy-0', NODES, NOW)).rejects.toBeInstanceOf(RebootCooldownError);
    expect(cooling.asked).toEqual(['haproxy-0']);
    await expect(rulesWith().rules.admit('c1', 'haproxy-0', NODES, NOW)).rejects.toEqual(
      new RebootRefusedError("haproxy-0 is the cluster's only HAProxy node: rebooting it takes the cluster offline"),
    );
    const closed = rulesWith({ policy: parseRebootPolicy({ allow_window_override: false }) });
    await expect(closed.rules.admit('c1', 'worker-0', NODES, { ...NOW, override: true })).rejects.toMatchObject({
      reason:
        "this cluster's operator does not allow override_window: reboots start only inside its maintenance windows",
    });
  });

  it('never refuses on a held policy that is no longer in force: it decides again on the one read now', async () => {
    const { rules, stored, asked } = rulesWith({ policy: parseRebootPolicy({ allow_window_override: false }) });
    const before = stored.text;
    expect(await rules.admit('c1', 'worker-0', NODES, NOW)).toMatchObject({ policy: before });
    // The operator allows overrides again, behind the cache's back: the entry held still says no.
    stored.text = JSON.stringify(storedRebootPolicy(parseRebootPolicy({ allow_window_override: true })));
    const guard = await rules.admit('c1', 'worker-0', NODES, { ...NOW, override: true });
    expect(guard.policy).toBe(stored.text);
    expect(guard.policy).not.toBe(before);
    expect(asked).toEqual(['worker-0']);
  });
});
