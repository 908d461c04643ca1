import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** `GET job/{id}` (fields and `?since`), `GET jobs`, `GET /api/me`, reboot `type`, and request validation. */
describe('the job resource', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;
  let operator: TestUser;
  let base: string;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 1200 } });
    [viewer, operator] = await Promise.all([system.user(['read']), system.user(['reboot'])]);
    base = `/api/openshift/${system.clusterId}`;
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  const get = async (path: string, user: TestUser = viewer) => {
    const response = await system.request('GET', path, { user });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers state, target, type, requested_by and RFC 3339 times beside the reference output', async () => {
    const before = Date.now();
    const jobId = await startReboot(system, operator, 'worker-0.openstacklocal');
    const early = await get(`${base}/job/${jobId}`);
    expect(early.status).toBe(200);
    expect(['queued', 'running']).toContain(early.body.state);
    expect(early.body).toMatchObject({
      target: 'worker-0.openstacklocal',
      type: 'SOFT',
      requested_by: operator.username,
      ended_at: null,
    });
    expect(early.body.created_at).toMatch(RFC3339);
    if (early.body.state === 'queued') expect(early.body.started_at).toBeNull();

    await followJob(system, viewer, jobId);
    const { body } = await get(`${base}/job/${jobId}`);
    expect(Object.keys(body)).toEqual([
      'output',
      'errors',
      'state',
      'target',
      'type',
      'requested_by',
      'created_at',
      'started_at',
      'ended_at',
      'kind',
    ]);
    expect(body.state).toBe('done');
    expect(body.kind).toBe('reboot');
    expect((body.output as string).split('\n').slice(-1)).toEqual(['Done']);
    const [created, started, ended] = [body.created_at, body.started_at, body.ended_at].map((t) => {
      expect(t).toMatch(RFC3339);
      return Date.parse(t as string);
    });
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(started).toBeGreaterThanOrEqual(created!);
    expect(ended).toBeGreaterThan(started!);
    expect(ended).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('answers the lines after the N-th with ?since, Done included, and next as the cursor', async () => {
    const jobId = await startReboot(system, operator, 'worker-1.openstacklocal');
    const whole = (await followJob(system, viewer, jobId)).output.split('\n');
    const all = await get(`${base}/job/${jobId}?since=0`);
    expect(Object.keys(all.body)).toEqual(['state', 'errors', 'lines', 'next']);
    const lines = all.body.lines as { n: number; time: string; text: string }[];
    expect(lines.map((line) => line.text)).toEqual(whole);
    expect(lines.map((line) => line.n)).toEqual(whole.map((_, index) => index + 1));
    for (const line of lines) expect(Object.keys(line)).toEqual(['n', 'time', 'text']);
    expect(lines.every((line, i) => line.time.match(RFC3339) && (i === 0 || line.time >= lines[i - 1]!.time))).toBe(
      true,
    );
    expect(all.body).toMatchObject({ state: 'done', errors: '', next: whole.length });

    const tail = await get(`${base}/job/${jobId}?since=2`);
    expect(tail.body).toEqual({ state: 'done', errors: '', lines: lines.slice(2), next: whole.length });
    const none = await get(`${base}/job/${jobId}?since=${whole.length + 5}`);
    expect(none.body).toEqual({ state: 'done', errors: '', lines: [], next: whole.length + 5 });

    for (const [query, error] of [
      ['since=-1', 'since must be a whole number'],
      ['since=abc', 'since must be a whole number'],
      ['since=1&since=2', 'since must be given once'],
      ['sinc=1', 'unknown parameter sinc'],
    ]) {
      expect(await get(`${base}/job/${jobId}?${query}`)).toEqual({ status: 400, body: { error } });
    }
  });

  it('reboots HARD when asked (Nova shows HARD_REBOOT), and refuses other types and unknown fields', async () => {
    const response = await system.request('POST', `${base}/reboot`, {
      user: operator,
      json: { target: 'infra-0.openstacklocal', type: 'HARD' },
    });
    expect(response.status).toBe(202);
    const { job_id: jobId } = (await response.json()) as { job_id: string };
    const last = await followJob(system, viewer, jobId);
    expect(last.output).toMatch(/^infra-0\.openstacklocal HARD_REBOOT\n/);
    expect((await get(`${base}/job/${jobId}`)).body).toMatchObject({ type: 'HARD', state: 'done' });

    for (const [form, error] of [
      [{ target: 'infra-1.openstacklocal', type: 'hard' }, 'type must be SOFT or HARD'],
      [{ target: 'infra-1.openstacklocal', force: 'true' }, 'unknown field force'],
      [{ target: 'infra-1.openstacklocal', dry_run: 'yes' }, 'dry_run must be true or false'],
    ] as const) {
      const refused = await system.request('POST', `${base}/reboot`, { user: operator, form });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error });
    }
    expect(system.simulator.rebootActions('infra-1.openstacklocal')).toBe(0);
  });

  it('lists the cluster’s jobs newest first, filtered, a page at a time', async () => {
    const ids = [];
    for (const target of ['master-0', 'master-1', 'master-2'].map((name) => `${name}.openstacklocal`)) {
      ids.push(await startReboot(system, operator, target));
    }
    const firstPage = await get(`${base}/jobs?limit=2`);
    expect(firstPage.status).toBe(200);
    const jobs = firstPage.body.jobs as Record<string, unknown>[];
    expect(jobs.map((job) => job.job_id)).toEqual([ids[2], ids[1]]);
    expect(Object.keys(jobs[0]!)).toEqual([
      'job_id',
      'target',
      'type',
      'state',
      'created_at',
      'ended_at',
      'kind',
      'status_url',
    ]);
    expect(jobs[0]).toMatchObject({
      target: 'master-2.openstacklocal',
      type: 'SOFT',
      status_url: `${system.publicUrl}${base}/job/${ids[2]}`,
    });
    expect(typeof firstPage.body.next).toBe('string');
    const secondPage = await get(`${base}/jobs?limit=2&before=${firstPage.body.next as string}`);
    expect((secondPage.body.jobs as { job_id: string }[])[0]!.job_id).toBe(ids[0]);

    const everything: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`${base}/jobs?limit=1${cursor ? `&before=${cursor}` : ''}`);
      everything.push(...(page.body.jobs as { job_id: string }[]).map((job) => job.job_id));
      cursor = page.body.next as string | null;
    } while (cursor);
    expect(everything.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
    expect(new Set(everything).size).toBe(everything.length);

    for (const id of ids) await followJob(system, viewer, id);
    const byTarget = await get(`${base}/jobs?target=master-1.openstacklocal&state=done`);
    expect((byTarget.body.jobs as { job_id: string }[]).map((job) => job.job_id)).toEqual([ids[1]]);
    expect((byTarget.body.jobs as { ended_at: string }[])[0]!.ended_at).toMatch(RFC3339);
    expect(byTarget.body.next).toBeNull();
    expect((await get(`${base}/jobs?state=running`)).body).toEqual({ jobs: [], next: null });

    for (const [query, error] of [
      ['limit=101', 'limit must be between 1 and 100'],
      ['limit=0', 'limit must be between 1 and 100'],
      ['state=finished', 'state must be one of queued, waiting, running, done, failed'],
      ['before=not-a-cursor', 'before must be the next cursor of an earlier page'],
      ['sort=asc', 'unknown parameter sort'],
    ]) {
      expect(await get(`${base}/jobs?${query}`)).toEqual({ status: 400, body: { error } });
    }
    const stranger = await system.user([]);
    expect(await get(`${base}/jobs`, stranger)).toEqual({ status: 404, body: { error: 'Not Found' } });
  });

  it('replays a reboot repeated with its Idempotency-Key, and refuses the key with another body (422)', async () => {
    const key = `key-${Date.now()}`;
    const post = (user: TestUser, body: Record<string, string>, json = false) =>
      system.request('POST', `${base}/reboot`, {
        user,
        ...(json ? { json: body } : { form: body }),
        headers: { 'idempotency-key': key },
      });
    const first = await post(operator, { target: 'haproxy-0.openstacklocal' });
    expect(first.status).toBe(202);
    const firstBody = await first.text();
    const { job_id: jobId } = JSON.parse(firstBody) as { job_id: string };

    // The retry of a lost answer, while the job runs and after it ended, as form or JSON: the first answer.
    const again = await post(operator, { target: 'haproxy-0.openstacklocal' }, true);
    expect(again.status).toBe(202);
    expect(await again.text()).toBe(firstBody);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    await followJob(system, viewer, jobId);
    const later = await post(operator, { target: 'haproxy-0.openstacklocal' });
    expect([later.status, await later.text()]).toEqual([202, firstBody]);
    expect(system.simulator.rebootActions('haproxy-0.openstacklocal')).toBe(1);

    const other = await post(operator, { target: 'haproxy-1.openstacklocal' });
    expect(other.status).toBe(422);
    expect(await other.json()).toEqual({ error: 'Idempotency-Key reused with another request' });
    const harder = await post(operator, { target: 'haproxy-0.openstacklocal', type: 'HARD' });
    expect(harder.status).toBe(422);
    expect(system.simulator.rebootActions('haproxy-1.openstacklocal')).toBe(0);

    // Keys belong to their user: another operator's same key starts its own job.
    const colleague = await system.user(['reboot']);
    const theirs = await post(colleague, { target: 'haproxy-1.openstacklocal' });
    expect(theirs.status).toBe(202);
    const theirJob = ((await theirs.json()) as { job_id: string }).job_id;
    expect(theirJob).not.toBe(jobId);
    await followJob(system, viewer, theirJob);

    // Sent at once (a client retrying fast): one job, one reboot, every answer naming it.
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        system.request('POST', `${base}/reboot`, {
          user: operator,
          form: { target: 'worker-2.openstacklocal' },
          headers: { 'idempotency-key': `${key}-race` },
        }),
      ),
    );
    const answers = await Promise.all(racing.map(async (r) => [r.status, await r.text()] as const));
    expect(new Set(answers.map(([status]) => status))).toEqual(new Set([202]));
    expect(new Set(answers.map(([, body]) => body)).size).toBe(1);
    await followJob(system, viewer, (JSON.parse(answers[0]![1]) as { job_id: string }).job_id);
    expect(system.simulator.rebootActions('worker-2.openstacklocal')).toBe(1);

    const bad = await system.request('POST', `${base}/reboot`, {
      user: operator,
      form: { target: 'haproxy-1.openstacklocal' },
      headers: { 'idempotency-key': 'é'.repeat(3) },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'Idempotency-Key must be 1 to 255 printable characters' });
  });

  it('tells each caller who they are and their clusters with their roles: GET /api/me', async () => {
    const stranger = await system.user([]);
    expect(await get('/api/me', viewer)).toEqual({
      status: 200,
      body: { user: viewer.username, clusters: [{ id: system.clusterId, roles: ['read'] }] },
    });
    expect(await get('/api/me', operator)).toEqual({
      status: 200,
      body: { user: operator.username, clusters: [{ id: system.clusterId, roles: ['read', 'reboot'] }] },
    });
    expect(await get('/api/me', stranger)).toEqual({ status: 200, body: { user: stranger.username, clusters: [] } });
    const anonymous = await system.request('GET', '/api/me');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'Unauthorized' });
  });
});
