/**
 * The pipeline's yardstick on the consuming side: a bare BullMQ consumer of the reboot queue that does the least
 * work that still ends a job the way a client reads it, one statement per job: the row marked `done` with its
 * times and its `Done` line. No Nova, no cluster rules, no leases, no status lines. With the baseline server's
 * `POST reboot` (one INSERT and one queue add) it is the least work per job that gives the same answer as the
 * gateway and the workers, on the same machine. Benchmark use only.
 */
import 'reflect-metadata';
import { Worker } from 'bullmq';
import { Pool } from 'pg';
import { queueConnection } from '@oshift/redis';
import { JobEndLine, REBOOT_QUEUE } from '@oshift/jobs';

const END_SQL = `
  WITH ended AS (
    UPDATE jobs SET state = 'done', started_at = now(), finished_at = now() WHERE id = $1 RETURNING id
  )
  INSERT INTO job_lines (job_id, seq, line) SELECT id, 1, $2 FROM ended`;

async function main(): Promise<void> {
  const env = process.env;
  const concurrency = Number(env.WORKER_CONCURRENCY ?? 16);
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: concurrency });
  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const worker = new Worker<{ jobId: string }>(
    REBOOT_QUEUE,
    async (job) => {
      await pool.query(END_SQL, [job.data.jobId, JobEndLine.done]);
    },
    { connection: queueConnection(redisUrl, 'consumer'), prefix: env.REDIS_PREFIX ?? 'oshift', concurrency },
  );
  const stop = async () => {
    await worker.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await worker.waitUntilReady();
  process.stdout.write(`${JSON.stringify({ msg: 'consuming reboot jobs (baseline)' })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline consumer failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
