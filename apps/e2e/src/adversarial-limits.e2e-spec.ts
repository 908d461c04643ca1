import { randomBytes } from 'node:crypto';
import { EventStreamClient } from '@oshift/testing';
import { startReboot } from './job-polling';
import { basic } from './request-from';
import { SystemUnderTest, type TestUser } from './system-under-test';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
/** The gateway's default cap of event streams per user (STREAM_MAX_PER_USER). */
const STREAMS_PER_USER = 20;

/**
 * The flood: 300 clients, each trying a password as soon as its previous try is answered, but at most once every
 * 3 s; so up to 300 tries in flight and 100 a second, about twice what argon2 verifies on 2 cores.
 */
const FLOOD_MS = 8000;
const FLOOD_CLIENTS = 300;
const FLOOD_PACE_MS = 3000;
/**
 * The promises under test, stated for a loaded 2-core machine (and measured at the client, so they include
 * whatever the machine adds). A caller whose credentials the gateway verified before is answered within 1.5 s
 * (p99; it never waits for argon2). A sign-in the gateway has to verify is answered within 3 s (p90), signed in
 * or told to come back (429, Retry-After): on the gateway it waits at most LOGIN_VERIFY_WAIT_MS (1 s) for its
 * turn, then one verification. Half the flood's refusals come within 1 s, 95 % within 3 s. Without the bounded
 * queue every sign-in waited behind the whole flood: newcomers 3.4 to 7 s, half the flood 4.5 s.
 */
const CACHED_P99_MS = 1500;
const UNCACHED_MAX_MS = 3000;
const REFUSAL_P50_MS = 1000;

interface Timed {
  status: number;
  retryAfter: string | null;
  body: string;
  ms: number;
}

describe('adversarial: floods of event streams and of logins', () => {
  let system: SystemUnderTest;

  const login = async (authorization: string, address: string): Promise<Timed> => {
    const started = performance.now();
    const response = await system.request('GET', '/api/me', {
      headers: { authorization, 'x-forwarded-for': address },
    });
    const body = await response.text();
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body,
      ms: performance.now() - started,
    };
  };
  const randomAddress = () => `198.51.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

  beforeAll(async () => {
    // Behind a proxy the gateway trusts, each request's X-Forwarded-For is its own client address.
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 60_000 }, gatewayEnv: { TRUST_PROXY: 'true' } });
  }, 120_000);
  afterAll(() => system?.stop());

  it('refuses one user the stream past the cap with 429 and Retry-After, serves others, and frees a closed one', async () => {
    const [operator, flooder, other] = await Promise.all([
      system.user(['reboot']),
      system.user(['read']),
      system.user(['read']),
    ]);
    // A reboot that takes a minute: its followers stay connected.
    const jobId = await startReboot(system, operator, 'worker-1.openstacklocal');
    const url = `${system.baseUrl}/api/openshift/${system.clusterId}/job/${jobId}`;
    const follow = (user: TestUser) =>
      EventStreamClient.open(url, { authorization: basic(user.username, user.password) });
    const streams: EventStreamClient[] = [];
    try {
      for (let i = 0; i < STREAMS_PER_USER; i += 1) streams.push(await follow(flooder));
      expect(streams.map((stream) => stream.status)).toEqual(Array(STREAMS_PER_USER).fill(200));
      const refused = await follow(flooder);
      expect(refused.status).toBe(429);
      expect(refused.response.headers['retry-after']).toBe('5');
      expect(refused.response.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(await refused.body)).toEqual({ error: 'Too many event streams open for this user' });
      // Another user still gets a stream, with the job's output.
      const others = await follow(other);
      streams.push(others);
      expect(others.status).toBe(200);
      await others.waitFor((client) => client.lines.length > 0);
      // A stream the flooder closes gives its place back.
      streams[0].close();
      await streams[0].ended;
      let again = await follow(flooder);
      for (let tries = 0; again.status === 429 && tries < 20; tries += 1) {
        await sleep(100);
        again = await follow(flooder);
      }
      streams.push(again);
      expect(again.status).toBe(200);
      expect((await follow(flooder)).status).toBe(429);
    } finally {
      for (const stream of streams) stream.close();
    }
  }, 60_000);

  it('answers the flood fast with 429 and Retry-After, and never slows a good user past the stated bounds', async () => {
    const good = await system.user(['read']);
    const newcomers: TestUser[] = [];
    for (let i = 0; i < 10; i += 1) newcomers.push(await system.user(['read']));
    const goodAddress = '203.0.113.7';
    expect((await login(basic(good.username, good.password), goodAddress)).status).toBe(200);

    const until = Date.now() + FLOOD_MS;
    const flood: Timed[] = [];
    const attacker = async (n: number) => {
      for (let i = 0; Date.now() < until; i += 1) {
        // Distinct passwords, for the good user's name and for names that are nobody's, from ever new addresses.
        const username = i % 2 === 0 ? good.username : `nobody-${n}-${i}`;
        const answer = await login(basic(username, randomBytes(12).toString('base64url')), randomAddress());
        flood.push(answer);
        await sleep(FLOOD_PACE_MS - answer.ms);
      }
    };
    const cached: Timed[] = [];
    const goodUser = async () => {
      await sleep(1000); // the flood is in full swing
      while (Date.now() < until - 500) {
        cached.push(await login(basic(good.username, good.password), goodAddress));
        await sleep(50);
      }
    };
    const uncached: Timed[] = [];
    // Newcomers sign in one after another while the flood goes on, each from an address of its own.
    const newcomer = async (user: TestUser, i: number) => {
      await sleep(1000 + i * 600);
      uncached.push(await login(basic(user.username, user.password), randomAddress()));
    };
    await Promise.all([
      ...Array.from({ length: FLOOD_CLIENTS }, (_, n) => attacker(n)),
      goodUser(),
      ...newcomers.map(newcomer),
    ]);

    // The flood: refused, never let in, and its refusals fast and with Retry-After.
    expect(new Set(flood.map((answer) => answer.status))).toEqual(new Set([401, 429]));
    const busy = flood.filter((answer) => answer.status === 429);
    expect(busy.length).toBeGreaterThan(flood.length / 2);
    expect(busy.every((answer) => answer.retryAfter === '1')).toBe(true);
    expect(JSON.parse(busy[0].body)).toEqual({ error: 'Too many sign-ins at once, try again shortly' });
    expect(
      percentile(
        busy.map((answer) => answer.ms),
        50,
      ),
    ).toBeLessThan(REFUSAL_P50_MS);
    expect(
      percentile(
        busy.map((answer) => answer.ms),
        95,
      ),
    ).toBeLessThan(UNCACHED_MAX_MS);

    // The good user whose credentials were verified before stays signed in, and fast.
    expect(cached.length).toBeGreaterThan(10);
    expect(cached.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(
      percentile(
        cached.map((answer) => answer.ms),
        99,
      ),
    ).toBeLessThan(CACHED_P99_MS);

    // Good users signing in for the first time get an answer in time: in, or a 429 saying when to come back.
    expect(uncached.filter((answer) => answer.status !== 200 && answer.retryAfter !== '1')).toEqual([]);
    expect(
      percentile(
        uncached.map((answer) => answer.ms),
        90,
      ),
    ).toBeLessThan(UNCACHED_MAX_MS);
    // After the flood, every one of them signs in.
    for (const user of newcomers)
      expect((await login(basic(user.username, user.password), randomAddress())).status).toBe(200);
  }, 60_000);
});
