-- The plans of the hot queries that docs/architecture.md shows ("Hot queries and their indexes").
-- Run against a scratch database migrated by `admin migrate`:
--   createdb explain && DATABASE_URL=postgres://…/explain npm run admin -- migrate
--   psql -d explain -f bench/explain-hot-queries.sql
-- It seeds 100 clusters, 60,000 ended jobs, 6,000 active ones (half waiting for the rules), 60,000 webhook
-- deliveries, 60,000 idempotency keys and 200,000 audit events, then EXPLAINs each query.
\set ON_ERROR_STOP on
INSERT INTO clusters (id, auth_url, secret_ref)
SELECT 'c' || n || '.example.test', 'https://keystone.example.test/v3', 'env:X' FROM generate_series(1, 100) n;
INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, finished_at, deadline_at)
SELECT 'done-' || n, 'c' || (n % 100 + 1) || '.example.test', 'worker-' || n, 'done', 'u',
       now() - (n || ' minutes')::interval, now() - (n || ' minutes')::interval, now()
  FROM generate_series(1, 60000) n;
INSERT INTO jobs (id, cluster_id, target, state, requested_by, created_at, deadline_at, admitted_at,
                  waiting_reason, reboot_attempted_at)
SELECT 'active-' || n, 'c' || (n % 100 + 1) || '.example.test', 'node-' || n, 'queued', 'u',
       now() - (n || ' seconds')::interval, now() + (n || ' seconds')::interval,
       CASE WHEN n % 2 = 0 THEN now() END, CASE WHEN n % 2 = 1 THEN 'worker-0 is rebooting' END,
       CASE WHEN n % 4 = 0 THEN now() END
  FROM generate_series(1, 6000) n;
INSERT INTO webhooks (id, cluster_id, url, secret_ref, created_by)
SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 'c' || n || '.example.test',
       'https://hooks.example.test/' || n, 'env:H', 'u'
  FROM generate_series(1, 100) n;
INSERT INTO webhook_deliveries (webhook_id, job_id, state)
SELECT ('00000000-0000-0000-0000-' || lpad((n % 100 + 1)::text, 12, '0'))::uuid, 'done-' || n, 'delivered'
  FROM generate_series(1, 60000) n;
INSERT INTO idempotency_keys (username, key, request_hash, job_id)
SELECT 'u', 'k' || n, 'h', 'done-' || n FROM generate_series(1, 60000) n;
INSERT INTO audit_events (at, actor, action, outcome)
SELECT now() - (n || ' seconds')::interval, 'u' || (n % 50), 'node.reboot', 'accepted'
  FROM generate_series(1, 200000) n;
ANALYZE;

\echo '--- the reconciler: one page of orphans, oldest deadline first'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id, cluster_id, request_id, COALESCE(deadline_at, 'infinity') AS deadline_at FROM jobs
 WHERE state IN ('queued', 'running') AND created_at < now() - make_interval(secs => 60)
   AND (lease_until IS NULL OR lease_until < now()) AND reboot_attempted_at IS NULL
   AND (NULL::timestamptz IS NULL OR (COALESCE(deadline_at, 'infinity'), id) > (NULL::timestamptz, ''::text))
 ORDER BY COALESCE(deadline_at, 'infinity'), id LIMIT 200;

\echo '--- the admission: the jobs of a cluster that asked before this one and wait their turn'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT o.target FROM jobs o
 WHERE o.cluster_id = 'c8.example.test' AND o.kind = 'reboot' AND o.admitted_at IS NULL
   AND o.state IN ('queued', 'running') AND (o.created_at, o.id) < (now(), 'active-4000')
 ORDER BY o.created_at, o.id;

\echo '--- deleting a job: what its foreign keys cascade to (the statements Postgres runs per deleted job)'
EXPLAIN (COSTS OFF) DELETE FROM webhook_deliveries WHERE job_id = 'done-42';
EXPLAIN (COSTS OFF) DELETE FROM idempotency_keys WHERE job_id = 'done-42';
\echo '--- one retention batch of 500 jobs (JobRetention, rolled back), with the job_id indexes and without them'
PREPARE retention_batch AS
WITH batch AS (SELECT id FROM jobs WHERE state IN ('done', 'failed')
                  AND coalesce(finished_at, created_at) < now() - interval '950 hours'
                  AND NOT EXISTS (SELECT 1 FROM jobs rolling WHERE rolling.id = jobs.parent_id
                                    AND rolling.state IN ('queued', 'running'))
                ORDER BY coalesce(finished_at, created_at) LIMIT 500 FOR UPDATE SKIP LOCKED),
     lines AS (DELETE FROM job_lines WHERE job_id IN (SELECT id FROM batch) RETURNING 1),
     deliveries AS (DELETE FROM webhook_deliveries WHERE job_id IN (SELECT id FROM batch) RETURNING 1),
     keys AS (DELETE FROM idempotency_keys WHERE job_id IN (SELECT id FROM batch) RETURNING 1),
     gone AS (DELETE FROM jobs WHERE id IN (SELECT id FROM batch) RETURNING 1)
SELECT (SELECT count(*) FROM gone) AS jobs, (SELECT count(*) FROM deliveries) AS deliveries;
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE retention_batch;
ROLLBACK;
BEGIN;
DROP INDEX webhook_deliveries_job_idx;
DROP INDEX idempotency_keys_job_idx;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE retention_batch;
ROLLBACK;

\echo '--- retention and the audit trail by time'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM audit_events WHERE at < now() - interval '50 hours';
