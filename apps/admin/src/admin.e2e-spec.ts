// The operator CLI's changes to users, grants and clusters, their audit trail and its refusals, run in-process
// against the test database; the real process where the promise is about the process itself.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PasswordHasher } from '@oshift/access';
import { clusterSecretBinding, ClusterSecrets } from '@oshift/node-registry';
import { testServices } from '@oshift/testing';
import { type AdminCommand, type AdminRun, adminInProcess, adminProcess } from './admin.runner';

const suffix = randomBytes(4).toString('hex');
const actor = `e2e:admin-${suffix}`;
const key = randomBytes(32).toString('base64');
const environment = { DATABASE_URL: testServices().databaseUrl, ADMIN_ACTOR: actor, CLUSTER_SECRET_KEY: key };

describe('admin CLI', () => {
  const db = new Client({ connectionString: testServices().databaseUrl });
  const clusterId = `prod-${suffix}`;
  const username = `alice-${suffix}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const newPassword = `pw2-${randomBytes(8).toString('hex')}`;
  const osSecret = `os-secret-${randomBytes(8).toString('hex')}`;
  const everything: AdminRun[] = [];
  const recorded =
    (command: AdminCommand): AdminCommand =>
    async (...args) => {
      const result = await command(...args);
      everything.push(result);
      return result;
    };
  const run = recorded(adminInProcess(environment));
  const runProcess = recorded(adminProcess(environment));

  beforeAll(() => db.connect());
  afterAll(() => db.end());

  it('registers a cluster whose secret, read from stdin, is stored encrypted', async () => {
    // The real process: the secret piped to its stdin as an operator pipes it, its exit status, and (last test)
    // none of it on its real stdout or stderr.
    const added = await runProcess(
      [
        'cluster',
        'add',
        clusterId,
        '--auth-url',
        'http://127.0.0.1:5000/v3',
        '--app-credential-id',
        'ac-1',
        '--secret-stdin',
      ],
      `${osSecret}\n`,
    );
    expect(added).toEqual({ status: 0, stdout: `cluster ${clusterId} created (secret: enc)\n`, stderr: '' });

    const { rows } = await db.query(`SELECT * FROM clusters WHERE id = $1`, [clusterId]);
    expect(JSON.stringify(rows[0])).not.toContain(osSecret);
    expect(rows[0].secret_ref).toMatch(/^enc:v2:/);
    const secrets = new ClusterSecrets({ env: {}, encryptionKey: key });
    expect(secrets.resolve(rows[0].secret_ref, clusterSecretBinding(clusterId))).toBe(osSecret);

    const listed = await run(['cluster', 'list', '-o', 'json']);
    expect(listed.status).toBe(0);
    const cluster = (JSON.parse(listed.stdout) as Record<string, unknown>[]).find((entry) => entry.id === clusterId);
    expect(cluster).toMatchObject({
      authUrl: 'http://127.0.0.1:5000/v3',
      applicationCredentialId: 'ac-1',
      secretRefScheme: 'enc',
    });
    expect(cluster).not.toHaveProperty('secretRef');
    const table = await run(['cluster', 'list']);
    expect(table.stdout).toMatch(
      new RegExp(`^${clusterId} +http://127\\.0\\.0\\.1:5000/v3 .* app-credential:ac-1 +enc$`, 'm'),
    );
    expect(listed.stdout + table.stdout).not.toContain('enc:v');
  });

  it('adds a user with the password piped on stdin, and the stored hash verifies', async () => {
    const added = await run(['user', 'add', username, '--grant', `${clusterId}:reboot`], `${password}\n`);
    expect(added).toEqual({ status: 0, stdout: `added user ${username} with ${clusterId}:reboot\n`, stderr: '' });
    const hashOf = async () =>
      (await db.query(`SELECT password_hash FROM users WHERE username = $1`, [username])).rows[0]
        .password_hash as string;
    const hasher = new PasswordHasher();
    expect(await hasher.verify(await hashOf(), password)).toBe(true);

    expect((await run(['user', 'passwd', username], `${newPassword}\r\nignored second line\n`)).status).toBe(0);
    expect(await hasher.verify(await hashOf(), newPassword)).toBe(true);
    expect(await hasher.verify(await hashOf(), password)).toBe(false);
  });

  it('grants, revokes and lists users as JSON', async () => {
    expect(await run(['grant', username, clusterId, 'read'])).toMatchObject({
      status: 0,
      stdout: `${username} holds read on ${clusterId}\n`,
    });
    expect((await run(['revoke', username, clusterId, 'reboot'])).status).toBe(0);
    expect((await run(['user', 'disable', username])).status).toBe(0);

    const listed = await run(['user', 'list', '-o', 'json']);
    expect(listed.status).toBe(0);
    const users = JSON.parse(listed.stdout) as { username: string }[];
    expect(users.find((user) => user.username === username)).toEqual({
      username,
      disabled: true,
      grants: [{ clusterId, role: 'read' }],
    });
    const table = await run(['user', 'list']);
    expect(table.stdout).toMatch(new RegExp(`^${username} +disabled +${clusterId}:read$`, 'm'));
  });

  it('shows the audit trail of these changes, newest first, without any secret', async () => {
    const audit = await run(['audit', '--user', actor, '-o', 'json']);
    expect(audit.status).toBe(0);
    const events = JSON.parse(audit.stdout) as Record<string, unknown>[];
    expect(events.map((event) => [event.action, event.target, event.clusterId, event.outcome])).toEqual([
      ['user.disable', username, null, 'ok'],
      ['grant.revoke', username, clusterId, 'ok'],
      ['grant.add', username, clusterId, 'ok'],
      ['user.passwd', username, null, 'ok'],
      ['user.add', username, null, 'ok'],
      ['cluster.create', clusterId, clusterId, 'ok'],
    ]);
    expect(events.every((event) => event.actor === actor && String(event.source).startsWith('cli:'))).toBe(true);
    expect(events[5].detail).toMatchObject({ applicationCredentialId: 'ac-1', secretRefScheme: 'enc' });

    const onCluster = await run(['audit', '--cluster', clusterId, '--limit', '2', '-o', 'json']);
    expect((JSON.parse(onCluster.stdout) as Record<string, unknown>[]).map((event) => event.action)).toEqual([
      'grant.revoke',
      'grant.add',
    ]);
    const later = await run([
      'audit',
      '--user',
      actor,
      '--since',
      new Date(Date.now() + 60_000).toISOString(),
      '-o',
      'json',
    ]);
    expect(JSON.parse(later.stdout)).toEqual([]);
    const table = await run(['audit', '--user', actor]);
    expect(table.stdout.split('\n')[0]).toMatch(/^AT +ACTOR +SOURCE +ACTION +CLUSTER +TARGET +OUTCOME +DETAIL$/);

    const { rows } = await db.query(`SELECT * FROM audit_events`);
    const stored = JSON.stringify(rows);
    for (const secret of [password, newPassword, osSecret]) expect(stored).not.toContain(secret);
  });

  it('answers a usage error with status 2 and one line', async () => {
    for (const args of [
      ['grant', username],
      ['user', 'add', username, '--password', 'x'],
      ['frobnicate'],
      [],
      ['audit', '--limit', 'lots'],
      // -o json, as oshift says it; --json is gone.
      ['user', 'list', '--json'],
      ['cluster', 'list', '-o', 'xml'],
    ]) {
      const result = await run(args);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^usage error: [^\n]+\n$/);
    }
    // The real binary exits with that status, as a shell script sees it.
    expect(await runProcess(['frobnicate'])).toEqual({
      status: 2,
      stdout: '',
      stderr: expect.stringMatching(/^usage error: [^\n]+\n$/),
    });
  });

  it('answers a refused change with status 1 and one clear line, never a stack trace', async () => {
    const cases: [string[], string, Record<string, string>, RegExp][] = [
      [['user', 'add', username], `${password}\n`, {}, /^error: user .* already exists\n$/],
      [['user', 'add', `bob-${suffix}`], '', {}, /^error: no password on stdin/],
      [['user', 'add', `bob-${suffix}`], 'short\n', {}, /^error: password too short/],
      [['grant', username, `nowhere-${suffix}`, 'read'], '', {}, /^error: unknown cluster nowhere-/],
      [['user', 'passwd', `nobody-${suffix}`], `${password}\n`, {}, /^error: unknown user nobody-/],
      [
        [
          'cluster',
          'add',
          `other-${suffix}`,
          '--auth-url',
          'http://127.0.0.1:5000/v3',
          '--app-credential-id',
          'ac',
          '--secret-stdin',
        ],
        `${osSecret}\n`,
        { CLUSTER_SECRET_KEY: '' },
        /^error: --secret-stdin needs CLUSTER_SECRET_KEY/,
      ],
      [
        [
          'cluster',
          'add',
          `other-${suffix}`,
          '--auth-url',
          'http://127.0.0.1:5000/v3',
          '--app-credential-id',
          'ac',
          '--secret-ref',
          osSecret,
        ],
        '',
        {},
        /^error: secret reference must be env:NAME/,
      ],
      [
        // A variable the gateways and workers would refuse at the cluster's first call: refused now.
        [
          'cluster',
          'add',
          `other-${suffix}`,
          '--auth-url',
          'http://127.0.0.1:5000/v3',
          '--app-credential-id',
          'ac',
          '--secret-ref',
          'env:OS_APPCRED_ACME',
        ],
        '',
        {},
        /^error: env: secret references must name a variable starting with OSHIFT_SECRET_ \(CLUSTER_SECRET_ENV_PREFIX\)\n$/,
      ],
      [['cluster', 'remove', `nowhere-${suffix}`], '', {}, /^error: unknown cluster nowhere-/],
      [['user', 'list'], '', { DATABASE_URL: '' }, /^error: invalid configuration: DATABASE_URL/],
    ];
    for (const [args, input, env, message] of cases) {
      const result = await run(args, input, env);
      expect({ args, status: result.status, stdout: result.stdout }).toEqual({ args, status: 1, stdout: '' });
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('never printed a password or secret', () => {
    const printed = everything.map((result) => result.stdout + result.stderr).join('\n');
    expect(everything.length).toBeGreaterThan(20);
    for (const secret of [password, newPassword, osSecret]) expect(printed).not.toContain(secret);
  });
});
