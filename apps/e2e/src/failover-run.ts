import { EventStreamClient, type StreamEvent } from '@oshift/testing';
import { followJob, startReboot, type JobView } from './job-polling';
import { basic } from './request-from';
import { SystemUnderTest, type TestUser } from './system-under-test';

/** One answer of the gateway while a dependency fails over. */
export interface Answer {
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  body: unknown;
  ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items`, `limit` at a time. */
export async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

/**
 * A reboot of every node, each answered 202: the job ids, in node order. The first alone (the gateway then has
 * the operator's password verified and cached), the others four at a time.
 */
export async function rebootAll(system: SystemUnderTest, operator: TestUser, nodes: string[]): Promise<string[]> {
  const first = await startReboot(system, operator, nodes[0]);
  return [first, ...(await inParallel(nodes.slice(1), 4, (node) => startReboot(system, operator, node)))];
}

/**
 * Follows every job to its end, four at a time: a gateway that had to drop its credential cache (it does when its
 * Redis subscription comes back, having perhaps missed an access change) verifies passwords again, and its
 * bounded verification queue sheds a burst of them with `503`.
 */
export function followAll(system: SystemUnderTest, user: TestUser, jobIds: string[]): Promise<JobView[]> {
  return inParallel(jobIds, 4, (jobId) => followJob(system, user, jobId, { timeoutMs: 150000 }));
}

/** An answer timed: its status, type, `Retry-After` and body (kept as text when it is not JSON, for the test to judge). */
export async function timed(call: Promise<Response>): Promise<Answer> {
  const started = Date.now();
  const response = await call;
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text: the test's assertions show it
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    retryAfter: response.headers.get('retry-after'),
    body,
    ms: Date.now() - started,
  };
}

/** One reboot request for `target`, timed. */
export function askReboot(system: SystemUnderTest, operator: TestUser, target: string): Promise<Answer> {
  return timed(
    system.request('POST', `/api/openshift/${system.clusterId}/reboot`, { user: operator, form: { target } }),
  );
}

/** Every answer is a prompt JSON 503 with `Retry-After`, none slower than `boundMs`. */
export function expectUnavailable(answers: Answer[], boundMs: number): void {
  for (const answer of answers) {
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 503, body: { error: expect.any(String) } });
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.retryAfter).toMatch(/^\d+$/);
  }
  expect(answers.filter((answer) => answer.ms >= boundMs)).toEqual([]);
}

/**
 * The system the failover tests load: the demo cluster with `servers` more VMs whose reboots take 10 s (every one
 * is in flight when the dependency fails), two workers polling at the production interval (the promise is about
 * time), an operator allowed to reboot, and no limit on reboots of `other` nodes in flight.
 */
export async function startLoadedSystem(
  servers: string[],
  options: Pick<Parameters<typeof SystemUnderTest.start>[0] & object, 'redisEnv' | 'databaseUrl'>,
): Promise<{ system: SystemUnderTest; operator: TestUser }> {
  const system = await SystemUnderTest.start({
    knobs: { rebootDurationMs: 10000 },
    extraServers: servers,
    workers: 2,
    workerEnv: { POLL_INTERVAL_MS: '1000' },
    ...options,
  });
  const operator = await system.user(['reboot']);
  await system.setRebootPolicy({ roles: { other: { max_parallel: 1000 } } });
  return { system, operator };
}

/** Every job ends Done, and Nova saw exactly one reboot of each server: the jobs' outputs. */
export async function expectAllDoneOnce(
  system: SystemUnderTest,
  operator: TestUser,
  jobIds: string[],
  servers: string[],
): Promise<string[]> {
  const jobs = await followAll(system, operator, jobIds);
  expect(jobs.filter((job) => !job.output.endsWith('\nDone'))).toEqual([]);
  expect(servers.map((server) => system.simulator.rebootActions(server))).toEqual(servers.map(() => 1));
  return jobs.map((job) => job.output);
}

/** Asks for a reboot of `target` every `everyMs` until one is accepted: every answer until then, and the job. */
export async function rebootUntilAccepted(
  system: SystemUnderTest,
  operator: TestUser,
  target: string,
  { everyMs = 250, timeoutMs = 60000 } = {},
): Promise<{ answers: Answer[]; jobId: string; acceptedAt: number }> {
  const answers: Answer[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await askReboot(system, operator, target);
    answers.push(answer);
    if (answer.status === 202) {
      return { answers, jobId: (answer.body as { job_id: string }).job_id, acceptedAt: Date.now() };
    }
    if (Date.now() > deadline) throw new Error(`no reboot accepted in ${timeoutMs} ms: ${JSON.stringify(answer)}`);
    await sleep(everyMs);
  }
}

/** When the job's first line appears (polling the JSON view every 100 ms; answers other than 200 are waited out). */
export async function firstLineAt(system: SystemUnderTest, user: TestUser, jobId: string, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await system.request('GET', `/api/openshift/${system.clusterId}/job/${jobId}`, { user });
    if (response.status === 200 && ((await response.json()) as { output: string }).output !== '') return Date.now();
    if (Date.now() > deadline) throw new Error(`job ${jobId} wrote no line in ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** The followers still following (see {@link stopFollowers}). */
const running = new Set<{ stop(): void }>();

/**
 * Follows a job's event stream as a browser's EventSource does: when the stream ends without its `end` event
 * (the gateway told it to go, or the connection dropped), it opens it again with `Last-Event-ID`, and goes on
 * from the line after. Every line it saw, and how many times it had to come back. A test that fails before it
 * awaits `done` leaves it running: its `afterAll` calls {@link stopFollowers}, so it neither outlives the test file
 * nor fails the next one with its timeout.
 */
export class ResumingFollower {
  readonly lines: { id: number; text: string }[] = [];
  reconnects = 0;
  end?: string;
  readonly done: Promise<void>;
  private stopped = false;
  private client?: EventStreamClient;

  constructor(
    private readonly url: string,
    private readonly user: TestUser,
    timeoutMs = 180000,
  ) {
    running.add(this);
    this.done = this.follow(Date.now() + timeoutMs).finally(() => running.delete(this));
    // Awaited by the test when it gets that far; otherwise its failure is the test's, not an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Leaves the stream and stops coming back. */
  stop(): void {
    this.stopped = true;
    this.client?.close();
  }

  private async follow(deadline: number): Promise<void> {
    while (this.end === undefined && !this.stopped) {
      if (Date.now() > deadline) throw new Error(`stream did not end; saw ${this.lines.length} lines`);
      const last = this.lines.at(-1)?.id;
      const headers: Record<string, string> = { authorization: basic(this.user.username, this.user.password) };
      if (last !== undefined) headers['last-event-id'] = String(last);
      this.client = undefined;
      try {
        this.client = await EventStreamClient.open(this.url, headers);
        if (this.stopped) this.client.close();
      } catch {
        // the gateway did not answer: as EventSource, try again shortly
      }
      if (this.client?.status === 200) {
        const take = (event: StreamEvent) => {
          if (event.event === 'line') this.lines.push({ id: Number(event.id), text: event.data });
          if (event.event === 'end') this.end = event.data;
        };
        // The lines the gateway sent with the headers (a job that had output already) were parsed before the
        // client was handed over: take them first, then each as it comes.
        this.client.events.forEach(take);
        this.client.onEvent = take;
        await this.client.ended;
      }
      if (this.end === undefined && !this.stopped) {
        this.reconnects += 1;
        await sleep(1000);
      }
    }
  }
}

/** Stops the followers a failed test left running (call it in `afterAll`). */
export function stopFollowers(): void {
  for (const follower of running) follower.stop();
}

/** Prints a measured figure where the test run's output shows it (the README and operators' guide quote them). */
export function reportMeasured(name: string, figures: Record<string, unknown>): void {
  process.stderr.write(`[measured] ${name}: ${JSON.stringify(figures)}\n`);
}
