/**
 * The benchmark's yardstick: a bare Fastify server answering the gateway's three calls from the same data,
 * with no framework, no authentication and no validation, so that the gateway's figures read as a share of
 * what the data sources allow. Same JSON bytes as the gateway:
 * - `GET nodestatus`: the cached node list from the same Redis key the gateway reads (one GET per request);
 * - `GET job/{id}`: the gateway's Postgres query, through a plain `pg` pool of the same size;
 * - `POST reboot` (JSON body): the same node lookup in the cached list, the same transaction (job row and its
 *   audit record) and the same enqueue.
 * Benchmark use only: it answers anyone.
 */
import 'reflect-metadata';
import Fastify from 'fastify';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { connectRedis, queueConnection } from '@oshift/redis';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import { activeStateSql, newJobId, REBOOT_JOB_OPTIONS, REBOOT_QUEUE } from '@oshift/jobs';
import { type ClusterNode, NodeStatusCache } from '@oshift/node-registry';

const UNIQUE_VIOLATION = '23505';
/** AuditLog.record's insert. */
const INSERT_AUDIT = `INSERT INTO audit_events (actor, source, action, cluster_id, target, outcome, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`;
/** JobRequests.readOutput's query, word for word. */
const READ_OUTPUT = `SELECT j.errors,
              (SELECT array_agg(l.line ORDER BY l.seq) FROM job_lines l WHERE l.job_id = j.id) AS lines
         FROM jobs j
        WHERE j.id = $1 AND j.cluster_id = $2`;

async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.PORT ?? 0);
  const prefix = env.REDIS_PREFIX ?? 'oshift';
  const publicUrl = env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: Number(env.DATABASE_POOL_SIZE ?? 10) });
  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = connectRedis(redisUrl, 'commands');
  const queue = new Queue(REBOOT_QUEUE, {
    connection: queueConnection(redisUrl, 'producer'),
    prefix,
    defaultJobOptions: REBOOT_JOB_OPTIONS,
  });
  // The last entry seen per cluster, for the moment between the entry's expiry and the gateway's refresh.
  const lastSeen = new Map<string, string>();
  const nodesOf = async (clusterId: string): Promise<ClusterNode[] | null> => {
    const raw = (await redis.get(NodeStatusCache.entryKey(prefix, clusterId))) ?? lastSeen.get(clusterId);
    if (!raw) return null;
    lastSeen.set(clusterId, raw);
    return (JSON.parse(raw) as { nodes: ClusterNode[] }).nodes;
  };
  const statusUrl = (clusterId: string, jobId: string) =>
    `${publicUrl}/api/openshift/${encodeURIComponent(clusterId)}/job/${jobId}`;

  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 300 } });

  app.get<{ Params: { clusterId: string } }>('/api/openshift/:clusterId/nodestatus', async (request, reply) => {
    const nodes = await nodesOf(request.params.clusterId);
    if (!nodes) return reply.code(503).send({ error: 'no cached node list' });
    return nodes.map(({ nodename, status }) => ({ nodename, status }));
  });

  app.get<{ Params: { clusterId: string; jobId: string } }>(
    '/api/openshift/:clusterId/job/:jobId',
    async (request, reply) => {
      const { rows } = await pool.query<{ errors: string; lines: string[] | null }>(READ_OUTPUT, [
        request.params.jobId,
        request.params.clusterId,
      ]);
      if (rows.length === 0) return reply.code(404).send({ error: 'Job Not found' });
      return { output: (rows[0].lines ?? []).join('\n'), errors: rows[0].errors };
    },
  );

  app.post<{ Params: { clusterId: string }; Body: { target: string } }>(
    '/api/openshift/:clusterId/reboot',
    async (request, reply) => {
      const { clusterId } = request.params;
      const target = request.body.target;
      const nodes = await nodesOf(clusterId);
      if (!nodes?.some((node) => node.nodename === target)) return reply.code(404).send({ error: 'Node Not found' });
      const jobId = newJobId();
      // As the gateway records it: the job and its audit record in one transaction.
      const audit = (outcome: AuditOutcome, detail: Record<string, unknown>) => [
        'bench-operator',
        request.ip,
        AuditAction.nodeReboot,
        clusterId,
        target,
        outcome,
        JSON.stringify(detail),
      ];
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO jobs (id, cluster_id, target, state, requested_by, request_id, deadline_at)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6)`,
          [jobId, clusterId, target, 'bench-operator', request.id, new Date(Date.now() + 600_000)],
        );
        await client.query(
          INSERT_AUDIT,
          audit(AuditOutcome.accepted, { jobId, method: 'basic', requestId: request.id }),
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
        const { rows } = await client.query<{ id: string }>(
          `SELECT id FROM jobs WHERE cluster_id = $1 AND target = $2 AND ${activeStateSql()} LIMIT 1`,
          [clusterId, target],
        );
        const running = rows[0]?.id ?? '';
        await client.query(
          INSERT_AUDIT,
          audit(AuditOutcome.refused, { reason: 'already running', runningJobId: running }),
        );
        return reply.code(409).send({
          error: 'A reboot of this node is already running',
          job_id: running,
          status_url: statusUrl(clusterId, running),
        });
      } finally {
        client.release();
      }
      await queue.add('reboot', { jobId, clusterId, requestId: request.id }, { jobId });
      const url = statusUrl(clusterId, jobId);
      return reply.code(202).header('location', url).send({ state: 'started', job_id: jobId, status_url: url });
    },
  );

  const stop = async () => {
    await app.close();
    await Promise.allSettled([pool.end(), queue.close()]);
    redis.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  await app.listen({ host: env.HOST ?? '127.0.0.1', port });
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline server failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
