import { SystemUnderTest, type TestUser } from './system-under-test';

/** Nova's answers take this long here, so that a node listing is in flight when SIGTERM arrives. */
const NOVA_LATENCY_MS = 1500;

/**
 * A rollout as Kubernetes does it: after the preStop sleep, SIGTERM reaches the real gateway process while a
 * request is in flight. That request is answered in full, the gateway stops being ready at once (a probe
 * gets 503 "shutting down", or no connection once the listener has closed: never a 200), and it exits 0.
 */
describe('the gateway on SIGTERM', () => {
  let system: SystemUnderTest;
  let viewer: TestUser;

  beforeAll(async () => {
    // No node-status cache: every listing asks the (slow) simulator.
    system = await SystemUnderTest.start({ workers: 0, gatewayEnv: { NODE_STATUS_CACHE_MS: '0' } });
    viewer = await system.user(['read']);
  }, 120000);

  afterAll(() => system?.stop());

  it('finishes the requests in flight, is never ready again (503 or no connection), and exits at once', async () => {
    const ready = await system.request('GET', '/readyz');
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'ok', checks: { postgres: 'up', redis: 'up' } },
    ]);

    system.simulator.setKnobs({ latencyMs: NOVA_LATENCY_MS });
    const started = Date.now();
    const inFlight = system.request('GET', `/api/openshift/${system.clusterId}/nodestatus`, { user: viewer });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the request has reached the gateway
    const stoppingAt = Date.now();
    const exited = system.gateway.stop('SIGTERM').then(() => Date.now() - stoppingAt);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the signal has been handled

    const probes: (number | string)[] = [];
    for (let i = 0; i < 5; i++) {
      probes.push(
        await system.request('GET', '/readyz').then(
          async (response) => `${response.status} ${((await response.json()) as { error: string }).error}`,
          (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Ours while the listener is open; Fastify's own 503 on a kept-alive connection while it closes.
    for (const probe of probes) expect(['503 Not ready', '503 Service Unavailable', 'ECONNREFUSED']).toContain(probe);

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as unknown[]).length).toBe(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(NOVA_LATENCY_MS);
    // Ended by its own re-raised SIGTERM once closed, not by the SIGKILL stop() sends after 15 s: no connection
    // kept alive by the client (a router's, in production) holds it until the grace period runs out.
    const stoppedInMs = await exited;
    expect(stoppedInMs).toBeLessThan(5000);
    console.log(JSON.stringify({ probes, stoppedInMs }));
  });
});
