import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { uniqueName } from '@oshift/testing';
import { followJob } from './job-polling';
import { logLines, type LogLine } from './log-lines';
import { SystemUnderTest, type TestUser } from './system-under-test';

const METRICS_TOKEN = `metrics-${uniqueName('token')}`;
const bearer = { authorization: `Bearer ${METRICS_TOKEN}` };

/** Waits until `find` returns something for the lines a process has logged so far. */
async function waitForLines<T>(
  read: () => LogLine[],
  find: (lines: LogLine[]) => T | undefined,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 20000;
  for (;;) {
    const found = find(read());
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`no log line: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The value of one sample of a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operability: structured logs, metrics, health and the OpenAPI document', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let base: string;
  /** The caller's own name for its reboot request (its X-Request-ID), and the server's id of that request. */
  let clientRequestId: string;
  let requestId: string;
  let jobId: string;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 800 },
      gatewayEnv: { METRICS_TOKEN },
      workerEnv: { METRICS_TOKEN },
    });
    operator = await system.user(['reboot']);
    base = `/api/openshift/${system.clusterId}`;

    // One reboot, named by the caller, that every test below looks at.
    clientRequestId = uniqueName('e2e-req');
    const response = await system.request('POST', `${base}/reboot`, {
      user: operator,
      form: { target: 'worker-1.openstacklocal' },
      headers: { 'x-request-id': clientRequestId },
    });
    expect(response.status).toBe(202);
    // The server names every request itself; the caller's name is kept beside it, never instead.
    requestId = response.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    jobId = ((await response.json()) as { job_id: string }).job_id;
    expect((await followJob(system, operator, jobId)).output).toMatch(/\nDone$/);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('logs one JSON line per request with method, route pattern, status, duration and request id, never credentials', async () => {
    const line = await waitForLines(
      () => logLines(system.gateway),
      (lines) => lines.find((entry) => entry.msg === 'request' && entry.requestId === requestId),
      'request line of the reboot',
    );
    expect(line).toMatchObject({
      level: 'info',
      service: 'gateway',
      context: 'HTTP',
      method: 'POST',
      route: '/api/openshift/:clusterId/reboot',
      status: 202,
      requestId,
      client_request_id: clientRequestId,
    });
    expect(typeof line.durationMs).toBe('number');
    expect(typeof line.time).toBe('string');

    await system.request('GET', '/no/such/route', { headers: { 'x-request-id': `${clientRequestId}-404` } });
    const unmatched = await waitForLines(
      () => logLines(system.gateway),
      (lines) => lines.find((entry) => entry.client_request_id === `${clientRequestId}-404` && entry.msg === 'request'),
      'request line of an unknown route',
    );
    expect(unmatched).toMatchObject({ route: 'unmatched', status: 404 });

    const credentials = Buffer.from(`${operator.username}:${operator.password}`).toString('base64');
    expect(system.gateway.logs).not.toContain(credentials);
    expect(system.gateway.logs).not.toContain(operator.password);
    expect(system.gateway.logs).not.toMatch(/authorization/i);
    // Every line the gateway wrote is one JSON object.
    for (const text of system.gateway.logs.trim().split('\n')) expect(() => JSON.parse(text)).not.toThrow();
  });

  it('carries the request id into every worker log line about the job', async () => {
    const worker = system.workers[0];
    await waitForLines(
      () => logLines(worker),
      (lines) => lines.some((entry) => entry.jobId === jobId && entry.msg === 'reboot job done'),
      'reboot job done',
    );
    const aboutTheJob = logLines(worker).filter((entry) => JSON.stringify(entry).includes(jobId));
    expect(aboutTheJob.length).toBeGreaterThanOrEqual(2);
    for (const entry of aboutTheJob) expect(entry).toMatchObject({ service: 'worker', jobId, requestId });
    expect(aboutTheJob.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['reboot job done']));
  });

  it('serves Prometheus metrics on the gateway metrics port only, and only with the metrics token', async () => {
    // Not on the API port (what the Route and the Service's http port lead to), with the token or without.
    const onApiPort = await system.request('GET', '/metrics', { headers: bearer });
    expect([onApiPort.status, await onApiPort.json()]).toEqual([404, { error: 'Not Found' }]);
    const metricsUrl = system.gatewayMetricsUrl();
    expect(new URL(metricsUrl).port).not.toBe(new URL(system.baseUrl).port);
    const anonymous = await fetch(`${metricsUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'Unauthorized' });
    // The metrics port serves nothing else.
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(404);

    await system.request('GET', `${base}/nodestatus`, { user: operator });
    const response = await fetch(`${metricsUrl}/metrics`, { headers: bearer });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(
      sample(text, 'oshift_http_requests_total{method="POST",route="/api/openshift/:clusterId/reboot",code="202"}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'oshift_http_request_duration_seconds_count{method="GET",route="/api/openshift/:clusterId/job/:jobId",code="200"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'oshift_jobs{state="done"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'oshift_jobs{state="running"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'oshift_queue_jobs{queue="reboot",state="waiting"}')).toBe(0);
    expect(sample(text, 'oshift_queue_oldest_waiting_seconds{queue="reboot"}')).toBe(0);
    expect(text).toMatch(/^oshift_build_info\{version="0\.1\.0",revision="unknown",node="v\d+\.\d+\.\d+"\} 1$/m);
    expect(
      sample(text, 'oshift_openstack_request_duration_seconds_count{operation="nova.listServers",outcome="200"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE oshift_openstack_request_errors_total counter');
    expect(text).toContain('process_cpu_seconds_total');
    expect(sample(text, 'oshift_dependency_up{dependency="postgres"}')).toBe(1);
    expect(sample(text, 'oshift_dependency_up{dependency="redis"}')).toBe(1);
    // Route patterns, never raw URLs: no cluster or job id ever becomes a label.
    expect(text).not.toContain(system.clusterId);
    expect(text).not.toContain(jobId);
  });

  it('serves health, readiness and metrics on the worker', async () => {
    const url = system.workerHttpUrl();
    const alive = await fetch(`${url}/healthz`);
    expect([alive.status, await alive.json()]).toEqual([200, { status: 'ok' }]);

    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'ok', checks: { postgres: 'up', redis: 'up', worker: 'up' } },
    ]);

    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const response = await fetch(`${url}/metrics`, { headers: bearer });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(sample(text, 'oshift_job_duration_seconds_count{outcome="done"}')).toBe(1);
    expect(sample(text, 'oshift_jobs{state="done"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'oshift_queue_jobs{queue="reboot",state="active"}')).toBe(0);
    expect(sample(text, 'oshift_queue_jobs{queue="webhook",state="waiting"}')).toBe(0);
    expect(sample(text, 'oshift_queue_oldest_waiting_seconds{queue="webhook"}')).toBe(0);
    expect(sample(text, 'oshift_webhook_deliveries_total{outcome="delivered"}')).toBe(0);
    expect(sample(text, 'oshift_jobs_past_deadline')).toBe(0);
    // Retention runs every RETENTION_INTERVAL_SECONDS: nothing deleted yet, each table's counter at 0.
    expect(sample(text, 'oshift_retention_deleted_rows_total{table="jobs"}')).toBe(0);
    expect(sample(text, 'oshift_retention_deleted_rows_total{table="audit_events"}')).toBe(0);
    expect(sample(text, 'oshift_dependency_up{dependency="postgres"}')).toBe(1);
    expect(sample(text, 'oshift_openstack_request_duration_seconds_count{operation="nova.reboot",outcome="202"}')).toBe(
      1,
    );
    // One read of the server's instance actions before the POST (what Nova had recorded before it); the reboot
    // itself is followed through the cluster's listing (an 800 ms reboot may be over by the first poll a second
    // later, so one listing or more).
    expect(
      sample(
        text,
        'oshift_openstack_request_duration_seconds_count{operation="nova.listInstanceActions",outcome="200"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'oshift_openstack_request_duration_seconds_count{operation="nova.listServers",outcome="200"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(jobId);
  });

  describe('GET /openapi.json', () => {
    type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[] };
    type Operation = {
      operationId: string;
      security: Record<string, string[]>[];
      requestBody?: { content: Record<string, { schema: Schema }> };
      responses: Record<string, { content?: Record<string, { schema: Schema }>; headers?: Record<string, unknown> }>;
    };
    let document: {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
    };
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const schemaOf = (operation: Operation, status: string) =>
      operation.responses[status]?.content?.['application/json']?.schema;

    beforeAll(async () => {
      const response = await system.request('GET', '/openapi.json');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      document = (await response.json()) as typeof document;
    });

    it('is an OpenAPI 3 document of the three calls, with Basic and Bearer security', () => {
      expect(document.openapi).toMatch(/^3\./);
      expect(document.components.securitySchemes).toEqual({
        basic: expect.objectContaining({ type: 'http', scheme: 'basic' }),
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      });
      const calls = [
        ['/api/openshift/{clusterId}/nodestatus', 'get'],
        ['/api/openshift/{clusterId}/reboot', 'post'],
        ['/api/openshift/{clusterId}/job/{jobId}', 'get'],
      ];
      for (const [path, method] of calls) {
        const operation = document.paths[path]?.[method];
        expect({ path, security: operation?.security }).toEqual({
          path,
          security: expect.arrayContaining([{ basic: [] }, { bearer: [] }]),
        });
        for (const status of ['401', '404', '429', '503']) {
          // A reboot inside the node's cooldown is a 429 with the rules' reason beside the error (a refusal is an
          // Error too: anyOf).
          const error =
            method === 'post' && status === '429' ? { anyOf: [ref('Error'), ref('RebootRefusal')] } : ref('Error');
          expect({ path, status, schema: schemaOf(operation, status) }).toEqual({ path, status, schema: error });
        }
      }
      expect(Object.keys(document.paths)).not.toContain('/metrics');
      // Health checks are for orchestrators, not customers; the version is the package's.
      expect(Object.keys(document.paths)).not.toContain('/healthz');
      expect(Object.keys(document.paths)).not.toContain('/readyz');
      expect((document as unknown as { info: { version: string } }).info.version).toBe(
        (JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version,
      );
    });

    it('describes the shapes the API really answers with', async () => {
      const { schemas } = document.components;
      expect(schemas.Error).toMatchObject({
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'string' } },
      });
      expect(schemas.NodeStatus).toMatchObject({
        type: 'object',
        required: expect.arrayContaining(['nodename', 'status']),
        properties: { nodename: { type: 'string' }, status: { type: 'string' } },
      });
      expect(schemas.RebootStarted).toMatchObject({
        required: expect.arrayContaining(['state', 'job_id', 'status_url']),
        properties: {
          state: { enum: ['started', 'scheduled'] },
          job_id: { type: 'string' },
          status_url: { type: 'string' },
        },
      });
      // The reference's job output, which every Job carries.
      expect(schemas.Job).toMatchObject({
        required: expect.arrayContaining(['output', 'errors']),
        properties: { output: { type: 'string' }, errors: { type: 'string' } },
      });
      expect(schemas.RebootConflict).toMatchObject({
        properties: { error: { type: 'string' }, job_id: { type: 'string' }, status_url: { type: 'string' } },
      });

      const nodes = document.paths['/api/openshift/{clusterId}/nodestatus'].get;
      expect(schemaOf(nodes, '200')).toEqual({ type: 'array', items: ref('NodeStatus') });

      const reboot = document.paths['/api/openshift/{clusterId}/reboot'].post;
      expect(schemaOf(reboot, '202')).toEqual(ref('RebootStarted'));
      expect(reboot.responses['202'].headers).toHaveProperty('Location');
      // Already running (with the running job), or never allowed by the cluster's rules (with the reason).
      expect(schemaOf(reboot, '409')).toEqual({ oneOf: [ref('RebootConflict'), ref('RebootRefusal')] });
      expect(schemas.RebootRefusal).toMatchObject({
        properties: { error: { type: 'string' }, reason: { type: 'string' } },
      });
      for (const status of ['400', '413', '415']) expect(schemaOf(reboot, status)).toEqual(ref('Error'));
      for (const type of ['application/x-www-form-urlencoded', 'application/json']) {
        expect(reboot.requestBody?.content[type]?.schema).toMatchObject({
          type: 'object',
          required: ['target'],
          properties: { target: { type: 'string' } },
        });
      }

      const job = document.paths['/api/openshift/{clusterId}/job/{jobId}'].get;
      expect(schemaOf(job, '200')).toEqual({ oneOf: [ref('Job'), ref('JobLinesSince')] });

      // The documented properties are exactly those of real answers.
      const keys = (schema: Schema) => Object.keys(schema.properties ?? {}).sort();
      const listed = (await (await system.request('GET', `${base}/nodestatus`, { user: operator })).json()) as object[];
      // `ready` and `schedulable` only on a cluster connected to its Kubernetes API (this one is not).
      const connectedOnly = ['ready', 'schedulable'];
      expect(Object.keys(listed[0]).sort()).toEqual(
        keys(schemas.NodeStatus).filter((key) => !connectedOnly.includes(key)),
      );
      expect(keys(schemas.NodeStatus)).toEqual(expect.arrayContaining(connectedOnly));
      const output = (await (await system.request('GET', `${base}/job/${jobId}`, { user: operator })).json()) as object;
      // Fields there only when they apply: role (rolling), cancelled_by, eta (a running reboot with history),
      // not_before (scheduled), window_override (started outside the windows).
      const whenTheyApply = ['cancelled_by', 'eta', 'eta_basis', 'not_before', 'role', 'window_override'];
      expect(Object.keys(output).sort()).toEqual(keys(schemas.Job).filter((key) => !whenTheyApply.includes(key)));
      expect(keys(schemas.Job)).toEqual(expect.arrayContaining(whenTheyApply));
      const started = await system.request('POST', `${base}/reboot`, {
        user: operator,
        json: { target: 'worker-2.openstacklocal' },
      });
      const startedBody = (await started.json()) as { job_id: string };
      expect(Object.keys(startedBody).sort()).toEqual(keys(schemas.RebootStarted));
      await followJob(system, operator, startedBody.job_id);
    });
  });
});
