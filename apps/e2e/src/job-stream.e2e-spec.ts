import type Redis from 'ioredis';
import { connectRedis } from '@oshift/redis';
import { EventStreamClient, testServices } from '@oshift/testing';
import { startReboot } from './job-polling';
import { basic } from './request-from';
import { SystemUnderTest, type TestUser } from './system-under-test';

/** The job URL with `Accept: text/event-stream`: replay, live lines, the end, resuming, leaving. */
describe('the job event stream', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;
  let operator: TestUser;
  let redis: Redis;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 1500 } });
    [viewer, operator] = await Promise.all([system.user(['read']), system.user(['reboot'])]);
    redis = connectRedis(testServices().redisUrl, 'one-shot');
  }, 120000);

  afterAll(async () => {
    redis?.disconnect();
    await system?.stop();
  });

  const jobUrl = (jobId: string) => `${system.baseUrl}/api/openshift/${system.clusterId}/job/${jobId}`;
  const follow = (jobId: string, headers: Record<string, string> = {}) =>
    EventStreamClient.open(jobUrl(jobId), { authorization: basic(viewer.username, viewer.password), ...headers });
  const endOf = (client: EventStreamClient) => client.events.find((event) => event.event === 'end');
  const subscribers = async (jobId: string) => {
    const [, count] = (await redis.pubsub('NUMSUB', `${system.redisPrefix}:job-events:${jobId}`)) as [string, number];
    return count;
  };

  /** Lines numbered from 1 without a gap, ending `<node> ACTIVE`, `Done`. */
  const expectWholeOutput = (client: EventStreamClient, target: string) => {
    const lines = client.lines;
    expect(lines.map((line) => line.id)).toEqual(lines.map((_, index) => index + 1));
    expect(lines.slice(-2).map((line) => line.text)).toEqual([`${target} ACTIVE`, 'Done']);
    expect(new Set(lines.slice(0, -2).map((line) => line.text))).toEqual(new Set([`${target} REBOOT`]));
  };

  it('follows a job from before it starts to its end: each line as it is written, then end, then closes', async () => {
    // The worker is paused, so the job stays queued while the follower connects.
    const worker = system.workers[0]!;
    process.kill(worker.pid!, 'SIGSTOP');
    let jobId: string;
    let client: EventStreamClient;
    try {
      jobId = await startReboot(system, operator, 'worker-0.openstacklocal');
      client = await follow(jobId);
      expect(client.status).toBe(200);
      expect(client.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(client.response.headers['cache-control']).toMatch(/no-store/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(client.events).toEqual([]);
      expect(await subscribers(jobId)).toBe(1);
    } finally {
      process.kill(worker.pid!, 'SIGCONT');
    }
    // Lines arrive while the job runs, before its end.
    await client.waitFor((c) => c.lines.length >= 1);
    expect(endOf(client)).toBeUndefined();
    await client.ended;
    expectWholeOutput(client, 'worker-0.openstacklocal');
    expect(client.events.at(-1)).toEqual({ event: 'end', data: '{"state":"done","errors":""}' });
    // The JSON view says the same.
    const json = await system.request('GET', `/api/openshift/${system.clusterId}/job/${jobId}`, { user: viewer });
    const body = (await json.json()) as { output: string };
    expect(body.output).toBe(client.lines.map((line) => line.text).join('\n'));
    expect(await subscribers(jobId)).toBe(0);
  });

  it('gives a follower that connects after the end the replay and end at once', async () => {
    const jobId = await startReboot(system, operator, 'worker-1.openstacklocal');
    const first = await follow(jobId);
    await first.ended;
    const late = await follow(jobId);
    await late.ended;
    expect(late.events).toEqual(first.events);
    expectWholeOutput(late, 'worker-1.openstacklocal');
    expect(endOf(late)?.data).toBe('{"state":"done","errors":""}');
  });

  it('resumes after Last-Event-ID, and after ?since when no Last-Event-ID is sent', async () => {
    const jobId = await startReboot(system, operator, 'worker-2.openstacklocal');
    const whole = await follow(jobId);
    await whole.ended;
    const all = whole.lines;
    // At least a REBOOT line, the ACTIVE line and Done (a loaded machine may poll the 1.5 s reboot only once),
    // so resuming after the second leaves at least one line.
    expect(all.length).toBeGreaterThanOrEqual(3);

    const resumed = await follow(jobId, { 'last-event-id': '2' });
    await resumed.ended;
    expect(resumed.lines).toEqual(all.slice(2));
    expect(endOf(resumed)).toEqual(endOf(whole));

    const since = await EventStreamClient.open(`${jobUrl(jobId)}?since=3`, {
      authorization: basic(viewer.username, viewer.password),
    });
    await since.ended;
    expect(since.lines).toEqual(all.slice(3));

    const bad = await follow(jobId, { 'last-event-id': 'yesterday' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(await bad.body)).toEqual({ error: 'Last-Event-ID must be a line number' });
  });

  it('lets a client leave mid-stream: its subscription goes, the job goes on, nothing stays behind', async () => {
    const jobId = await startReboot(system, operator, 'infra-0.openstacklocal');
    const leaving = await follow(jobId);
    const staying = await follow(jobId);
    await leaving.waitFor((c) => c.lines.length >= 1);
    expect(await subscribers(jobId)).toBe(1); // one channel subscription per job, whatever the followers
    leaving.close();
    await staying.ended;
    expectWholeOutput(staying, 'infra-0.openstacklocal');
    // Both followers gone: the gateway drops the job's subscription.
    for (let i = 0; i < 50 && (await subscribers(jobId)) > 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(await subscribers(jobId)).toBe(0);
    expect(leaving.events.some((event) => event.event === 'end')).toBe(false);
  });

  it('answers an unknown job and an ungranted caller with the JSON 404s, not a stream', async () => {
    const unknown = await follow('AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(await unknown.body)).toEqual({ error: 'Job Not found' });
    const stranger = await system.user([]);
    const hidden = await EventStreamClient.open(jobUrl('AAAAAAAAAAAAAAAAAAAAAA'), {
      authorization: basic(stranger.username, stranger.password),
    });
    expect(hidden.status).toBe(404);
    expect(JSON.parse(await hidden.body)).toEqual({ error: 'Not Found' });
  });
  describe('the OpenAPI document', () => {
    let document: OpenApiDocument;

    beforeAll(async () => {
      document = (await (await system.request('GET', '/openapi.json')).json()) as OpenApiDocument;
    });

    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const keys = (name: string) => Object.keys(document.components.schemas[name]?.properties ?? {}).sort();

    it('describes the job, its lines, the event stream, the job list, /api/me and Idempotency-Key', async () => {
      const job = document.paths['/api/openshift/{clusterId}/job/{jobId}']!.get!;
      expect(job.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(
        expect.arrayContaining(['path:jobId', 'query:since', 'header:Last-Event-ID']),
      );
      expect(job.responses['200']!.content!['text/event-stream']).toBeDefined();
      expect(job.description).toMatch(/event: line.*id: <n>.*event: end/s);
      expect(keys('JobLinesSince')).toEqual(['errors', 'lines', 'next', 'state']);
      expect(keys('JobLine')).toEqual(['n', 'text', 'time']);

      const list = document.paths['/api/openshift/{clusterId}/jobs']!.get!;
      expect(list.parameters.map((p) => p.name)).toEqual(
        expect.arrayContaining(['state', 'target', 'limit', 'before']),
      );
      expect(list.responses['200']!.content!['application/json']!.schema).toEqual(ref('JobList'));
      expect(keys('JobSummary')).toEqual([
        'created_at',
        'ended_at',
        'eta',
        'eta_basis',
        'job_id',
        'kind',
        'role',
        'state',
        'status_url',
        'target',
        'type',
      ]);

      const me = document.paths['/api/me']!.get!;
      expect(me.responses['200']!.content!['application/json']!.schema).toEqual(ref('Me'));
      expect(keys('Me')).toEqual(['clusters', 'user']);

      const reboot = document.paths['/api/openshift/{clusterId}/reboot']!.post!;
      expect(reboot.parameters.map((p) => `${p.in}:${p.name}`)).toContain('header:Idempotency-Key');
      expect(reboot.responses['422']!.content!['application/json']!.schema).toEqual(ref('Error'));
      expect(reboot.requestBody!.content['application/json']!.schema).toMatchObject({
        properties: { target: { type: 'string' }, type: { enum: ['SOFT', 'HARD'] } },
        additionalProperties: false,
      });

      // Real answers have exactly the documented fields.
      const user = await system.user(['reboot']);
      const answer = async (path: string) =>
        Object.keys((await (await system.request('GET', path, { user })).json()) as object).sort();
      expect(await answer('/api/me')).toEqual(keys('Me'));
      expect(await answer(`/api/openshift/${system.clusterId}/jobs`)).toEqual(keys('JobList'));
    });
  });

  it('sends a heartbeat comment every 15 s while nothing happens; closes streams when the gateway stops', async () => {
    const worker = system.workers[0]!;
    process.kill(worker.pid!, 'SIGSTOP');
    try {
      const jobId = await startReboot(system, operator, 'master-0.openstacklocal');
      const client = await follow(jobId);
      expect(client.status).toBe(200);
      // The job waits (its worker is paused): the stream stays open on comments alone, at the production period.
      await client.waitFor((c) => c.comments.length >= 1, 20000);
      expect(client.comments[0]).toBe('heartbeat');
      expect(client.events).toEqual([]);
      const stoppingAt = Date.now();
      await system.gateway.stop('SIGTERM');
      await client.ended;
      expect(Date.now() - stoppingAt).toBeLessThan(5000);
      expect(endOf(client)).toBeUndefined();
    } finally {
      process.kill(worker.pid!, 'SIGCONT');
    }
  });
});

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        description?: string;
        parameters: { in: string; name: string }[];
        requestBody?: { content: Record<string, { schema: unknown }> };
        responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
      }
    >
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}
