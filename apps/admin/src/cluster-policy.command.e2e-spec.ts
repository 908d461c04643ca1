// The operator CLI's `cluster policy`, run in-process against the test database; the real process twice, for its
// exit statuses.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServices } from '@oshift/testing';
import { adminInProcess, adminProcess } from './admin.runner';

const suffix = randomBytes(4).toString('hex');
const actor = `e2e:policy-${suffix}`;
const environment = { DATABASE_URL: testServices().databaseUrl, ADMIN_ACTOR: actor };
const admin = adminInProcess(environment);

/** The policy in its stored form with every default written out, with the given changes. */
function policy(
  changes: {
    roles?: Record<string, object>;
    cooldown_seconds?: number;
    windows?: string[];
    allow_window_override?: boolean;
    drain_timeout_seconds?: number;
    masters?: number;
  } = {},
) {
  type Role = { patterns: string[]; max_parallel: number; settle_seconds: number; drain: boolean };
  const roles: Record<string, Role> = {
    haproxy: { patterns: ['haproxy-#', 'haproxy-#.*'], max_parallel: 1, settle_seconds: 60, drain: false },
    master: {
      patterns: ['master-#', 'master-#.*', '*-?????-master-#', '*-?????-bootstrap'],
      max_parallel: 1,
      settle_seconds: 120,
      drain: true,
    },
    infra: { patterns: ['infra-#', 'infra-#.*', '*-?????-infra-*'], max_parallel: 1, settle_seconds: 0, drain: true },
    worker: {
      patterns: ['worker-#', 'worker-#.*', '*-?????-worker-*'],
      max_parallel: 1,
      settle_seconds: 0,
      drain: true,
    },
    other: { patterns: [], max_parallel: 1, settle_seconds: 0, drain: true },
  };
  for (const [role, change] of Object.entries(changes.roles ?? {})) roles[role] = { ...roles[role]!, ...change };
  return {
    roles,
    cooldown_seconds: changes.cooldown_seconds ?? 0,
    windows: changes.windows ?? [],
    allow_window_override: changes.allow_window_override ?? true,
    drain_timeout_seconds: changes.drain_timeout_seconds ?? 300,
    masters: changes.masters ?? 3,
  };
}

describe('admin CLI: cluster policy', () => {
  const db = new Client({ connectionString: testServices().databaseUrl });
  const clusterId = `policy-${suffix}.example.test`;
  const folder = mkdtempSync(join(tmpdir(), 'oshift-policy-'));
  const stored = async () =>
    (await db.query(`SELECT reboot_policy FROM clusters WHERE id = $1`, [clusterId])).rows[0]?.reboot_policy;
  const audit = async () =>
    (
      await db.query(
        `SELECT actor, action, cluster_id, outcome, detail FROM audit_events
          WHERE action = 'cluster.policy' AND cluster_id = $1 ORDER BY id`,
        [clusterId],
      )
    ).rows;

  beforeAll(async () => {
    await db.connect();
    await db.query(`INSERT INTO clusters (id, auth_url, secret_ref) VALUES ($1, 'http://127.0.0.1:1/v3', 'env:X')`, [
      clusterId,
    ]);
  });

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await db.end();
  });

  it('shows the defaults, then changes the common cases with flags over the policy in force', async () => {
    const shown = await admin(['cluster', 'policy', clusterId]);
    expect([shown.status, shown.stderr]).toEqual([0, '']);
    expect(JSON.parse(shown.stdout)).toEqual(policy());
    expect(await stored()).toBeNull();

    const changed = await admin(['cluster', 'policy', clusterId, '--max-parallel', 'worker=3', '--cooldown', '600']);
    expect([changed.status, changed.stderr]).toEqual([0, '']);
    const expected = policy({ roles: { worker: { max_parallel: 3 } }, cooldown_seconds: 600 });
    expect(JSON.parse(changed.stdout)).toEqual(expected);
    expect(await stored()).toEqual(expected);

    const patterns = await admin([
      'cluster',
      'policy',
      clusterId,
      '--pattern',
      'infra=infra-*',
      '--pattern',
      'infra=router-?',
      '--max-parallel',
      'infra=2',
    ]);
    const withPatterns = policy({
      roles: { worker: { max_parallel: 3 }, infra: { patterns: ['infra-*', 'router-?'], max_parallel: 2 } },
      cooldown_seconds: 600,
    });
    expect(JSON.parse(patterns.stdout)).toEqual(withPatterns);
    expect(JSON.parse((await admin(['cluster', 'policy', clusterId])).stdout)).toEqual(withPatterns);

    expect(await audit()).toEqual([
      { actor, action: 'cluster.policy', cluster_id: clusterId, outcome: 'ok', detail: { policy: expected } },
      { actor, action: 'cluster.policy', cluster_id: clusterId, outcome: 'ok', detail: { policy: withPatterns } },
    ]);
  });

  it('replaces the whole policy from --set or --file, records a change to the same as noop, and resets', async () => {
    const set = await admin(['cluster', 'policy', clusterId, '--set', '{"roles":{"master":{"max_parallel":1}}}']);
    expect(set.status).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual(policy());
    const file = join(folder, 'policy.json');
    writeFileSync(file, JSON.stringify({ roles: { other: { patterns: ['bastion-*'] } }, cooldown_seconds: 60 }));
    const fromFile = await admin(['cluster', 'policy', clusterId, '--file', file, '--max-parallel', 'other=2']);
    const expected = policy({ roles: { other: { patterns: ['bastion-*'], max_parallel: 2 } }, cooldown_seconds: 60 });
    expect([fromFile.status, JSON.parse(fromFile.stdout)]).toEqual([0, expected]);
    expect(await stored()).toEqual(expected);
    const again = await admin(['cluster', 'policy', clusterId, '--file', file, '--max-parallel', 'other=2']);
    expect(again.status).toBe(0);

    const reset = await admin(['cluster', 'policy', clusterId, '--reset']);
    expect([reset.status, JSON.parse(reset.stdout)]).toEqual([0, policy()]);
    expect(await stored()).toBeNull();
    expect((await audit()).slice(-4).map((record) => [record.outcome, record.detail])).toEqual([
      ['ok', { policy: policy() }],
      ['ok', { policy: expected }],
      ['noop', { policy: expected }],
      ['ok', { reset: true }],
    ]);
  });

  it('sets settle times and drains per role (repeatable), the drain timeout and the number of masters', async () => {
    const set = await admin([
      'cluster',
      'policy',
      clusterId,
      '--settle',
      'master=180',
      '--settle',
      'haproxy=90',
      '--drain',
      'infra=off',
      '--drain',
      'worker=off',
      '--drain-timeout',
      '600',
      '--masters',
      '5',
    ]);
    expect([set.status, set.stderr]).toEqual([0, '']);
    const expected = policy({
      roles: {
        master: { settle_seconds: 180 },
        haproxy: { settle_seconds: 90 },
        infra: { drain: false },
        worker: { drain: false },
      },
      drain_timeout_seconds: 600,
      masters: 5,
    });
    expect(JSON.parse(set.stdout)).toEqual(expected);
    expect(await stored()).toEqual(expected);
    // Shown by `cluster policy` without flags.
    expect(JSON.parse((await admin(['cluster', 'policy', clusterId])).stdout)).toEqual(expected);
    const back = await admin(['cluster', 'policy', clusterId, '--drain', 'worker=on', '--settle', 'master=0']);
    expect(JSON.parse(back.stdout)).toEqual(
      policy({
        roles: { master: { settle_seconds: 0 }, haproxy: { settle_seconds: 90 }, infra: { drain: false } },
        drain_timeout_seconds: 600,
        masters: 5,
      }),
    );
    await admin(['cluster', 'policy', clusterId, '--reset']);
  });

  it('sets maintenance windows (repeatable), switches the override off and on, and clears the windows', async () => {
    const windows = ['Mon-Fri 01:00-05:00 Europe/London', 'Sat 22:00-02:00 America/New_York'];
    const set = await admin([
      'cluster',
      'policy',
      clusterId,
      '--window',
      'Mon-Fri   01:00-05:00 Europe/London',
      '--window',
      windows[1]!,
      '--no-window-override',
    ]);
    expect([set.status, set.stderr]).toEqual([0, '']);
    const withWindows = policy({ windows, allow_window_override: false });
    expect(JSON.parse(set.stdout)).toEqual(withWindows);
    expect(await stored()).toEqual(withWindows);

    const allowed = await admin(['cluster', 'policy', clusterId, '--allow-window-override']);
    expect(JSON.parse(allowed.stdout)).toEqual(policy({ windows }));
    const cleared = await admin(['cluster', 'policy', clusterId, '--clear-windows']);
    expect(JSON.parse(cleared.stdout)).toEqual(policy());
    expect((await audit()).slice(-3).map((record) => record.detail)).toEqual([
      { policy: withWindows },
      { policy: policy({ windows }) },
      { policy: policy() },
    ]);
    await admin(['cluster', 'policy', clusterId, '--reset']);
  });

  it('refuses an invalid policy (exit 1), a malformed flag (exit 2) and an unknown cluster, changing nothing', async () => {
    const before = (await audit()).length;
    for (const [args, status, message] of [
      [
        ['--set', '{"roles":{"worker":{"max_parallel":0}}}'],
        1,
        /^error: invalid policy: roles\.worker\.max_parallel: /,
      ],
      [['--set', '{"roles":{"router":{}}}'], 1, /^error: invalid policy: roles: /],
      [['--set', '{"cooldown_seconds":-1}'], 1, /^error: invalid policy: cooldown_seconds: /],
      [
        ['--pattern', 'worker=node/1'],
        1,
        /^error: invalid policy: roles\.worker\.patterns\.0: a pattern is a node name/,
      ],
      [['--set', 'not json'], 1, /^error: the policy is not valid JSON\n$/],
      [['--file', join(folder, 'missing.json')], 1, /^error: cannot read .*missing\.json: ENOENT\n$/],
      [['--max-parallel', 'routers=2'], 2, /^usage error: --max-parallel takes <role>=<n> with a role of /],
      [['--max-parallel', 'worker=many'], 2, /^usage error: --max-parallel takes <role>=<n>, not worker=many/],
      [['--cooldown', '1.5'], 2, /^usage error: --cooldown takes whole seconds/],
      [['--settle', 'master'], 2, /^usage error: --settle takes <role>=<seconds> with a role of /],
      [['--settle', 'master=2m'], 2, /^usage error: --settle takes <role>=<whole seconds>, not master=2m/],
      [
        ['--settle', 'master=7200'],
        1,
        /^error: invalid policy: roles\.master\.settle_seconds: settle_seconds is at most 3600 \(one hour\)\n$/,
      ],
      [['--drain', 'worker=yes'], 2, /^usage error: --drain takes <role>=on\|off, not worker=yes/],
      [['--drain', 'haproxy=on'], 2, /^usage error: HAProxy nodes are not cluster nodes: they are never drained/],
      [
        ['--drain-timeout', '5'],
        1,
        /^error: invalid policy: drain_timeout_seconds: drain_timeout_seconds is at least 10\n$/,
      ],
      [['--masters', '0'], 1, /^error: invalid policy: masters: masters is at least 1\n$/],
      [['--masters', 'three'], 2, /^usage error: --masters takes a whole number/],
      [['--reset', '--cooldown', '5'], 2, /^usage error: --reset goes alone/],
      [['--set', '{}', '--file', 'x.json'], 2, /^usage error: give --set or --file, not both/],
      [
        ['--window', 'Mon-Fri 01:00-05:00 Europe/Atlantis'],
        1,
        /^error: invalid policy: windows\.0: "Mon-Fri 01:00-05:00 Europe\/Atlantis" is not a window like .*: Europe\/Atlantis is not an IANA time zone\n$/,
      ],
      [['--window', 'weekdays 1-5'], 1, /^error: invalid policy: windows\.0: "weekdays 1-5" is not a window like /],
      [['--window', 'daily 01:00-02:00 UTC', '--clear-windows'], 2, /^usage error: give --window or --clear-windows/],
      [
        ['--no-window-override', '--allow-window-override'],
        2,
        /^usage error: give --allow-window-override or --no-window-override, not both/,
      ],
    ] as const) {
      const run = await admin(['cluster', 'policy', clusterId, ...args]);
      expect({ args, status: run.status, stdout: run.stdout }).toEqual({ args, status, stdout: '' });
      expect(run.stderr).toMatch(message);
    }
    // The real binary exits with the status of a usage error and of a refusal, as a shell script sees them.
    const asProcess = adminProcess(environment);
    expect((await asProcess(['cluster', 'policy', clusterId, '--cooldown', '1.5'])).status).toBe(2);
    const unknown = await asProcess(['cluster', 'policy', `nowhere-${suffix}`, '--cooldown', '5']);
    expect([unknown.status, unknown.stderr]).toEqual([1, `error: unknown cluster nowhere-${suffix}\n`]);
    expect(await stored()).toBeNull();
    expect((await audit()).length).toBe(before);
  });
});
