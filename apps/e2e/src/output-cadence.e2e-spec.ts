import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/** The production default OUTPUT_LINE_SECONDS (the workers here leave it unset). */
const CADENCE_MS = 10_000;

interface StoredLine {
  line: string;
  /** When Postgres wrote it (ms). */
  at: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the output promises about time, by the lines' own times in Postgres: a status line on every change (each
 * status in the order Nova showed it, no status said twice in a row within the cadence), an unchanged status said
 * again after at most a cadence and a few polls, and the end `<node> ACTIVE`, `Done`.
 */
function expectCadence(lines: StoredLine[], node: string, longestGapMs: number): void {
  const status = lines.filter((each) => each.line.startsWith(`${node} `));
  console.log(JSON.stringify({ gapsMs: status.slice(1).map((each, index) => Math.round(each.at - status[index].at)) }));
  expect(status.map((each) => each.line)).toEqual([
    ...status.filter((each) => each.line === `${node} REBOOT`).map(() => `${node} REBOOT`),
    `${node} ACTIVE`,
  ]);
  for (let index = 1; index < status.length - 1; index += 1) {
    const gap = status[index].at - status[index - 1].at;
    expect(gap).toBeGreaterThanOrEqual(CADENCE_MS);
    expect(gap).toBeLessThan(longestGapMs);
  }
  expect(lines.slice(-2).map((each) => each.line)).toEqual([`${node} ACTIVE`, 'Done']);
}

describe('the output cadence, at the production defaults (OUTPUT_LINE_SECONDS 10, POLL_INTERVAL_MS 1000)', () => {
  let system: SystemUnderTest;
  let operator: TestUser;

  const stored = async (jobId: string): Promise<StoredLine[]> => {
    const rows: { line: string; at: string }[] = await system.dataSource.query(
      `SELECT line, (extract(epoch FROM created_at) * 1000)::float8 AS at FROM job_lines WHERE job_id = $1 ORDER BY seq`,
      [jobId],
    );
    return rows.map((row) => ({ line: row.line, at: Number(row.at) }));
  };

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      workers: 2,
      // A job's lease shorter than the cadence: a worker killed mid-reboot is succeeded within the cadence, so a
      // successor that judged from its own memory would say the same status again at once.
      workerEnv: { POLL_INTERVAL_MS: '1000', JOB_LEASE_SECONDS: '2' },
    });
    operator = await system.user(['reboot']);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('writes a long reboot’s status on change and about every 10 s, not every poll, and ends ACTIVE then Done', async () => {
    const node = 'worker-0.openstacklocal';
    system.simulator.setKnobs({ rebootDurationMs: 35_000 }, node);
    const jobId = await startReboot(system, operator, node);
    const job = await followJob(system, operator, jobId, { timeoutMs: 90_000 });
    const lines = await stored(jobId);
    console.log(JSON.stringify({ lines: lines.map((each) => each.line) }));
    expectCadence(lines, node, CADENCE_MS + 5_000);
    // About 35 polls saw it rebooting; a line every 10 s says so three or four times (the reference shows four).
    expect(lines.filter((each) => each.line === `${node} REBOOT`).length).toBeGreaterThanOrEqual(3);
    expect(lines.filter((each) => each.line === `${node} REBOOT`).length).toBeLessThanOrEqual(5);
    // The API shows the same lines, byte for byte.
    expect(job.output).toBe(lines.map((each) => each.line).join('\n'));
  }, 150000);

  it('is kept by the worker that takes over from one SIGKILLed mid-reboot: nothing said again early, no long silence', async () => {
    const node = 'worker-1.openstacklocal';
    system.simulator.setKnobs({ rebootDurationMs: 45_000 }, node);
    const jobId = await startReboot(system, operator, node);
    // Killed just after it wrote a REBOOT line again (the cadence's, not the change's): its successor takes the
    // job over well within the next 10 s.
    await followJob(system, operator, jobId, {
      until: (output) => output.split('\n').filter((line) => line === `${node} REBOOT`).length >= 2,
      timeoutMs: 60_000,
    });
    const [{ lease_owner: owner }] = await system.dataSource.query(`SELECT lease_owner FROM jobs WHERE id = $1`, [
      jobId,
    ]);
    const victim = system.workers.find((worker) => owner.split(':')[1] === String(worker.pid));
    expect(victim).toBeDefined();
    await victim!.stop('SIGKILL');
    const linesAtKill = (await stored(jobId)).length;
    // The successor holds the job within a few seconds (the job's lease is 2 s, the cluster's watch 5 s).
    let successor: string | null = owner;
    for (let waited = 0; waited < 30_000 && (successor === owner || successor === null); waited += 250) {
      await sleep(250);
      [{ lease_owner: successor }] = await system.dataSource.query(`SELECT lease_owner FROM jobs WHERE id = $1`, [
        jobId,
      ]);
    }
    expect(successor).not.toBe(owner);
    await followJob(system, operator, jobId, { timeoutMs: 90_000 });
    const lines = await stored(jobId);
    console.log(JSON.stringify({ lines: lines.map((each) => each.line), linesAtKill }));
    expect(lines.length).toBeGreaterThan(linesAtKill + 1);
    // Across the handover too: the same status never within 10 s, and said again within a cadence and the handover.
    expectCadence(lines, node, CADENCE_MS + 15_000);
    expect(system.simulator.reboots(node).received).toEqual({ SOFT: 1, HARD: 0 });
  }, 180000);
});
