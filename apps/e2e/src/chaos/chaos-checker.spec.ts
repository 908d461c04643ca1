import { checkInvariants, type JobRecord, type Observations, type ServerRecord } from './chaos-checker';
import { expectedRole, scheduleFor } from './chaos-schedule';

const T = Date.parse('2026-12-06T09:00:00.000Z');

const at = (intervals: [number, number | null][]) =>
  intervals.map(([start, end]) => ({ start: T + start * 1000, end: end === null ? null : T + end * 1000 }));

/** A server with its reboots and down intervals (its reboot periods the same unless given). */
const server = (
  name: string,
  reboots: number[],
  down: [number, number | null][] = [],
  rebooting: [number, number | null][] = down,
): ServerRecord => ({
  cluster: 'c',
  name,
  reboots: reboots.map((s) => T + s * 1000),
  down: at(down),
  rebooting: at(rebooting),
});

const job = (step: number, nodes: string[], from: number, to: number | null, extra: Partial<JobRecord> = {}) =>
  ({
    step,
    id: `job-${step}`,
    cluster: 'c',
    kind: 'reboot',
    target: nodes[0],
    nodes,
    requestedAt: T + from * 1000,
    deadlineAt: T + (from + 60) * 1000,
    endedAt: to === null ? null : T + to * 1000,
    final: to === null ? null : 'Done',
    output: '',
    errors: '',
    ...extra,
  }) satisfies JobRecord;

const seen = (over: Partial<Observations>): Observations => ({
  servers: [],
  jobs: [],
  refusals: [],
  dryRuns: [],
  maxParallel: {},
  boundMs: 75_000,
  checkedAt: T + 300_000,
  ...over,
});

describe('the chaos run invariants', () => {
  it('read both naming styles', () => {
    expect(
      ['master-0.openstacklocal', 'ocp-x7k2p-master-0', 'ocp-x7k2p-worker-0-abcde', 'haproxy-1', 'bastion-0'].map(
        expectedRole,
      ),
    ).toEqual(['master', 'master', 'worker', 'haproxy', 'other']);
  });

  it('hold for one reboot per job, one master at a time', () => {
    const servers = [server('master-0', [1], [[1, 3]]), server('master-1', [3], [[3, 5]]), server('master-2', [])];
    const jobs = [job(0, ['master-0'], 0, 4), job(1, ['master-1'], 0, 6)];
    expect(checkInvariants(seen({ servers, jobs }))).toEqual([]);
  });

  it('find two masters down at once, an ERROR one staying down', () => {
    const servers = [server('ocp-x-master-0', [1], [[1, null]]), server('ocp-x-master-1', [10], [[10, 12]])];
    const jobs = [job(0, ['ocp-x-master-0'], 0, 3, { final: 'Fail' }), job(1, ['ocp-x-master-1'], 9, 13)];
    expect(checkInvariants(seen({ servers, jobs }))).toEqual([
      {
        rule: 'two-masters-down',
        cluster: 'c',
        message: '2 master nodes down at once at 09:00:10.000 (limit 1): ocp-x-master-0, ocp-x-master-1',
        steps: [1],
      },
    ]);
  });

  it('allow max_parallel workers and no more', () => {
    const servers = ['worker-0', 'worker-1', 'worker-2'].map((name, i) => server(name, [i], [[i, 5]]));
    const jobs = servers.map((s, i) => job(i, [s.name], 0, 6));
    expect(checkInvariants(seen({ servers, jobs, maxParallel: { c: { worker: 3 } } }))).toEqual([]);
    const found = checkInvariants(seen({ servers, jobs, maxParallel: { c: { worker: 2 } } }));
    expect(found.map((v) => [v.rule, v.steps])).toEqual([['role-concurrency', [0, 1, 2]]]);
  });

  it('count an ERROR worker against max_parallel only while it reboots, an ERROR master until it is ACTIVE', () => {
    const servers = [server('worker-0', [1], [[1, null]], [[1, 3]]), server('worker-1', [5], [[5, 7]])];
    const jobs = [job(0, ['worker-0'], 0, 4, { final: 'Fail' }), job(1, ['worker-1'], 4, 8)];
    expect(checkInvariants(seen({ servers, jobs }))).toEqual([]);
    const masters = [server('master-0', [1], [[1, null]], [[1, 3]]), server('master-1', [5], [[5, 7]])];
    const rules = checkInvariants(
      seen({ servers: masters, jobs: [job(0, ['master-0'], 0, 4, { final: 'Fail' }), job(1, ['master-1'], 4, 8)] }),
    );
    expect(rules.map((v) => v.rule)).toEqual(['two-masters-down']);
  });

  it('find a node rebooted twice for one job, and a Done job whose node was never rebooted', () => {
    const servers = [server('worker-0', [1, 4], [[1, 6]]), server('worker-1', [])];
    const jobs = [job(0, ['worker-0'], 0, 7), job(1, ['worker-1'], 0, 7)];
    expect(checkInvariants(seen({ servers, jobs })).map((v) => v.rule)).toEqual([
      'rebooted-twice',
      'done-without-reboot',
    ]);
  });

  it('count two overlapping jobs of one node as two reboots allowed', () => {
    const servers = [server('worker-0', [1, 4], [[1, 6]])];
    const jobs = [job(0, ['worker-0'], 0, 3), job(1, ['worker-0'], 2, 7)];
    expect(checkInvariants(seen({ servers, jobs }))).toEqual([]);
  });

  it('find a reboot after its job ended, and a job past its deadline plus the bound', () => {
    const servers = [server('infra-0', [20], [[20, 22]])];
    const late = job(1, ['infra-1'], 0, null);
    const found = checkInvariants(seen({ servers, jobs: [job(0, ['infra-0'], 0, 10, { final: 'Fail' }), late] }));
    expect(found.map((v) => v.rule)).toEqual(['reboot-without-job', 'job-never-ended']);
    expect(found[1].message).toMatch(/had not ended 240 s after its deadline \(bound 75 s\)/);
  });

  it('want a Fail rolling reboot to name each node it did not reboot', () => {
    const servers = [server('infra-0', [1], [[1, 3]]), server('infra-1', [])];
    const rolling = (errors: string) =>
      job(0, ['infra-0', 'infra-1'], 0, 5, { kind: 'rolling', target: 'infra', final: 'Fail', errors });
    expect(checkInvariants(seen({ servers, jobs: [rolling('Cancelled by ann')] })).map((v) => v.rule)).toEqual([
      'rolling-missed-node',
    ]);
    expect(checkInvariants(seen({ servers, jobs: [rolling('Cancelled by ann; not rebooted: infra-1')] }))).toEqual([]);
  });

  it('find a refused rolling reboot of a role the cluster has, and a dry run that says start too soon', () => {
    const servers = [server('ocp-x-master-0', [1], [[1, null]]), server('ocp-x-master-1', [])];
    const refusals = [
      {
        step: 3,
        cluster: 'c',
        kind: 'rolling' as const,
        target: 'master',
        nodes: ['ocp-x-master-0', 'ocp-x-master-1'],
        status: 400,
        body: '{"error":"No node to reboot","reason":"the cluster has no master node"}',
      },
    ];
    const dryRuns = [
      { step: 4, cluster: 'c', node: 'ocp-x-master-1', sentAt: T + 5000, answeredAt: T + 5100, would: 'start' },
    ];
    const jobs = [job(0, ['ocp-x-master-0'], 0, 3, { final: 'Fail' })];
    expect(checkInvariants(seen({ servers, jobs, refusals, dryRuns })).map((v) => [v.rule, v.steps])).toEqual([
      ['rolling-refused', [3]],
      ['dry-run-start-unsafe', [4]],
    ]);
  });

  it('draw the same schedule from the same seed, and another from another', () => {
    expect(scheduleFor(7, 15)).toEqual(scheduleFor(7, 15));
    expect(scheduleFor(7, 15)).not.toEqual(scheduleFor(8, 15));
    const steps = scheduleFor(7, 40).steps;
    expect(steps.map((step) => step.at)).toEqual([...steps.map((step) => step.at)].sort((a, b) => a - b));
  });
});
