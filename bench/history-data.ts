/**
 * A database with years of history, made in Postgres itself (INSERT … SELECT over generate_series, no row
 * crosses the wire): 100 clusters, one user granted on every one, `jobs` ended jobs spread over the last
 * 120 days (so a quarter is past a 90-day retention) with `linesPerJob` output lines each, one webhook delivery
 * and one idempotency key per 10 jobs, two audit events per job over the last 400 days, and 1,000 active jobs
 * (half never attempted, which the reconciler pages through). `job_lines` is filled with its primary key and
 * foreign key dropped, then both rebuilt: one index build instead of 50 million insertions into a B-tree.
 */
import type { Client } from 'pg';

export interface HistoryScale {
  jobs: number;
  linesPerJob: number;
}

/** Active jobs, whatever the history: they are bounded by the fleet, not by time. */
export const ACTIVE_JOBS = 1000;
export const CLUSTERS = 100;
export const BENCH_USER = 'history-bench';

/** The statements, in order, with what each makes (for progress lines). */
export function historyStatements({ jobs, linesPerJob }: HistoryScale): [string, string][] {
  return [
    [
      'settings',
      `SET synchronous_commit = off; SET maintenance_work_mem = '1GB'; SET max_parallel_maintenance_workers = 1`,
    ],
    [
      'clusters, user, grants',
      `INSERT INTO clusters (id, auth_url, secret_ref)
         SELECT 'c' || n || '.example.test', 'https://keystone.example.test/v3', 'env:X' FROM generate_series(1, ${CLUSTERS}) n;
       INSERT INTO users (username) VALUES ('${BENCH_USER}');
       INSERT INTO grants (user_id, cluster_id, role)
         SELECT u.id, c.id, r FROM users u, clusters c, unnest(ARRAY['read', 'reboot']) r WHERE u.username = '${BENCH_USER}'`,
    ],
    [
      `${jobs} ended jobs`,
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, started_at, finished_at, deadline_at,
                         admitted_at, released_at, reboot_attempted_at, reboot_sent_at, attempts)
         SELECT 'h' || lpad(n::text, 8, '0'), 'c' || (n % ${CLUSTERS} + 1) || '.example.test', 'worker-' || (n / ${CLUSTERS}) % 500,
                CASE WHEN n % 20 = 0 THEN 'failed' ELSE 'done' END, 'u' || n % 50, t, t, t + interval '3 minutes',
                t + interval '10 minutes', t, t + interval '3 minutes', t, t, 1
           FROM generate_series(1, ${jobs}) n,
                LATERAL (SELECT now() - interval '120 days' * (${jobs} - n) / ${jobs} - interval '1 hour' AS t) at`,
    ],
    [
      `${ACTIVE_JOBS} active jobs`,
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, deadline_at, admitted_at, reboot_attempted_at)
         SELECT 'a' || lpad(n::text, 8, '0'), 'c' || (n % ${CLUSTERS} + 1) || '.example.test', 'active-' || n,
                CASE WHEN n % 2 = 0 THEN 'running' ELSE 'queued' END, 'u', now() - interval '5 minutes',
                now() + (n || ' seconds')::interval, now(), CASE WHEN n % 2 = 0 THEN now() END
           FROM generate_series(1, ${ACTIVE_JOBS}) n`,
    ],
    [
      'drop job_lines keys',
      `ALTER TABLE job_lines DROP CONSTRAINT job_lines_pkey, DROP CONSTRAINT job_lines_job_id_fkey`,
    ],
    [
      `${jobs * linesPerJob} output lines`,
      `INSERT INTO job_lines (job_id, seq, line, created_at)
         SELECT j.id, s, j.target || ' REBOOT ACTIVE ' || s, j.created_at + s * interval '3 seconds'
           FROM jobs j, generate_series(1, ${linesPerJob}) s`,
    ],
    ['job_lines primary key', `ALTER TABLE job_lines ADD PRIMARY KEY (job_id, seq)`],
    [
      'job_lines foreign key',
      `ALTER TABLE job_lines ADD CONSTRAINT job_lines_job_id_fkey FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE`,
    ],
    [
      'webhooks, deliveries, idempotency keys',
      `INSERT INTO webhooks (id, cluster_id, url, secret_ref, created_by)
         SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 'c' || n || '.example.test',
                'https://hooks.example.test/' || n, 'env:H', 'u' FROM generate_series(1, ${CLUSTERS}) n;
       INSERT INTO webhook_deliveries (webhook_id, job_id, state, created_at)
         SELECT ('00000000-0000-0000-0000-' || lpad((substr(j.cluster_id, 2, strpos(j.cluster_id, '.') - 2))::text, 12, '0'))::uuid,
                j.id, 'delivered', j.finished_at
           FROM jobs j WHERE j.id LIKE 'h%' AND right(j.id, 1) = '0';
       INSERT INTO idempotency_keys (username, key, request_hash, job_id, created_at)
         SELECT j.requested_by, 'k-' || j.id, 'h', j.id, j.created_at FROM jobs j WHERE j.id LIKE 'h%' AND right(j.id, 1) = '5'`,
    ],
    [
      `${jobs * 2} audit events`,
      `INSERT INTO audit_events (at, actor, action, cluster_id, target, outcome)
         SELECT now() - interval '400 days' * (${jobs * 2} - n) / ${jobs * 2}, 'u' || n % 50, 'node.reboot',
                'c' || (n % ${CLUSTERS} + 1) || '.example.test', 'worker-' || n % 500, 'accepted'
           FROM generate_series(1, ${jobs * 2}) n`,
    ],
    ['vacuum analyze', `VACUUM ANALYZE`],
  ];
}

/** Runs {@link historyStatements}, saying how long each took; answers the total seconds. */
export async function generateHistory(
  client: Client,
  scale: HistoryScale,
  say: (line: string) => void,
): Promise<number> {
  const started = Date.now();
  for (const [what, sql] of historyStatements(scale)) {
    const at = Date.now();
    await client.query(sql);
    say(`  ${what}: ${((Date.now() - at) / 1000).toFixed(1)} s`);
  }
  return (Date.now() - started) / 1000;
}
