import { execFileSync } from 'node:child_process';
import { MalformedRequestFactory, type MalformedRequest } from './malformed-request.factory';
import { sendRaw, type RawExchange } from './raw-http.client';
import { SystemUnderTest, type TestUser } from './system-under-test';

/**
 * Thousands of malformed requests over raw sockets against the real gateway process. What counts as a good
 * answer, for every single one:
 * - one or more whole HTTP responses, each with a status below 500 and a JSON body (none for HEAD), errors
 *   as `{"error": "…"}`; never HTML, never a stack trace or a source path, never a header the client injected;
 * - or, for CONNECT only, the connection closed without an answer: Node drops tunnel requests to a server that
 *   is not a proxy before any application code runs, and a closed connection tells such a client all it needs.
 * Broken framing (bad request line, CR/LF/NUL in a header, conflicting lengths, headers over 16 KiB) is refused
 * by Node's parser before Fastify or Nest see it; the gateway's `clientErrorHandler` answers it in the same JSON
 * shape and closes the connection, so no exception is made for it here.
 * Set FUZZ_SEED to replay another run; the seed is printed with the summary.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
const WARM_UP_REQUESTS = 1000;
const CONCURRENCY = 24;
const BODY_LIMIT_BYTES = 16384;
/** Generous: the point is to catch a leak that grows with requests, not allocator noise. */
const RSS_GROWTH_LIMIT_KB = 64 * 1024;

const STACK_OR_SOURCE = /\n\s*at |node_modules|\/work\/|\.[tj]s:\d+|<anonymous>/;
const HTML = /<html|<!doctype|<body|<head>/i;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function rssKb(pid: number): number {
  return Number(
    execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
      .toString()
      .trim(),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Everything wrong with what the gateway answered to `request`; empty when the answer is acceptable. */
function problemsWith(request: MalformedRequest, exchange: RawExchange): string[] {
  const problems: string[] = [];
  if (exchange.responses.length === 0) {
    if (!(request.tunnel && exchange.end === 'closed')) problems.push(`no answer (${exchange.end})`);
    return problems;
  }
  if (exchange.trailing.length > 0) problems.push(`partial response bytes: ${preview(exchange.trailing)}`);
  for (const response of exchange.responses) {
    const text = response.body.toString('utf8');
    if (response.status >= 500) problems.push(`status ${response.status}`);
    if (HTML.test(text) || /html/i.test(response.headers['content-type'] ?? '')) problems.push('HTML');
    if (STACK_OR_SOURCE.test(text)) problems.push(`stack trace or source path: ${preview(response.body)}`);
    if (response.headers['x-injected'] !== undefined || response.headers['set-cookie'] !== undefined) {
      problems.push('a header the client injected came back');
    }
    const requestId = response.headers['x-request-id'];
    if (requestId !== undefined && !REQUEST_ID.test(requestId)) problems.push(`x-request-id ${requestId}`);
    if (request.head) continue;
    if (!/^application\/json/.test(response.headers['content-type'] ?? '')) {
      problems.push(`content-type ${response.headers['content-type']}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`body is not JSON: ${preview(response.body)}`);
      continue;
    }
    if (response.status >= 400 && !isErrorBody(body)) problems.push(`error body ${preview(response.body)}`);
  }
  return problems;
}

/**
 * `{"error": "…"}` (a 409 adds its job; a refusal by the cluster's rules its reason), with a short fixed message
 * that never echoes the request back.
 */
function isErrorBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { error, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest).filter((key) => !['job_id', 'status_url', 'reason'].includes(key));
  return typeof error === 'string' && error.length < 100 && !error.includes('/api/') && extra.length === 0;
}

function preview(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 160).toString('latin1'));
}

interface RunReport {
  answered: number;
  closedWithoutAnswer: number;
  resetAfterAnswer: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  slowestMs: number;
  failures: { kind: string; request: string; problems: string[] }[];
}

/** Sends every request, `CONCURRENCY` connections at a time, and checks each answer. */
async function run(port: number, requests: MalformedRequest[]): Promise<RunReport> {
  const report: RunReport = {
    answered: 0,
    closedWithoutAnswer: 0,
    resetAfterAnswer: 0,
    byStatus: {},
    byKind: {},
    slowestMs: 0,
    failures: [],
  };
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const request = requests[next++];
      const exchange = await sendRaw(port, request.bytes, { head: request.head, timeoutMs: 10000 });
      const kind = request.kind.split('/').slice(0, 2).join('/');
      report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
      report.slowestMs = Math.max(report.slowestMs, exchange.elapsedMs);
      if (exchange.responses.length === 0) report.closedWithoutAnswer += 1;
      else report.answered += 1;
      if (exchange.responses.length > 0 && exchange.end === 'reset') report.resetAfterAnswer += 1;
      for (const response of exchange.responses) {
        report.byStatus[response.status] = (report.byStatus[response.status] ?? 0) + 1;
      }
      const problems = problemsWith(request, exchange);
      if (problems.length > 0) {
        report.failures.push({ kind: request.kind, request: preview(request.bytes), problems });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return report;
}

describe('the gateway under thousands of malformed requests', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let viewer: TestUser;
  let port: number;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      workers: 0,
      gatewayEnv: {
        BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
        LOG_LEVEL: 'warn',
        // Every request comes from 127.0.0.1: with the default failed-login limits most would stop at a 429
        // and never reach the code under test.
        LOGIN_FAILURES_PER_ADDRESS: '1000000',
        LOGIN_FAILURES_PER_USER_ADDRESS: '1000000',
      },
    });
    [operator, viewer] = await Promise.all([system.user(['reboot']), system.user(['read'])]);
    port = Number(new URL(system.baseUrl).port);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('answers every one with a JSON error below 500, stays up, keeps its memory flat and starts nothing', async () => {
    const pid = system.gateway.pid as number;
    const target = { clusterId: system.clusterId, operator, viewer, bodyLimitBytes: BODY_LIMIT_BYTES };
    const rssAtStart = rssKb(pid);

    // Warm-up with another seed: JIT, caches, connection pools and allocator arenas reach their working size.
    const warmUp = await run(port, new MalformedRequestFactory(target, SEED + 1).take(WARM_UP_REQUESTS));
    const rssAfterWarmUp = rssKb(pid);

    const started = Date.now();
    const report = await run(port, new MalformedRequestFactory(target, SEED).take(REQUESTS));
    const elapsedMs = Date.now() - started;
    const rssAfterRun = rssKb(pid);

    console.log(
      JSON.stringify({
        seed: SEED,
        requests: REQUESTS,
        warmUpRequests: WARM_UP_REQUESTS,
        elapsedMs,
        rssKb: { atStart: rssAtStart, afterWarmUp: rssAfterWarmUp, afterRun: rssAfterRun },
        ...report,
        failures: report.failures.length,
      }),
    );

    expect([...warmUp.failures, ...report.failures].slice(0, 20)).toEqual([]);
    expect(report.answered + report.closedWithoutAnswer).toBe(REQUESTS);
    expect(isAlive(pid)).toBe(true);
    expect(rssAfterRun - rssAfterWarmUp).toBeLessThan(RSS_GROWTH_LIMIT_KB);

    // Still serving well-formed requests, and not one malformed request started a reboot.
    const health = await system.request('GET', '/healthz');
    expect(health.status).toBe(200);
    const nodes = await system.request('GET', `/api/openshift/${system.clusterId}/nodestatus`, { user: viewer });
    expect(nodes.status).toBe(200);
    const jobs = await system.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE cluster_id = $1`, [
      system.clusterId,
    ]);
    expect(jobs[0].n).toBe(0);
  }, 120000);
});
