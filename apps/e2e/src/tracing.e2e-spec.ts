import { followJob } from './job-polling';
import { logLines } from './log-lines';
import { OtlpReceiver, type ReceivedSpan } from './otlp.receiver';
import { SystemUnderTest } from './system-under-test';

/** OpenTelemetry's span kinds as OTLP numbers them. */
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

/** The URL of an outbound HTTP span (undici's and node:http's attribute names). */
const urlOf = (span: ReceivedSpan): string => String(span.attributes['url.full'] ?? span.attributes['http.url'] ?? '');

describe('tracing: one trace from POST reboot through the queue to the Nova calls and the watcher’s polls', () => {
  let receiver: OtlpReceiver;
  let system: SystemUnderTest;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    const tracing = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Spans leave within half a second instead of OpenTelemetry's 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '500',
    };
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 500 },
      gatewayEnv: tracing,
      workerEnv: tracing,
    });
  }, 120000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
  });

  it('holds the gateway request, the queued job, the worker’s Keystone and Nova calls and the watcher’s observations, and log lines name it', async () => {
    const operator = await system.user(['reboot']);
    const response = await system.request('POST', `/api/openshift/${system.clusterId}/reboot`, {
      user: operator,
      form: { target: 'worker-1.openstacklocal' },
    });
    expect(response.status).toBe(202);
    const requestId = response.headers.get('x-request-id');
    const jobId = ((await response.json()) as { job_id: string }).job_id;
    expect((await followJob(system, operator, jobId)).output).toMatch(/\nDone$/);

    // The gateway's span of the request, whose trace the rest must join.
    const isRebootRequest = (span: ReceivedSpan) =>
      span.service === 'oshift-gateway' &&
      span.kind === SERVER &&
      String(span.attributes['http.target'] ?? span.attributes['url.path'] ?? '').endsWith('/reboot');
    await receiver.waitFor((spans) => spans.some(isRebootRequest), 'gateway span of POST reboot');
    const root = receiver.spans.find(isRebootRequest)!;
    const inTrace = () => receiver.spans.filter((span) => span.traceId === root.traceId);
    const novaAction = (span: ReceivedSpan) =>
      span.service === 'oshift-worker' && span.kind === CLIENT && /\/servers\/[^/]+\/action$/.test(urlOf(span));
    const handledJob = (span: ReceivedSpan) => span.service === 'oshift-worker' && span.kind === CONSUMER;
    await receiver.waitFor(
      () => inTrace().some(novaAction) && inTrace().some(handledJob),
      "the worker's handling of the job and its Nova reboot call in the request's trace",
    );

    const trace = inTrace();
    expect(root.parentSpanId ?? '').toBe('');
    expect(root.attributes['http.method'] ?? root.attributes['http.request.method']).toBe('POST');
    // Named after the route pattern, never the URL with its ids.
    expect(root.name).toBe('POST /api/openshift/:clusterId/reboot');
    expect(root.attributes['http.route']).toBe('/api/openshift/:clusterId/reboot');
    // The gateway queued the job inside the request; a worker handled that message, in the same trace.
    const queued = trace.find((span) => span.service === 'oshift-gateway' && span.kind === PRODUCER)!;
    expect(queued).toMatchObject({ parentSpanId: root.spanId });
    const handled = trace.find(handledJob)!;
    expect(handled).toMatchObject({ parentSpanId: queued.spanId });
    // The worker's calls to OpenStack are children of its handling of the job: Keystone's token, Nova's reboot.
    const calls = trace.filter((span) => span.service === 'oshift-worker' && span.kind === CLIENT && urlOf(span));
    expect(calls.every((span) => span.parentSpanId === handled.spanId)).toBe(true);
    expect(calls.map(urlOf)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/v3\/auth\/tokens$/), expect.stringMatching(/\/action$/)]),
    );
    // Postgres statements of the request are in it too (pg's instrumentation).
    expect(trace).toContainEqual(
      expect.objectContaining({
        service: 'oshift-gateway',
        attributes: expect.objectContaining({ 'db.system.name': 'postgresql' }),
      }),
    );

    // The watcher's polls of the sent reboot are in the trace too: each one's observation of the job is a child
    // of the handling that sent it, naming the node and the status Nova showed; the last saw it ACTIVE (Done).
    const observed = (span: ReceivedSpan) =>
      span.service === 'oshift-worker' &&
      span.name === 'oshift.watch.observe' &&
      span.attributes['oshift.job.id'] === jobId;
    // Each poll is one span of its own, linked to the traces of the jobs it polled, with the Nova listing in it.
    const pollsOfJob = () =>
      receiver.spans.filter(
        (span) =>
          span.name === 'oshift.watch.poll' &&
          (span.links ?? []).some((link) => link.traceId === root.traceId && link.spanId === handled.spanId),
      );
    const listingOf = (poll: ReceivedSpan) =>
      receiver.spans.find(
        (span) =>
          span.traceId === poll.traceId &&
          span.parentSpanId === poll.spanId &&
          span.kind === CLIENT &&
          /\/servers\/detail/.test(urlOf(span)),
      );
    await receiver.waitFor(
      () =>
        inTrace().some((span) => observed(span) && span.attributes['oshift.job.state'] === 'done') &&
        pollsOfJob().length === inTrace().filter(observed).length &&
        pollsOfJob().every(listingOf),
      "the watcher's polls of the job, each with its Nova listing, and their observations in the request's trace",
    );
    const byStart = (a: ReceivedSpan, b: ReceivedSpan) =>
      Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano));
    const observations = inTrace().filter(observed).sort(byStart);
    expect(observations.map((span) => span.parentSpanId)).toEqual(observations.map(() => handled.spanId));
    expect(observations.map((span) => span.attributes['oshift.node.name'])).toEqual(
      observations.map(() => 'worker-1.openstacklocal'),
    );
    expect(observations.at(-1)?.attributes).toMatchObject({
      'oshift.nova.status': 'ACTIVE',
      'oshift.job.state': 'done',
    });
    const polls = pollsOfJob();
    expect(polls.every((poll) => poll.service === 'oshift-worker' && poll.traceId !== root.traceId)).toBe(true);
    expect(polls.map((poll) => poll.attributes['oshift.cluster.id'])).toEqual(polls.map(() => system.clusterId));
    expect(polls.map((poll) => listingOf(poll)?.service)).toEqual(polls.map(() => 'oshift-worker'));
    expect(receiver.refused).toEqual([]);

    // The gateway's log line of the request, and the worker's lines of the job, carry the trace's id.
    const requestLine = logLines(system.gateway).find((line) => line.msg === 'request' && line.requestId === requestId);
    expect(requestLine?.trace_id).toBe(root.traceId);
    const jobLines = system.workers.flatMap(logLines).filter((line) => line.jobId === jobId && line.trace_id);
    expect(jobLines.map((line) => line.trace_id)).toContain(root.traceId);
  });
});
