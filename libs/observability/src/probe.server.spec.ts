import { MetricsRegistry } from './metrics-registry';
import { ProbeServer } from './probe.server';

describe('ProbeServer', () => {
  let server: ProbeServer | undefined;
  afterEach(() => server?.close());

  async function start(options: Partial<ConstructorParameters<typeof ProbeServer>[0]> = {}): Promise<string> {
    const metrics = new MetricsRegistry({ processMetrics: false });
    metrics.counter({ name: 'test_things_total', help: 'things' }).inc(3);
    server = new ProbeServer({
      host: '127.0.0.1',
      port: 0,
      metrics,
      readiness: { ready: () => true, checks: {} },
      checkTimeoutMs: 100,
      ...options,
    });
    return server.listen();
  }

  it('answers liveness, readiness with every check up, and metrics in the Prometheus text format', async () => {
    const url = await start({
      readiness: { ready: () => true, checks: { postgres: async () => 1, redis: async () => 'PONG' } },
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const alive = await fetch(`${url}/healthz`);
    expect([alive.status, await alive.json()]).toEqual([200, { status: 'ok' }]);

    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'ok', checks: { postgres: 'up', redis: 'up' } },
    ]);

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain('test_things_total 3');
  });

  it('stays ready while dependencies are down, naming those that failed or did not answer in time', async () => {
    const url = await start({
      readiness: {
        ready: () => true,
        checks: {
          postgres: async () => 1,
          redis: () => Promise.reject(new Error('ECONNREFUSED')),
          worker: () => new Promise(() => undefined),
        },
      },
    });
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'ok', checks: { postgres: 'up', redis: 'down', worker: 'down' } },
    ]);
  });

  it('answers 503 with the reason when the process itself cannot serve (shutting down)', async () => {
    let reason: true | string = true;
    const url = await start({ readiness: { ready: () => reason, checks: { postgres: async () => 1 } } });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    reason = 'shutting down';
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      503,
      { error: 'Not ready', reason: 'shutting down', checks: { postgres: 'up' } },
    ]);
  });

  it('serves only /metrics when it has no readiness (a metrics port)', async () => {
    const url = await start({ readiness: undefined });
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    for (const path of ['/healthz', '/readyz']) expect((await fetch(`${url}${path}`)).status).toBe(404);
  });

  it('protects /metrics with the bearer token when one is configured, never the probes', async () => {
    const url = await start({ metricsToken: 'a-long-metrics-token' });
    const anonymous = await fetch(`${url}/metrics`);
    expect([anonymous.status, await anonymous.json()]).toEqual([401, { error: 'Unauthorized' }]);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer a-long-metrics-token' } });
    expect(right.status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('answers JSON 404 and 405 for anything else', async () => {
    const url = await start();
    const missing = await fetch(`${url}/nope`);
    expect([missing.status, await missing.json()]).toEqual([404, { error: 'Not Found' }]);
    const posted = await fetch(`${url}/healthz`, { method: 'POST' });
    expect([posted.status, await posted.json()]).toEqual([405, { error: 'Method Not Allowed' }]);
  });

  it('names the address when it cannot listen', async () => {
    const url = await start();
    const port = Number(new URL(url).port);
    const second = new ProbeServer({
      host: '127.0.0.1',
      port,
      metrics: new MetricsRegistry({ processMetrics: false }),
      readiness: { ready: () => true, checks: {} },
    });
    await expect(second.listen()).rejects.toThrow(
      `cannot listen on 127.0.0.1:${port} for health and metrics: EADDRINUSE`,
    );
  });
});
