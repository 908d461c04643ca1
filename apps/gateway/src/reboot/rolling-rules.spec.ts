import { DEFAULT_REBOOT_POLICY, type NodeRebootFacts, NoNodeOfRoleError, RebootRefusedError } from '@oshift/jobs';
import type { ClusterNode } from '@oshift/node-registry';
import type { RebootForecast } from './reboot-rules';
import { RollingRules } from './rolling-rules';

const node = (nodename: string): ClusterNode => ({
  nodename,
  status: 'ACTIVE',
  serverId: `srv-${nodename}`,
  taskState: null,
});
const NODES = [
  'haproxy-0',
  'haproxy-1',
  'infra-0',
  'master-0',
  'master-1',
  'master-2',
  'bastion',
  'worker-0',
  'worker-1',
].map(node);

/** The rolling rules over fixed facts; the single-node forecast answers `first` and remembers its node. */
function rulesWith(
  facts: Partial<NodeRebootFacts> = {},
  first: RebootForecast = { would: 'start', reason: 'ok', role: 'worker' },
) {
  const asked: string[] = [];
  const forecasted: string[] = [];
  const rules = new RollingRules(
    {
      nodeFacts: async (_cluster, target) => {
        asked.push(target);
        return { policy: DEFAULT_REBOOT_POLICY, lastDoneAt: null, activeJobId: null, ...facts };
      },
    },
    {
      forecast: async (_cluster, target) => {
        forecasted.push(target);
        return first;
      },
    },
  );
  return { rules, asked, forecasted };
}

describe('RollingRules', () => {
  it('plans a role’s nodes, and all of them worker → other → infra → master → haproxy', async () => {
    const { rules, asked } = rulesWith();
    expect(await rules.plan('c1', 'master', NODES)).toEqual(['master-0', 'master-1', 'master-2']);
    expect(await rules.plan('c1', 'all', NODES)).toEqual([
      'worker-0',
      'worker-1',
      'bastion',
      'infra-0',
      'master-0',
      'master-1',
      'master-2',
      'haproxy-0',
      'haproxy-1',
    ]);
    // The facts of the rolling reboot's own target: its policy, and whether one of the role already runs.
    expect(asked).toEqual(['rolling:master', 'rolling:all']);
  });

  it('refuses a role without nodes, and a plan holding a node the rules never allow', async () => {
    const { rules } = rulesWith();
    await expect(
      rules.plan(
        'c1',
        'infra',
        NODES.filter((n) => !n.nodename.startsWith('infra')),
      ),
    ).rejects.toEqual(new NoNodeOfRoleError('infra'));
    expect(new NoNodeOfRoleError('infra').reason).toBe('the cluster has no infra node');
    const oneHaproxy = NODES.filter((n) => n.nodename !== 'haproxy-1');
    await expect(rules.plan('c1', 'all', oneHaproxy)).rejects.toEqual(
      new RebootRefusedError("haproxy-0 is the cluster's only HAProxy node: rebooting it takes the cluster offline"),
    );
    // A role without the sole HAProxy node is fine.
    expect(await rules.plan('c1', 'worker', oneHaproxy)).toEqual(['worker-0', 'worker-1']);
  });

  it('forecasts the first node’s fate with the plan, or refuse when the role’s rolling reboot already runs', async () => {
    const wait: RebootForecast = { would: 'wait', reason: 'worker-9 is rebooting', role: 'worker' };
    const { rules, forecasted } = rulesWith({}, wait);
    const roles = Object.fromEntries(NODES.map((n) => [n.nodename, n.nodename.split('-')[0]]));
    roles.bastion = 'other';
    expect(await rules.forecast('c1', 'worker', NODES)).toEqual({
      would: 'wait',
      reason: 'worker-9 is rebooting',
      nodes: ['worker-0', 'worker-1'],
      roles,
    });
    expect(forecasted).toEqual(['worker-0']);

    const running = rulesWith({ activeJobId: 'job-3' });
    expect(await running.rules.forecast('c1', 'infra', NODES)).toEqual({
      would: 'refuse',
      reason: 'a rolling reboot of infra is already running (job job-3)',
      nodes: ['infra-0'],
      roles,
    });
    expect(running.forecasted).toEqual([]);

    const oneHaproxy = rulesWith();
    expect(await oneHaproxy.rules.forecast('c1', 'haproxy', [node('haproxy-0'), node('worker-0')])).toEqual({
      would: 'refuse',
      reason: "haproxy-0 is the cluster's only HAProxy node: rebooting it takes the cluster offline",
      nodes: ['haproxy-0'],
      roles: { 'haproxy-0': 'haproxy', 'worker-0': 'worker' },
    });
    await expect(oneHaproxy.rules.forecast('c1', 'master', [node('worker-0')])).rejects.toBeInstanceOf(
      NoNodeOfRoleError,
    );
  });
});
