import { cooldownLeftSeconds, decideAdmission, decideInTurn, turnHeads } from './reboot-admission';
import {
  DEFAULT_REBOOT_POLICY,
  InvalidRebootPolicyError,
  parseRebootPolicy,
  roleOf,
  rollingPlan,
  storedRebootPolicy,
} from './reboot-policy';

const up = (...names: string[]) => names.map((nodename) => ({ nodename, status: 'ACTIVE' }));
const CLUSTER = up(
  'haproxy-0',
  'haproxy-1',
  'master-0',
  'master-1',
  'master-2',
  'infra-0',
  'worker-0',
  'worker-1',
  'bastion',
);
const decide = (target: string, inFlight: string[] = [], nodes = CLUSTER, policy = DEFAULT_REBOOT_POLICY) =>
  decideAdmission({ target, policy, inFlight, nodes });

describe('node roles', () => {
  it('come from the name prefix by default, anything else is other', () => {
    expect(
      ['haproxy-1.x', 'master-0.x', 'infra-2', 'worker-10', 'bastion', 'MASTER-1'].map((name) =>
        roleOf(name, DEFAULT_REBOOT_POLICY),
      ),
    ).toEqual(['haproxy', 'master', 'infra', 'worker', 'other', 'master']);
  });

  it.each([
    // OpenShift 3.x on OpenStack
    ['master-0.openstacklocal', 'master'],
    ['haproxy-1.openstacklocal', 'haproxy'],
    ['infra-0.openstacklocal', 'infra'],
    ['worker-17.openstacklocal', 'worker'],
    ['worker-2', 'worker'],
    // the OpenShift 4 installer
    ['ocp-x7k2p-master-0', 'master'],
    ['ocp-x7k2p-master-2', 'master'],
    ['ocp-x7k2p-bootstrap', 'master'],
    ['ocp-x7k2p-worker-0-bcdfg', 'worker'],
    ['ocp-x7k2p-worker-nova-z4x7q', 'worker'],
    ['ocp-x7k2p-infra-0-kq2vz', 'infra'],
    ['prod-eu-west-1-4mq9s-master-1', 'master'],
    // never mis-classified by a role word elsewhere in the name
    ['ocp-x7k2p-worker-0-master', 'worker'],
    ['ocp-x7k2p-worker-master-0-bcdfg', 'worker'],
    ['master-lab-x7k2p-worker-0-bcdfg', 'worker'],
    ['worker-lab-x7k2p-master-1', 'master'],
    ['haproxy-lab-x7k2p-infra-0-bcdfg', 'infra'],
    ['infra-lab-x7k2p-worker-1-bcdfg', 'worker'],
    ['master-config-backup', 'other'],
    ['workers-0', 'other'],
    ['bastion', 'other'],
    ['ocp-x7k2p-api-lb', 'other'],
  ])('by default, %s has the role %s', (name, role) => {
    expect(roleOf(name, DEFAULT_REBOOT_POLICY)).toBe(role);
  });

  it('take # as one or more digits in an operator’s pattern', () => {
    const policy = parseRebootPolicy({ roles: { infra: { patterns: ['router-#'] } } });
    expect(['router-0', 'router-12', 'router-a', 'router-'].map((name) => roleOf(name, policy))).toEqual([
      'infra',
      'infra',
      'other',
      'other',
    ]);
  });

  it('follow per-cluster patterns, which replace that role’s defaults only', () => {
    const policy = parseRebootPolicy({
      roles: { master: { patterns: ['ctrl-?', 'cp-*'] }, worker: { max_parallel: 3 } },
    });
    expect(roleOf('ctrl-1', policy)).toBe('master');
    expect(roleOf('cp-east-0', policy)).toBe('master');
    expect(roleOf('master-0', policy)).toBe('other');
    expect(roleOf('worker-0', policy)).toBe('worker');
    expect(policy.roles.worker.maxParallel).toBe(3);
    expect(parseRebootPolicy(storedRebootPolicy(policy))).toEqual(policy);
  });

  it('refuses a policy that is not one, saying where', () => {
    expect(() => parseRebootPolicy({ roles: { master: { max_parallel: 0 } } })).toThrow(InvalidRebootPolicyError);
    expect(() => parseRebootPolicy({ roles: { boss: {} } })).toThrow(/roles/);
    expect(() => parseRebootPolicy({ cooldown_seconds: -1 })).toThrow(/cooldown_seconds/);
    expect(() => parseRebootPolicy({ roles: { worker: { patterns: ['a b'] } } })).toThrow(/pattern/);
  });
});

describe('settle times, drains and the number of masters', () => {
  it('default to masters 120 s, HAProxy 60 s, others 0; drains on but for HAProxy; 300 s; 3 masters', () => {
    const { roles } = DEFAULT_REBOOT_POLICY;
    expect(
      Object.fromEntries(Object.entries(roles).map(([role, value]) => [role, [value.settleSeconds, value.drain]])),
    ).toEqual({
      haproxy: [60, false],
      master: [120, true],
      infra: [0, true],
      worker: [0, true],
      other: [0, true],
    });
    expect([DEFAULT_REBOOT_POLICY.drainTimeoutSeconds, DEFAULT_REBOOT_POLICY.masters]).toEqual([300, 3]);
  });

  it('are read per role, kept through the stored form, and never drain an HAProxy node whatever is set', () => {
    const policy = parseRebootPolicy({
      roles: { master: { settle_seconds: 20 }, worker: { drain: false }, haproxy: { drain: true } },
      drain_timeout_seconds: 60,
      masters: 5,
    });
    expect([policy.roles.master.settleSeconds, policy.roles.master.maxParallel]).toEqual([20, 1]);
    expect([policy.roles.worker.drain, policy.roles.haproxy.drain, policy.roles.infra.drain]).toEqual([
      false,
      false,
      true,
    ]);
    expect([policy.drainTimeoutSeconds, policy.masters]).toEqual([60, 5]);
    expect(parseRebootPolicy(storedRebootPolicy(policy))).toEqual(policy);
  });

  it.each([
    [{ roles: { master: { settle_seconds: -1 } } }, 'roles.master.settle_seconds: settle_seconds may not be negative'],
    [{ roles: { master: { settle_seconds: 1.5 } } }, 'roles.master.settle_seconds: settle_seconds is whole seconds'],
    [
      { roles: { master: { settle_seconds: 3601 } } },
      'roles.master.settle_seconds: settle_seconds is at most 3600 (one hour)',
    ],
    [{ roles: { worker: { drain: 'yes' } } }, 'roles.worker.drain: drain is true or false'],
    [{ drain_timeout_seconds: 0 }, 'drain_timeout_seconds: drain_timeout_seconds is at least 10'],
    [{ masters: 0 }, 'masters: masters is at least 1'],
    [{ masters: 2.5 }, 'masters: masters is a whole number'],
  ])('refuse %j, saying why: %s', (given, message) => {
    expect(() => parseRebootPolicy(given)).toThrow(new InvalidRebootPolicyError(message));
  });
});

describe('decideAdmission', () => {
  it('starts a reboot when nothing of its role is in flight', () => {
    expect(decide('worker-0', ['master-0'])).toMatchObject({ would: 'start' });
  });

  it('waits while max_parallel reboots of the role are in flight, naming them', () => {
    expect(decide('worker-1', ['worker-0'])).toEqual({ would: 'wait', reason: 'worker-0 is rebooting' });
    const two = parseRebootPolicy({ roles: { worker: { max_parallel: 2 } } });
    expect(decide('worker-1', ['worker-0'], CLUSTER, two)).toMatchObject({ would: 'start' });
  });

  it('starts a master only when every other master is ACTIVE and none reboots', () => {
    expect(decide('master-0')).toMatchObject({ would: 'start' });
    expect(decide('master-0', ['master-2'])).toMatchObject({
      would: 'wait',
      reason: expect.stringMatching(/^master-2 is rebooting/),
    });
    const down = CLUSTER.map((node) => (node.nodename === 'master-1' ? { ...node, status: 'SHUTOFF' } : node));
    expect(decide('master-0', [], down)).toEqual({
      would: 'wait',
      reason: 'master-1 is SHUTOFF: etcd needs every other master',
    });
    // Even when the operator allows more masters at once, quorum still holds them back.
    const many = parseRebootPolicy({ roles: { master: { max_parallel: 3 } } });
    expect(decide('master-0', ['master-1'], CLUSTER, many)).toMatchObject({ would: 'wait' });
  });

  it('starts an HAProxy node only with another one ACTIVE and not rebooting; never the only one', () => {
    expect(decide('haproxy-0')).toMatchObject({ would: 'start' });
    const many = parseRebootPolicy({ roles: { haproxy: { max_parallel: 2 } } });
    expect(decide('haproxy-0', ['haproxy-1'], CLUSTER, many)).toMatchObject({ would: 'wait' });
    const alone = CLUSTER.filter((node) => node.nodename !== 'haproxy-1');
    expect(decide('haproxy-0', [], alone)).toMatchObject({ would: 'refuse' });
  });
});

describe('rolling plans and cooldowns', () => {
  it('take workers, other nodes, infra, masters, then HAProxy nodes, each in listed order', () => {
    const names = CLUSTER.map((node) => node.nodename);
    expect(rollingPlan('all', names, DEFAULT_REBOOT_POLICY)).toEqual([
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
    expect(rollingPlan('master', names, DEFAULT_REBOOT_POLICY)).toEqual(['master-0', 'master-1', 'master-2']);
  });

  it('count down from the last Done, off by default', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const policy = parseRebootPolicy({ cooldown_seconds: 600 });
    expect(cooldownLeftSeconds(new Date(now - 100_500), policy, now)).toBe(500);
    expect(cooldownLeftSeconds(new Date(now - 600_000), policy, now)).toBe(0);
    expect(cooldownLeftSeconds(new Date(now), DEFAULT_REBOOT_POLICY, now)).toBe(0);
    expect(cooldownLeftSeconds(null, policy, now)).toBe(0);
  });
});

describe('decideInTurn: request order within a role', () => {
  const inTurn = (target: string, ahead: string[], inFlight: string[] = [], policy = DEFAULT_REBOOT_POLICY) =>
    decideInTurn({ target, policy, inFlight, ahead, nodes: CLUSTER });
  const threeWorkers = parseRebootPolicy({ roles: { worker: { max_parallel: 3 } } });

  it('makes a newer reboot wait behind an older one of its role that the rules would start', () => {
    expect(inTurn('worker-1', ['worker-0'])).toEqual({ would: 'wait', reason: 'worker-0 asked first' });
    expect(inTurn('master-2', ['master-0', 'master-1'])).toEqual({ would: 'wait', reason: 'master-0 asked first' });
  });

  it('lets it start when the role has room for it after the older ones, or they are of another role', () => {
    expect(inTurn('worker-1', ['worker-0'], [], threeWorkers)).toMatchObject({ would: 'start' });
    expect(inTurn('worker-1', ['worker-0'], ['bastion'], threeWorkers)).toMatchObject({ would: 'start' });
    expect(inTurn('worker-1', ['master-0', 'infra-0', 'bastion'])).toMatchObject({ would: 'start' });
    const two = parseRebootPolicy({ roles: { worker: { max_parallel: 2 } } });
    expect(
      decideInTurn({ target: 'worker-1', policy: two, inFlight: ['worker-9'], ahead: ['worker-0'], nodes: CLUSTER }),
    ).toEqual({ would: 'wait', reason: 'worker-0 asked first' });
  });

  it('is not held back by an older one that cannot start anyway', () => {
    const nodes = CLUSTER.map((node) => (node.nodename === 'master-0' ? { ...node, status: 'SHUTOFF' } : node));
    // master-1 asked first but waits for master-0; master-0's own reboot (the one that helps) goes first.
    expect(
      decideInTurn({ target: 'master-0', policy: DEFAULT_REBOOT_POLICY, inFlight: [], ahead: ['master-1'], nodes }),
    ).toMatchObject({ would: 'start' });
  });

  it('keeps what the rules say when they already hold it back', () => {
    expect(inTurn('worker-1', ['worker-0'], ['worker-2'])).toEqual({ would: 'wait', reason: 'worker-2 is rebooting' });
  });

  it('wakes, per role, the oldest waiting reboots the role has room for', () => {
    const waiting = ['worker-0', 'master-0', 'worker-1', 'master-1', 'worker-2', 'bastion'].map((target, id) => ({
      id,
      target,
    }));
    expect(turnHeads(waiting, DEFAULT_REBOOT_POLICY).map((job) => job.target)).toEqual([
      'worker-0',
      'master-0',
      'bastion',
    ]);
    expect(turnHeads(waiting, threeWorkers).map((job) => job.target)).toEqual([
      'worker-0',
      'master-0',
      'worker-1',
      'worker-2',
      'bastion',
    ]);
  });
});
