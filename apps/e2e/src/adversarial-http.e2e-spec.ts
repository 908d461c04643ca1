import { connect } from 'node:net';
import { type AuditEventEntity, AuditLog } from '@oshift/audit';
import { type LogLine, logLines } from './log-lines';
import { basic, requestFrom, type Answer } from './request-from';
import { SystemUnderTest, type TestUser } from './system-under-test';

const REFUSED = '{"error":"Cross-site request refused"}';
const SLOW = 'worker-0.openstacklocal';
const WAITING = 'worker-1.openstacklocal';

/**
 * The HTTP boundary as an attacker meets it without a browser: what a page of another site makes a browser
 * send (`Origin`, `Sec-Fetch-Site`), query parameters a state-changing call would ignore, the headers every
 * answer carries, and request ids a caller cannot impose.
 */
describe('adversarial: the HTTP boundary', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let base: string;
  let publicOrigin: string;
  let nodes: string[];

  const call = (
    method: string,
    path: string,
    options: { user?: TestUser; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Answer> =>
    requestFrom('127.0.0.1', `${system.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.user ? { authorization: basic(options.user.username, options.user.password) } : {}),
        ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...options.headers,
      },
      body: options.form ? new URLSearchParams(options.form).toString() : undefined,
    });

  const reboots = () => Object.fromEntries(nodes.map((node) => [node, system.simulator.rebootActions(node)]));
  const jobs = async () =>
    (await system.dataSource.query(`SELECT id, target, state FROM jobs WHERE cluster_id = $1 ORDER BY id`, [
      system.clusterId,
    ])) as { id: string; target: string; state: string }[];
  const audit = () => AuditLog.query(system.dataSource, { clusterId: system.clusterId, limit: 1000 });
  const jobState = async (jobId: string) =>
    JSON.parse((await call('GET', `${base}/job/${jobId}`, { user: operator })).body) as Record<string, unknown>;

  /** A reboot of `target` held back by the rules (the slow worker reboots): 202, `waiting`, cancellable. */
  async function waitingReboot(headers: Record<string, string> = {}): Promise<string> {
    const started = await call('POST', `${base}/reboot`, { user: operator, form: { target: WAITING }, headers });
    expect(started.status).toBe(202);
    const jobId = (JSON.parse(started.body) as { job_id: string }).job_id;
    for (let tries = 0; (await jobState(jobId)).state !== 'waiting'; tries++) {
      if (tries > 100) throw new Error('the reboot never waited');
      await new Promise((done) => setTimeout(done, 50));
    }
    return jobId;
  }

  beforeAll(async () => {
    system = await SystemUnderTest.start();
    operator = await system.user(['read', 'reboot']);
    base = `/api/openshift/${system.clusterId}`;
    publicOrigin = new URL(system.publicUrl).origin;
    nodes = (
      JSON.parse((await call('GET', `${base}/nodestatus`, { user: operator })).body) as { nodename: string }[]
    ).map((node) => node.nodename);
    // One worker reboots for the whole suite, so every other worker reboot waits (and stays cancellable).
    system.simulator.setKnobs({ rebootDurationMs: 600_000 }, SLOW);
    const slow = await call('POST', `${base}/reboot`, { user: operator, form: { target: SLOW } });
    expect(slow.status).toBe(202);
    for (let tries = 0; system.simulator.rebootActions(SLOW) === 0; tries++) {
      if (tries > 200) throw new Error('the slow reboot never reached Nova');
      await new Promise((done) => setTimeout(done, 50));
    }
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  describe('a state-changing request from another site', () => {
    const refusedVariants: [string, Record<string, string>][] = [
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
      ['a foreign Origin', { origin: 'https://attacker.example' }],
      ['Origin: null (a sandboxed frame, a redirected form)', { origin: 'null' }],
      ['the public origin with Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: 'PUBLIC' }],
      [
        'Sec-Fetch-Site: same-origin from a foreign Origin',
        { 'sec-fetch-site': 'same-origin', origin: 'http://x.test' },
      ],
    ];
    const withOrigin = (headers: Record<string, string>) =>
      headers.origin === 'PUBLIC' ? { ...headers, origin: publicOrigin } : headers;

    it.each(refusedVariants)(
      'is refused with 403 before anything happens: %s',
      async (_name, variant) => {
        const waiting = await waitingReboot();
        const [rebootsBefore, jobsBefore, auditBefore] = [reboots(), await jobs(), (await audit()).length];
        const headers = withOrigin(variant);

        const attempts = [
          await call('POST', `${base}/reboot`, {
            user: operator,
            form: { target: 'worker-2.openstacklocal', type: 'HARD' },
            headers,
          }),
          await call('POST', `${base}/rolling-reboot`, {
            user: operator,
            form: { type: 'HARD', role: 'all' },
            headers,
          }),
          await call('DELETE', `${base}/job/${waiting}`, { user: operator, headers }),
          // Without credentials too: the refusal comes first, so it says nothing about them.
          await call('POST', `${base}/reboot`, { form: { target: 'worker-2.openstacklocal' }, headers }),
        ];
        expect(attempts.map((answer) => [answer.status, answer.headers['content-type'], answer.body])).toEqual(
          Array(4).fill([403, 'application/json; charset=utf-8', REFUSED]),
        );
        expect(attempts.map((answer) => answer.headers['www-authenticate'])).toEqual(Array(4).fill(undefined));

        await new Promise((done) => setTimeout(done, 300)); // a job the worker would have picked up by now
        expect(reboots()).toEqual(rebootsBefore);
        expect(await jobs()).toEqual(jobsBefore);
        expect((await audit()).length).toBe(auditBefore);
        const after = await jobState(waiting);
        expect([after.state, after.cancelled_by ?? null]).toEqual(['waiting', null]);
        expect((await call('DELETE', `${base}/job/${waiting}`, { user: operator })).status).toBe(200);
      },
      30_000,
    );

    const acceptedVariants: [string, Record<string, string>][] = [
      ['neither header (curl, oshift, scripts)', {}],
      ['Origin: the origin of PUBLIC_URL', { origin: 'PUBLIC' }],
      ['Sec-Fetch-Site: same-origin (the page itself)', { 'sec-fetch-site': 'same-origin', origin: 'PUBLIC' }],
      ['Sec-Fetch-Site: none (typed by the user)', { 'sec-fetch-site': 'none' }],
    ];

    it.each(acceptedVariants)(
      'is taken when it comes from the service itself: %s',
      async (_name, variant) => {
        const headers = withOrigin(variant);
        const jobId = await waitingReboot(headers);
        const forecast = await call('POST', `${base}/rolling-reboot`, {
          user: operator,
          form: { role: 'infra', dry_run: 'true' },
          headers,
        });
        expect([forecast.status, JSON.parse(forecast.body)]).toEqual([
          200,
          expect.objectContaining({ nodes: ['infra-0.openstacklocal', 'infra-1.openstacklocal'] }),
        ]);
        const cancelled = await call('DELETE', `${base}/job/${jobId}`, { user: operator, headers });
        expect([cancelled.status, JSON.parse(cancelled.body)]).toEqual([
          200,
          expect.objectContaining({ target: WAITING, state: 'failed', cancelled_by: operator.username }),
        ]);
      },
      30_000,
    );

    it('leaves reading alone: a cross-site GET is answered as any other', async () => {
      const answer = await call('GET', `${base}/nodestatus`, {
        user: operator,
        headers: { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
      });
      expect(answer.status).toBe(200);
    });
  });

  describe('query parameters', () => {
    it('POST reboot?dry_run=true with a body: 400 naming dry_run, no reboot, no job, a refusal on record', async () => {
      const [rebootsBefore, jobsBefore] = [reboots(), await jobs()];
      const answer = await call('POST', `${base}/reboot?dry_run=true`, {
        user: operator,
        form: { target: 'worker-2.openstacklocal' },
      });
      expect([answer.status, answer.body]).toEqual([400, '{"error":"unknown parameter dry_run"}']);
      await new Promise((done) => setTimeout(done, 300));
      expect(system.simulator.rebootActions('worker-2.openstacklocal')).toBe(0);
      expect(reboots()).toEqual(rebootsBefore);
      expect(await jobs()).toEqual(jobsBefore);
      const [latest] = await audit();
      expect(latest).toMatchObject({
        actor: operator.username,
        action: 'node.reboot',
        target: 'worker-2.openstacklocal',
        outcome: 'refused',
        detail: expect.objectContaining({ reason: 'invalid input', error: 'unknown parameter dry_run' }),
      } satisfies Partial<Record<keyof AuditEventEntity, unknown>>);
    });

    it('refuses any query parameter on every POST and DELETE, and an unknown one on every GET', async () => {
      const waiting = await waitingReboot();
      const jobsBefore = await jobs();
      const cases: [string, string, Record<string, string> | undefined, string][] = [
        ['POST', `${base}/reboot?target=worker-2.openstacklocal`, { target: 'worker-2.openstacklocal' }, 'target'],
        ['POST', `${base}/rolling-reboot?role=infra`, { role: 'infra' }, 'role'],
        ['POST', `${base}/rolling-reboot?dry_run`, {}, 'dry_run'],
        ['DELETE', `${base}/job/${waiting}?force=true`, undefined, 'force'],
        ['GET', `${base}/nodestatus?refresh=1`, undefined, 'refresh'],
        ['GET', `${base}/job/${waiting}?sinc=1`, undefined, 'sinc'],
        ['GET', `${base}/jobs?sort=asc`, undefined, 'sort'],
        ['GET', `/api/me?cluster=x`, undefined, 'cluster'],
        ['GET', `/healthz?verbose`, undefined, 'verbose'],
        ['GET', `/readyz?format=json`, undefined, 'format'],
      ];
      const answers = [];
      for (const [method, path, form] of cases) answers.push(await call(method, path, { user: operator, form }));
      expect(answers.map((answer) => [answer.status, answer.body])).toEqual(
        cases.map(([, , , name]) => [400, JSON.stringify({ error: `unknown parameter ${name}` })]),
      );
      expect(await jobs()).toEqual(jobsBefore);
      expect(await jobState(waiting)).toMatchObject({ state: 'waiting' });
      // What the routes do read still works; the page takes any query (the SSO callback's code and state).
      expect((await call('GET', `${base}/job/${waiting}?since=0`, { user: operator })).status).toBe(200);
      expect((await call('GET', `${base}/jobs?state=waiting&limit=5`, { user: operator })).status).toBe(200);
      expect((await call('DELETE', `${base}/job/${waiting}`, { user: operator })).status).toBe(200);
    });

    it('checks the caller before the query: 401 without credentials, 404 on a cluster without a grant', async () => {
      const anonymous = await call('GET', `${base}/nodestatus?refresh=1`);
      expect(anonymous.status).toBe(401);
      const elsewhere = await call('GET', `/api/openshift/no-such-cluster/nodestatus?refresh=1`, { user: operator });
      expect([elsewhere.status, elsewhere.body]).toEqual([404, JSON.stringify({ error: 'Not Found' })]);
    });
  });

  describe('headers of every answer', () => {
    const SAFE = {
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'strict-transport-security': 'max-age=31536000',
    };

    it.each([
      ['200', () => call('GET', `${base}/nodestatus`, { user: operator }), 200],
      ['401', () => call('GET', `${base}/nodestatus`), 401],
      ['404 of an unknown route', () => call('GET', '/no/such/route'), 404],
      ['400 of a query parameter', () => call('GET', `${base}/nodestatus?x=1`, { user: operator }), 400],
      ['400 of the router (bad percent-encoding)', () => call('GET', `${base}/job/%zz`, { user: operator }), 400],
      ['403 of a cross-site request', () => call('POST', `${base}/reboot`, { headers: { origin: 'null' } }), 403],
      ['200 of the health check', () => call('GET', '/healthz'), 200],
    ] as const)('a %s carries nosniff, no-store and HSTS (PUBLIC_URL is https)', async (_name, send, status) => {
      const answer = await send();
      expect(answer.status).toBe(status);
      expect(answer.headers).toMatchObject(SAFE);
    });

    it('a request Node itself cannot parse is answered with nosniff and no-store too', async () => {
      const { port } = new URL(system.baseUrl);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write('GET / HTTP/1.1\r\nHost: x\r\nBad header\r\n\r\n'),
        );
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
      expect(raw).toContain('\r\nx-content-type-options: nosniff\r\n');
      expect(raw).toContain('\r\ncache-control: no-store\r\n');
    });

    it('the page keeps its own revalidated caching, and its missing files are no-store', async () => {
      const page = await call('GET', '/');
      expect(page.headers).toMatchObject({ ...SAFE, 'cache-control': 'no-cache' });
      expect((await call('GET', '/assets/none.js')).headers).toMatchObject(SAFE);
    });

    it('the event stream is no-store too', async () => {
      const jobId = (await jobs())[0].id;
      const stream = await new Promise<Answer>((resolve, reject) => {
        const controller = new AbortController();
        void fetch(`${system.baseUrl}${base}/job/${jobId}`, {
          headers: { accept: 'text/event-stream', authorization: basic(operator.username, operator.password) },
          signal: controller.signal,
        })
          .then((response) => {
            resolve({ status: response.status, headers: Object.fromEntries(response.headers), body: '' });
            controller.abort();
          })
          .catch(reject);
      });
      expect(stream.status).toBe(200);
      expect(stream.headers).toMatchObject({ ...SAFE, 'cache-control': 'no-store, no-transform' });
    });
  });

  describe('request ids', () => {
    /** The request log lines of these server ids, once the gateway has written them all. */
    async function requestLines(ids: string[]): Promise<LogLine[]> {
      for (let tries = 0; ; tries++) {
        const lines = logLines(system.gateway).filter(
          (line) => line.msg === 'request' && ids.includes(String(line.requestId)),
        );
        if (lines.length === ids.length || tries > 50) return lines;
        await new Promise((done) => setTimeout(done, 50));
      }
    }

    it('are always the server’s own; the client’s X-Request-ID is kept as client_request_id', async () => {
      const mine = 'shared-request-id';
      const answers = [
        await call('POST', `${base}/reboot`, {
          user: operator,
          form: { target: 'infra-0.openstacklocal', dry_run: 'true' },
          headers: { 'x-request-id': mine },
        }),
        await call('POST', `${base}/reboot`, {
          user: operator,
          form: { target: 'infra-1.openstacklocal', dry_run: 'true' },
          headers: { 'x-request-id': mine },
        }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const ids = answers.map((answer) => String(answer.headers['x-request-id']));
      expect(ids[0]).not.toBe(ids[1]);
      expect(ids).not.toContain(mine);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);

      const records = (await audit()).filter((event) => ids.includes(String(event.detail.requestId)));
      expect(records.map((event) => [event.target, event.outcome, event.detail.client_request_id]).sort()).toEqual([
        ['infra-0.openstacklocal', 'dry-run', mine],
        ['infra-1.openstacklocal', 'dry-run', mine],
      ]);
      const lines = await requestLines(ids);
      expect(lines.map((line) => line.client_request_id)).toEqual([mine, mine]);
    });

    it('keeps no client id that is not a valid one', async () => {
      const answer = await call('GET', `${base}/nodestatus`, {
        user: operator,
        headers: { 'x-request-id': 'two words' },
      });
      const id = String(answer.headers['x-request-id']);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const [line] = await requestLines([id]);
      expect(line).toMatchObject({ status: 200, requestId: id });
      expect(line).not.toHaveProperty('client_request_id');
    });
  });
});
