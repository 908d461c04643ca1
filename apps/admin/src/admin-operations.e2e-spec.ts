// The operator CLI's help and its operations commands (cluster update/check, user remove, prune), run in-process
// against the test database and, for `cluster check`, the OpenStack simulator.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { OpenStackSimulator, demoProject } from '@oshift/openstack-sim';
import { testServices } from '@oshift/testing';
import { adminInProcess } from './admin.runner';

const suffix = randomBytes(4).toString('hex');
const actor = `e2e:admin-ops-${suffix}`;

const admin = adminInProcess({ DATABASE_URL: testServices().databaseUrl, ADMIN_ACTOR: actor });

/** The command paths listed under "Commands:" in a help text. */
function subcommands(help: string): string[] {
  const section = help.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z-]+)/gm)].map((match) => match[1]).filter((name) => name !== 'help');
}

describe('admin CLI help', () => {
  it('answers --help on every command and subcommand with its usage, status 0', async () => {
    const paths: string[][] = [];
    const visit = async (path: string[]) => {
      const result = await admin([...path, '--help']);
      expect({ path, status: result.status, stderr: result.stderr }).toEqual({ path, status: 0, stderr: '' });
      expect(result.stdout).toMatch(new RegExp(`^Usage: admin ${path.join(' ')}`));
      paths.push(path);
      for (const name of subcommands(result.stdout)) await visit([...path, name]);
    };
    await visit([]);
    expect(paths.map((path) => path.join(' '))).toEqual(
      expect.arrayContaining(['grant', 'user add', 'user remove', 'cluster update', 'cluster check', 'prune']),
    );
    expect(await admin(['help', 'user'])).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/^Usage: admin user/),
    });
  });

  it('names the environment it reads, Redis and the audit actor included', async () => {
    const { status, stdout } = await admin(['help']);
    expect(status).toBe(0);
    for (const variable of ['DATABASE_URL', 'REDIS_URL', 'REDIS_PREFIX', 'CLUSTER_SECRET_KEY', 'ADMIN_ACTOR'])
      expect(stdout).toMatch(new RegExp(`^ +${variable} `, 'm'));
  });
});

describe('admin CLI without its database', () => {
  it('says it cannot reach it, and why, in one line: status 1', async () => {
    // The socket's error is not an Error of the test's realm: the CLI still reads its message.
    const run = await admin(['user', 'list'], '', { DATABASE_URL: 'postgres://admin:secret@localhost:1/oshift' });
    expect(run).toEqual({
      status: 1,
      stdout: '',
      stderr: expect.stringMatching(/^error: cannot reach the database \(connect ECONNREFUSED [^)]+:1\)\n$/),
    });
    expect(run.stderr).not.toContain('secret');
  });
});

describe('admin CLI operations', () => {
  const db = new Client({ connectionString: testServices().databaseUrl });
  let simulator: OpenStackSimulator;
  const clusterId = `ops-${suffix}`;
  const listed = async () =>
    (JSON.parse((await admin(['cluster', 'list', '-o', 'json'])).stdout) as { id: string }[]).find(
      (cluster) => cluster.id === clusterId,
    );

  beforeAll(async () => {
    await db.connect();
    simulator = await OpenStackSimulator.start({ port: 0, projects: [demoProject()] });
  });
  afterAll(async () => {
    await simulator.close();
    await db.end();
  });

  it('cluster update changes only the flags given', async () => {
    const added = await admin([
      'cluster',
      'add',
      clusterId,
      '--auth-url',
      simulator.identityUrl,
      '--region',
      'RegionOne',
      '--app-credential-id',
      'demo-app-cred',
      '--secret-ref',
      'env:OSHIFT_SECRET_OPS',
    ]);
    expect(added).toEqual({ status: 0, stdout: `cluster ${clusterId} created (secret: env)\n`, stderr: '' });
    const before = await listed();
    expect(await admin(['cluster', 'update', clusterId, '--interface', 'internal'])).toMatchObject({ status: 0 });
    expect(await listed()).toEqual({ ...before, interface: 'internal', updatedAt: expect.any(String) });
    expect(await admin(['cluster', 'update', `nowhere-${suffix}`, '--region', 'R'])).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: unknown cluster nowhere-${suffix}\n`,
    });
    expect(await admin(['cluster', 'update', clusterId, '--interface', 'public'])).toMatchObject({ status: 0 });
  });

  it('cluster check authenticates and counts the servers by status, or says what failed', async () => {
    const ok = await admin(['cluster', 'check', clusterId], '', { OSHIFT_SECRET_OPS: 'demo-app-cred-secret' });
    expect(ok).toEqual({
      status: 0,
      stdout: `cluster ${clusterId}: authenticated at ${simulator.identityUrl}; Nova lists 10 server(s): 10 ACTIVE\n`,
      stderr: '',
    });
    const wrong = await admin(['cluster', 'check', clusterId], '', { OSHIFT_SECRET_OPS: 'not-the-secret' });
    expect(wrong).toMatchObject({ status: 1, stdout: '' });
    expect(wrong.stderr).toMatch(new RegExp(`^error: cluster ${clusterId}: .*401.*\\n$`));
    expect(wrong.stderr).not.toContain('not-the-secret');
    const unset = await admin(['cluster', 'check', clusterId]);
    expect(unset).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/cannot read its secret .*OSHIFT_SECRET_OPS/),
    });
  });

  it('cluster policy --nodes shows each node of the cluster with the role the policy gives it', async () => {
    const shown = await admin(['cluster', 'policy', clusterId, '--nodes'], '', {
      OSHIFT_SECRET_OPS: 'demo-app-cred-secret',
    });
    expect(shown).toMatchObject({ status: 0, stderr: '' });
    const { nodes, roles } = JSON.parse(shown.stdout) as { nodes: Record<string, string>; roles: object };
    expect(roles).toHaveProperty('master');
    expect(nodes).toEqual(
      Object.fromEntries(
        ['haproxy-0', 'haproxy-1', 'infra-0', 'infra-1', 'master-0', 'master-1', 'master-2']
          .concat(['worker-0', 'worker-1', 'worker-2'])
          .map((name) => [`${name}.openstacklocal`, name.split('-')[0]]),
      ),
    );
  });

  it('user remove deletes the user and their grants, and records it', async () => {
    const username = `gone-${suffix}`;
    expect((await admin(['user', 'add', username, '--grant', `${clusterId}:read`], 'a-long-password\n')).status).toBe(
      0,
    );
    expect(await admin(['user', 'remove', username])).toMatchObject({
      status: 0,
      stdout: `user ${username} removed\n`,
    });
    const users = JSON.parse((await admin(['user', 'list', '-o', 'json'])).stdout) as { username: string }[];
    expect(users.map((user) => user.username)).not.toContain(username);
    const { rows } = await db.query(`SELECT outcome FROM audit_events WHERE action = 'user.remove' AND target = $1`, [
      username,
    ]);
    expect(rows).toEqual([{ outcome: 'ok' }]);
    expect(await admin(['user', 'remove', username])).toMatchObject({
      status: 1,
      stderr: `error: unknown user ${username}\n`,
    });
  });

  it('prune deletes ended jobs, their lines and audit events older than the age; --dry-run only counts', async () => {
    const old = `now() - interval '100 days'`;
    const [oldJob, recentJob, runningJob] = ['old', 'recent', 'running'].map((name) => `${name}-${suffix}`);
    await db.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, finished_at) VALUES
         ($1, $4, 'n1', 'done', 'e2e', ${old}, ${old}),
         ($2, $4, 'n2', 'failed', 'e2e', now(), now()),
         ($3, $4, 'n3', 'running', 'e2e', ${old}, NULL)`,
      [oldJob, recentJob, runningJob, clusterId],
    );
    await db.query(`INSERT INTO job_lines (job_id, seq, line) VALUES ($1, 1, 'n1 REBOOT'), ($1, 2, 'Done')`, [oldJob]);
    await db.query(`INSERT INTO audit_events (at, actor, action, outcome) VALUES (${old}, $1, 'old.event', 'ok')`, [
      actor,
    ]);
    const remaining = async () => ({
      jobs: (
        await db.query(`SELECT id FROM jobs WHERE id = ANY($1) ORDER BY id`, [[oldJob, recentJob, runningJob]])
      ).rows.map((row) => row.id),
      lines: (await db.query(`SELECT count(*)::int AS n FROM job_lines WHERE job_id = $1`, [oldJob])).rows[0].n,
      oldEvents: (
        await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'old.event' AND actor = $1`, [actor])
      ).rows[0].n,
    });
    const everything = await remaining();

    const dry = await admin(['prune', '--older-than', '90d', '--dry-run']);
    expect(dry).toMatchObject({ status: 0, stderr: '' });
    expect(dry.stdout).toMatch(
      /^would delete [1-9]\d* job\(s\) with [2-9]\d* output line\(s\) and [1-9]\d* audit event\(s\) from before .*nothing deleted\)\n$/,
    );
    expect(await remaining()).toEqual(everything);

    const pruned = await admin(['prune', '--older-than', '90d']);
    expect(pruned).toMatchObject({ status: 0, stdout: expect.stringMatching(/^deleted /) });
    expect(await remaining()).toEqual({ jobs: [recentJob, runningJob].sort(), lines: 0, oldEvents: 0 });
    const { rows } = await db.query(`SELECT detail FROM audit_events WHERE action = 'retention.prune' AND actor = $1`, [
      actor,
    ]);
    expect(rows).toHaveLength(1);
    // Outside prune, audit events stay append-only.
    await expect(db.query(`DELETE FROM audit_events WHERE actor = $1`, [actor])).rejects.toThrow(/append-only/);
    expect(await admin(['prune', '--older-than', 'forever'])).toMatchObject({ status: 2 });
  });

  it('prune keeps the ended steps of a rolling reboot still running, and prunes them with it once it has ended', async () => {
    const old = `now() - interval '100 days'`;
    const [rolling, step] = ['rolling', 'step'].map((name) => `${name}-${suffix}`);
    await db.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, kind, rolling_role) VALUES
         ($1, $2, 'rolling:worker', 'running', 'e2e', ${old}, 'rolling', 'worker')`,
      [rolling, clusterId],
    );
    await db.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, finished_at, parent_id) VALUES
         ($1, $2, 'worker-0.openstacklocal', 'done', 'e2e', ${old}, ${old}, $3)`,
      [step, clusterId, rolling],
    );
    const left = async () =>
      (await db.query(`SELECT id FROM jobs WHERE id = ANY($1) ORDER BY id`, [[rolling, step]])).rows.map(
        (row) => row.id,
      );
    expect(await admin(['prune', '--older-than', '90d'])).toMatchObject({ status: 0 });
    // The step is the rolling reboot's record that worker-0 was rebooted: without it, it would be rebooted again.
    expect(await left()).toEqual([rolling, step]);

    await db.query(`UPDATE jobs SET state = 'done', finished_at = ${old} WHERE id = $1`, [rolling]);
    expect(await admin(['prune', '--older-than', '90d'])).toMatchObject({ status: 0 });
    expect(await left()).toEqual([]);
  });
});
