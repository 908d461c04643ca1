import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AccessAdmin, accessEntities, PasswordHasher } from '@oshift/access';
import { auditEntities } from '@oshift/audit';
import { jobEntities } from '@oshift/jobs';
import { ClusterAdmin, nodeRegistryEntities } from '@oshift/node-registry';
import { OpenStackSimulator, type SimProjectSpec } from '@oshift/openstack-sim';
import { dataSourceOptions, migrate } from '@oshift/persistence';
import { AppProcess, freePort } from '@oshift/testing';
import { CHAOS_CLUSTERS, CHAOS_USERS, type ChaosCluster } from './chaos-schedule';
import type { ChaosEnvironment } from './chaos.config';

/** Timings of the run: production defaults for the workers' machinery, short reboots, a stated job deadline. */
export const CHAOS_TIMINGS = {
  /** How long the simulator's reboots take. */
  rebootDurationMs: 1500,
  /** The gateway's and workers' JOB_DEADLINE_SECONDS (a rolling reboot gets this per node). */
  jobDeadlineSeconds: 60,
  /**
   * How long after its deadline a job may still end: a lease (JOB_LEASE_SECONDS 30) for a dead worker's job to be
   * taken over, a reconcile interval (RECONCILE_INTERVAL_MS 30 000) for a job lost with Redis to be found again,
   * and 15 s for the polls (POLL_INTERVAL_MS 1000) and a loaded machine.
   */
  boundMs: 75_000,
} as const;

export interface ChaosUser {
  username: string;
  password: string;
}

/**
 * The system the chaos run drives: the simulator in this process (two clusters, both naming styles), a private
 * Redis server (so `FLUSHALL` touches nobody else), a Postgres database, and the real gateway and workers.
 */
export class ChaosSystem {
  readonly workers: AppProcess[] = [];
  readonly users: ChaosUser[] = [];
  readonly clusterIds = new Map<ChaosCluster['key'], string>();
  private gateway?: AppProcess;
  private workerCount = 0;

  private constructor(
    readonly simulator: OpenStackSimulator,
    private readonly dataSource: DataSource,
    private readonly redisServer: ChildProcess,
    private readonly redisUrl: string,
    private readonly environment: ChaosEnvironment,
    private readonly env: Record<string, string>,
    readonly baseUrl: string,
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  /** Boots everything, in a database of its own (created and migrated here, dropped at stop). */
  static async start(options: { environment: ChaosEnvironment; workers: number }): Promise<ChaosSystem> {
    const { environment } = options;
    const redisPort = await freePort();
    const redisServer = spawn(
      environment.redisServer,
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    await waitForRedis(redisUrl);

    const name = `oshift_chaos_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    await adminQuery(environment.adminDatabaseUrl, `CREATE DATABASE ${name}`);
    const url = new URL(environment.adminDatabaseUrl);
    url.pathname = `/${name}`;
    const databaseUrl = url.toString();
    await migrate({ url: databaseUrl });
    const dropDatabase = () => adminQuery(environment.adminDatabaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

    const projects: SimProjectSpec[] = CHAOS_CLUSTERS.map((cluster) => ({
      id: cluster.projectId,
      name: `chaos-${cluster.key}.cna.example.test`,
      users: [{ name: `chaos-${cluster.key}`, password: `chaos-${cluster.key}-password` }],
      servers: cluster.nodes.map((name) => ({ name })),
    }));
    const simulator = await OpenStackSimulator.start({
      projects,
      knobs: { rebootDurationMs: CHAOS_TIMINGS.rebootDurationMs },
    });
    const dataSource = new DataSource(
      dataSourceOptions({ url: databaseUrl, poolSize: 2 }, [
        ...accessEntities,
        ...auditEntities,
        ...jobEntities,
        ...nodeRegistryEntities,
      ]),
    );
    await dataSource.initialize();

    const port = await freePort();
    const run = randomBytes(3).toString('hex');
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '3',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `oshift-chaos-${run}`,
      JOB_DEADLINE_SECONDS: String(CHAOS_TIMINGS.jobDeadlineSeconds),
      LOG_LEVEL: 'info',
    };
    const system = new ChaosSystem(
      simulator,
      dataSource,
      redisServer,
      redisUrl,
      environment,
      env,
      `http://127.0.0.1:${port}`,
      dropDatabase,
    );
    await system.register(run);
    system.gateway = AppProcess.start('gateway', 'apps/gateway/src/main.ts', {
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: 'https://self-service.example.test',
    });
    await Promise.all([
      system.gateway.waitFor(/"listening"/, 90000),
      ...Array.from({ length: options.workers }, () => system.startWorker(0)),
    ]);
    return system;
  }

  /** Clusters (with their rules) and users with the reboot role on both. */
  private async register(run: string): Promise<void> {
    const clusters = new ClusterAdmin(this.dataSource);
    for (const cluster of CHAOS_CLUSTERS) {
      const id = `chaos-${cluster.key}-${run}.cna.example.test`;
      const secret = `OSHIFT_SECRET_CHAOS_${cluster.key.toUpperCase()}`;
      this.env[secret] = `chaos-${cluster.key}-password`;
      await clusters.upsert(
        {
          id,
          authUrl: this.simulator.identityUrl,
          region: 'RegionOne',
          projectName: `chaos-${cluster.key}.cna.example.test`,
          projectDomain: 'Default',
          username: `chaos-${cluster.key}`,
          userDomain: 'Default',
          secretRef: `env:${secret}`,
        },
        'chaos-setup',
      );
      if (cluster.policy)
        await this.dataSource.query(`UPDATE clusters SET reboot_policy = $2 WHERE id = $1`, [
          id,
          JSON.stringify(cluster.policy),
        ]);
      this.clusterIds.set(cluster.key, id);
    }
    const access = new AccessAdmin(this.dataSource, new PasswordHasher());
    for (let index = 0; index < CHAOS_USERS; index++) {
      const user = { username: `chaos-user-${index}-${run}`, password: `pw-${randomBytes(9).toString('hex')}` };
      await access.addUser(user.username, user.password, 'chaos-setup');
      for (const id of this.clusterIds.values()) await access.grant(user.username, id, 'reboot', 'chaos-setup');
      this.users.push(user);
    }
  }

  /** Starts a worker at production default timings, its clock `skewSeconds` off (libfaketime) when not 0. */
  async startWorker(skewSeconds: number): Promise<AppProcess> {
    const skew: Record<string, string> =
      skewSeconds === 0
        ? {}
        : {
            LD_PRELOAD: libfaketime(this.environment.libfaketime),
            FAKETIME: `${skewSeconds > 0 ? '+' : '-'}${Math.abs(skewSeconds)}s`,
            FAKETIME_DONT_FAKE_MONOTONIC: '1',
          };
    const name = `worker-${this.workerCount++}${skewSeconds === 0 ? '' : `(clock ${skew.FAKETIME})`}`;
    const worker = AppProcess.start(name, 'apps/worker/src/main.ts', { ...this.env, ...skew });
    this.workers.push(worker);
    await worker.waitFor(/consuming reboot jobs/, 90000);
    return worker;
  }

  /** The running workers. */
  get liveWorkers(): AppProcess[] {
    return this.workers.filter((worker) => worker.running);
  }

  /** `FLUSHALL` on the run's own Redis: every queue, lease and cache gone at once. */
  async flushRedis(): Promise<void> {
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      await redis.flushall();
    } finally {
      redis.disconnect();
    }
  }

  /** Calls the gateway as a user, JSON in and out, with no query string and no Origin header. */
  request(method: 'GET' | 'POST' | 'DELETE', path: string, user: ChaosUser, json?: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
    };
    if (json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(30000),
    });
  }

  /** The last lines of every process's output (for a failure's report). */
  logTails(lines = 8): string {
    const all = [this.gateway, ...this.workers].filter((p): p is AppProcess => p !== undefined);
    return all.map((p) => `--- ${p.name}\n${p.logs.split('\n').slice(-lines).join('\n')}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all([this.gateway?.stop(), ...this.workers.map((worker) => worker.stop('SIGKILL'))]);
    await this.simulator.close().catch(() => undefined);
    await this.dataSource.destroy().catch(() => undefined);
    this.redisServer.kill('SIGTERM');
    await this.dropDatabase().catch(() => undefined);
  }
}

function libfaketime(configured: string): string {
  const candidates = [
    configured,
    ...['x86_64', 'aarch64'].map((a) => `/usr/lib/${a}-linux-gnu/faketime/libfaketimeMT.so.1`),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`libfaketime not found (${configured}): apt-get install faketime`);
  return found;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function waitForRedis(url: string): Promise<void> {
  const until = Date.now() + 10000;
  for (;;) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      return;
    } catch (error) {
      if (Date.now() > until) throw new Error(`the run's Redis did not start: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      redis.disconnect();
    }
  }
}
