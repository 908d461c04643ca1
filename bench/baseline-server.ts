/**
 * The benchmark's yardstick: a bare Fastify server answering the gateway's three calls from the same data,
 * with no framework, no authentication and no validation, so that the gateway's figures read as a share of
 * what the data sources allow. Same JSON bytes as the gateway:
 * - `GET nodestatus`: the node list from process memory, read from the same Redis key the gateway reads at most
 *   once per cache period (as the gateway does), its answer serialised once: the real ceiling;
 * - `GET job/{id}`: the gateway's Postgres query (the same SQL text), through a plain `pg` pool of the same size;
 * - `POST reboot` (JSON body): the same node lookup, then the least durable work that still records a job: one
 *   INSERT of the job row (no audit record) and the same enqueue.
 * Benchmark use only: it answers anyone.
 */
import 'reflect-metadata';
import Fastify from 'fastify';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { connectRedis, queueConnection } from '@oshift/redis';
import {
  activeStateSql,
  JOB_DETAIL_SQL,
  jobDetailOf,
  type JobDetailRow,
  newJobId,
  REBOOT_JOB_OPTIONS,
  REBOOT_QUEUE,
} from '@oshift/jobs';
import { type ClusterNode, NodeStatusCache } from '@oshift/node-registry';

const UNIQUE_VIOLATION = '23505';

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
  // Each cluster's list in memory, read again from Redis once it is a cache period old (the gateway's default).
  const period = Number(env.NODE_STATUS_CACHE_MS ?? 2000);
  const held = new Map<string, { at: number; nodes: ClusterNode[]; body: string }>();
  const nodesOf = async (clusterId: string) => {
    const kept = held.get(clusterId);
    if (kept && Date.now() - kept.at < period) return kept;
    const raw = await redis.get(NodeStatusCache.entryKey(prefix, clusterId));
    if (!raw) return kept ?? null;
    const nodes = (JSON.parse(raw) as { nodes: ClusterNode[] }).nodes;
    const body = JSON.stringify(nodes.map(({ nodename, status }) => ({ nodename, status })));
    const entry = { at: Date.now(), nodes, body };
    held.set(clusterId, entry);
    return entry;
  };
  const statusUrl = (clusterId: string, jobId: string) =>
    `${publicUrl}/api/openshift/${encodeURIComponent(clusterId)}/job/${jobId}`;

  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 300 } });

  app.get<{ Params: { clusterId: string } }>('/api/openshift/:clusterId/nodestatus', async (request, reply) => {
    const entry = await nodesOf(request.params.clusterId);
    if (!entry) return reply.code(503).send({ error: 'no cached node list' });
    return reply.header('content-type', 'application/json; charset=utf-8').send(entry.body);
  });

  app.get<{ Params: { clusterId: string; jobId: string } }>(
    '/api/openshift/:clusterId/job/:jobId',
    async (request, reply) => {
      const { rows } = await pool.query<JobDetailRow>(JOB_DETAIL_SQL, [request.params.jobId, request.params.clusterId]);
      if (!rows[0]) return reply.code(404).send({ error: 'Job Not found' });
      return jobDetailOf(rows[0]);
    },
  );

  app.post<{ Params: { clusterId: string }; Body: { target: string } }>(
    '/api/openshift/:clusterId/reboot',
    async (request, reply) => {
      const { clusterId } = request.params;
      const target = request.body.target;
      const entry = await nodesOf(clusterId);
      if (!entry?.nodes.some((node) => node.nodename === target))
        return reply.code(404).send({ error: 'Node Not found' });
      const jobId = newJobId();
      try {
        await pool.query(
          `INSERT INTO jobs (id, cluster_id, target, state, requested_by, request_id, deadline_at)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6)`,
          [jobId, clusterId, target, 'bench-operator', request.id, new Date(Date.now() + 600_000)],
        );
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
        const { rows } = await pool.query<{ id: string }>(
          `SELECT id FROM jobs WHERE cluster_id = $1 AND target = $2 AND ${activeStateSql()} LIMIT 1`,
          [clusterId, target],
        );
        const running = rows[0]?.id ?? '';
        return reply.code(409).send({
          error: 'A reboot of this node is already running',
          job_id: running,
          status_url: statusUrl(clusterId, running),
        });
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
