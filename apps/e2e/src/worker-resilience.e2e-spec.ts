import { deleteRedisKeys, testServices } from '@oshift/testing';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

const RESILIENT_WORKER = {
  POLL_INTERVAL_MS: '300',
  RECONCILE_INTERVAL_MS: '3000',
  JOB_LEASE_SECONDS: '4',
  OPENSTACK_CALLS_PER_SECOND: '1000',
};

/** Runs `work` over `items` with at most `limit` at a time. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}

async function jobStates(system: SystemUnderTest, jobIds: string[]): Promise<Map<string, string>> {
  const rows: { id: string; state: string }[] = await system.dataSource.query(
    `SELECT id, state FROM jobs WHERE id = ANY($1)`,
    [jobIds],
  );
  return new Map(rows.map((row) => [row.id, row.state]));
}

async function waitForAllEnded(system: SystemUnderTest, jobIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await jobStates(system, jobIds);
    const open = jobIds.filter((id) => !['done', 'failed'].includes(states.get(id) ?? 'missing'));
    if (open.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${open.length} jobs did not end: ${open.slice(0, 5).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('200 reboots over 3 workers while workers are SIGKILLed every few seconds', () => {
  const nodes = Array.from({ length: 200 }, (_, i) => `app-${String(i).padStart(3, '0')}.openstacklocal`);
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      // Reboots long enough that the kills land while they are in flight.
      knobs: { rebootDurationMs: 12000 },
      extraServers: nodes,
      workers: 3,
      workerEnv: { ...RESILIENT_WORKER, WORKER_CONCURRENCY: '15' },
    });
    operator = await system.user(['reboot']);
    // Resilience, not the cluster's rules, is under test: every node may reboot at once.
    await system.setRebootPolicy({ roles: { other: { max_parallel: 1000 } } });
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  /** How many active jobs each worker holds under a live lease now, by pid (lease owners name their process). */
  async function heldBy(workers: { pid: number | undefined }[]): Promise<Map<number | undefined, number>> {
    const rows: { owner: string; n: number }[] = await system.dataSource.query(
      `SELECT lease_owner AS owner, count(*)::int AS n FROM jobs
        WHERE state IN ('queued', 'running') AND lease_until > now() GROUP BY lease_owner`,
    );
    const counts = new Map<number | undefined, number>();
    for (const { owner, n } of rows) {
      const pid = Number(owner.split(':')[1]);
      if (workers.some((worker) => worker.pid === pid)) counts.set(pid, (counts.get(pid) ?? 0) + n);
    }
    return counts;
  }

  it('ends every job, loses none, and reboots each node exactly once per Done', async () => {
    const jobIds = await inParallel(nodes, 10, (node) => startReboot(system, operator, node));
    expect(new Set(jobIds).size).toBe(200);

    let kills = 0;
    /** Jobs the killed workers held (sending their reboot, or watching it) at the moment of their kill. */
    let heldByVictims = 0;
    const chaosUntil = Date.now() + 30000;
    while (Date.now() < chaosUntil) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const alive = system.workers.filter((worker) => worker.running);
      const holding = await heldBy(alive);
      // The first kill takes the worker holding the most reboots in flight; the rest are random.
      const victim =
        kills === 0 && holding.size > 0
          ? alive.reduce((most, worker) =>
              (holding.get(worker.pid) ?? 0) > (holding.get(most.pid) ?? 0) ? worker : most,
            )
          : alive[Math.floor(Math.random() * alive.length)];
      await victim.stop('SIGKILL');
      heldByVictims += holding.get(victim.pid) ?? 0;
      kills += 1;
      // A replacement may itself be killed before it is ready: that is part of the game.
      system.startWorker({ ...RESILIENT_WORKER, WORKER_CONCURRENCY: '15' }).catch(() => undefined);
    }
    expect(kills).toBeGreaterThanOrEqual(6);

    await waitForAllEnded(system, jobIds, 150000);
    const outputs: { id: string; target: string; state: string; last: string }[] = await system.dataSource.query(
      `SELECT j.id, j.target, j.state,
              (SELECT l.line FROM job_lines l WHERE l.job_id = j.id ORDER BY l.seq DESC LIMIT 1) AS last
         FROM jobs j WHERE j.id = ANY($1)`,
      [jobIds],
    );
    expect(outputs).toHaveLength(200);
    for (const job of outputs) {
      expect({ id: job.id, ending: job.last }).toEqual({ id: job.id, ending: job.state === 'done' ? 'Done' : 'Fail' });
    }
    const done = outputs.filter((job) => job.state === 'done');
    expect(done.length).toBe(200);
    const rebootCounts = done.map((job) => system.simulator.rebootActions(job.target));
    expect(rebootCounts.filter((count) => count !== 1)).toEqual([]);
    // The kills did land on reboots in flight, and every one of those ended Done, rebooted once (above).
    expect(heldByVictims).toBeGreaterThan(0);
    // No listener warning on stderr, however many jobs a worker has in hand.
    expect(system.workers.map((worker) => worker.logs).join('')).not.toMatch(/MaxListenersExceededWarning/);
  }, 300000);
});

describe('Redis losing every key mid-run', () => {
  const nodes = Array.from({ length: 40 }, (_, i) => `batch-${String(i).padStart(2, '0')}.openstacklocal`);
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 2000 },
      extraServers: nodes,
      workers: 1,
      workerEnv: { ...RESILIENT_WORKER, WORKER_CONCURRENCY: '10' },
    });
    operator = await system.user(['reboot']);
    // Resilience, not the cluster's rules, is under test: every node may reboot at once.
    await system.setRebootPolicy({ roles: { other: { max_parallel: 1000 } } });
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('still ends every accepted job, each node rebooted once', async () => {
    const jobIds = await inParallel(nodes, 10, (node) => startReboot(system, operator, node));
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // Only this system's keys: the Redis server is shared with other tests and processes.
    const flushed = await deleteRedisKeys(testServices().redisUrl, `${system.redisPrefix}:`);
    expect(flushed).toBeGreaterThan(0);

    await waitForAllEnded(system, jobIds, 120000);
    const last = await followJob(system, operator, jobIds[jobIds.length - 1]);
    expect(last.output.split('\n').slice(-1)).toEqual(['Done']);
    const states = await jobStates(system, jobIds);
    expect([...states.values()].every((state) => state === 'done')).toBe(true);
    expect(nodes.map((node) => system.simulator.rebootActions(node)).filter((count) => count !== 1)).toEqual([]);
  }, 200000);
});

describe('a worker stopped with SIGTERM mid-reboot', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 3000 },
      workers: 1,
      workerEnv: { ...RESILIENT_WORKER, JOB_LEASE_SECONDS: '30', SHUTDOWN_GRACE_MS: '5000' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('exits within its grace period and hands the job back; another worker finishes it, one reboot', async () => {
    const jobId = await startReboot(system, operator, 'worker-0.openstacklocal');
    await followJob(system, operator, jobId, { until: (output) => output.includes('REBOOT') });
    const stoppedAt = Date.now();
    await system.workers[0].stop('SIGTERM');
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    // Handed back, not abandoned: still running in Postgres, its lease given up for the next worker.
    const [row] = await system.dataSource.query(
      `SELECT state, lease_until <= now() AS released FROM jobs WHERE id = $1`,
      [jobId],
    );
    expect(row).toEqual({ state: 'running', released: true });

    await system.startWorker(RESILIENT_WORKER);
    const job = await followJob(system, operator, jobId);
    expect(job.output.split('\n').slice(-2)).toEqual(['worker-0.openstacklocal ACTIVE', 'Done']);
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(1);
  });
});

describe('a worker frozen (SIGSTOP) while it watches a reboot, at production timings', () => {
  const node = 'worker-0.openstacklocal';
  let system: SystemUnderTest;
  let operator: TestUser;

  beforeAll(async () => {
    // The workers' defaults: a poll every 1 s, a watch that lapses 5 s after its last renewal, 30 s job leases.
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 1500 }, workers: 2 });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  const leaseOwner = async (jobId: string): Promise<string | null> =>
    (await system.dataSource.query(`SELECT lease_owner FROM jobs WHERE id = $1`, [jobId]))[0].lease_owner;

  it('the other worker takes the watch once it lapses and ends the reboot, not a job lease later', async () => {
    system.simulator.setKnobs({ rebootHangs: true }, node);
    const jobId = await startReboot(system, operator, node);
    await followJob(system, operator, jobId, { until: (output) => output.includes(`${node} REBOOT`) });
    // Followed by a cluster watcher now: the one to freeze, with the job's lease live for about 30 s more.
    let owner = await leaseOwner(jobId);
    for (const deadline = Date.now() + 10_000; !owner?.endsWith(':watch') && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      owner = await leaseOwner(jobId);
    }
    const watcher = system.workers.find((worker) => owner?.split(':')[1] === String(worker.pid));
    expect(watcher).toBeDefined();
    process.kill(watcher!.pid!, 'SIGSTOP');
    try {
      const frozenAt = Date.now();
      system.simulator.setKnobs({ rebootHangs: false }, node);
      const job = await followJob(system, operator, jobId);
      const tookMs = Date.now() - frozenAt;
      expect(job.output.split('\n').slice(-2)).toEqual([`${node} ACTIVE`, 'Done']);
      // The watch lapses at most 5 s after the frozen worker's last renewal; the other worker takes it, and the
      // job with it, at its next round. Waiting out the frozen worker's job lease would take 29 s or more.
      expect(tookMs).toBeLessThan(15_000);
      expect((await leaseOwner(jobId))?.split(':')[1]).not.toBe(String(watcher!.pid));
    } finally {
      process.kill(watcher!.pid!, 'SIGCONT');
    }
    expect(system.simulator.rebootActions(node)).toBe(1);
    const lines = (await followJob(system, operator, jobId)).output.split('\n');
    expect(lines.filter((line) => line === 'Done')).toHaveLength(1);
  }, 120000);
});
