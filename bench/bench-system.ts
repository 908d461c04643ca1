import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AccessAdmin, accessEntities, PasswordHasher } from '@oshift/access';
import { auditEntities } from '@oshift/audit';
import { jobEntities, newJobId } from '@oshift/jobs';
import { ClusterAdmin, nodeRegistryEntities } from '@oshift/node-registry';
import {
  OpenStackSimulator,
  demoProject,
  fleetProjects,
  type SimKnobs,
  type SimProjectSpec,
} from '@oshift/openstack-sim';
import { dataSourceOptions, migrate } from '@oshift/persistence';
import { AppProcess, deleteRedisKeys, freePort } from '@oshift/testing';
import type { BenchConfig } from './bench.config';
import type { LoadTarget } from './load';

/** Clusters the reboot cases spread their targets over, and VMs in each (many names: few 409s). */
const REBOOT_CLUSTERS = 8;
const NODES_PER_REBOOT_CLUSTER = 64;
/** The simulator's reboots take this long until a case sets its own (the HTTP cases never run a worker). */
const DEFAULT_REBOOT_MS = 1000;
/**
 * The rules every fleet cluster gets: all its worker nodes may reboot at once (the default is one per role), so
 * that the rules, not the benchmark, decide nothing; and so that a wave of reboots is in flight together.
 */
export const FLEET_REBOOT_POLICY = { roles: { worker: { max_parallel: 1000 } } };
/** The same for the reboot case's clusters, whose nodes (`node-NNN`) have the role `other`. */
const REBOOT_CLUSTER_POLICY = { roles: { other: { max_parallel: 1000 } } };
/** Lines of the finished job the job-poll case reads (the last one is `Done`). */
const JOB_LINES = 50;
const SECRET_VARIABLE = 'OSHIFT_SECRET_BENCH_OPENSTACK';
/** The worker the pipeline and in-flight cases run: built from this work tree when the first one starts. */
export const BUILT_WORKER = 'dist/apps/worker/main.js';
/**
 * The authenticated gateway, built from this work tree before it starts, as the image runs it: run from its sources,
 * its RSS held swc's compiler and every module's source map besides (about 80 MB of the 277 MB the stream case
 * used to report). The gateway without authentication runs from sources: it is the benchmark's own entry.
 */
export const BUILT_GATEWAY = 'dist/apps/gateway/main.js';

export interface BenchUser {
  username: string;
  /** The `Authorization` header value (HTTP Basic). */
  authorization: string;
}

/** A reboot target: a cluster and one of its VMs. */
export interface RebootTarget {
  clusterId: string;
  nodename: string;
}

/** A worker node of the fleet, with the simulator project that holds it. */
export interface FleetTarget extends RebootTarget {
  projectId: string;
}

/**
 * The whole system for one benchmark run, private to it: a database created on the Postgres server and
 * dropped at the end, a Redis key prefix removed at the end, the simulator in this process with zero
 * latency, the gateway, a second gateway without authentication, the baseline server and, on demand, workers.
 */
export class BenchSystem {
  readonly workers: AppProcess[] = [];
  private readonly processes: AppProcess[] = [];
  private readonly cleanups: (() => Promise<unknown>)[] = [];
  private env: Record<string, string> = {};
  private workerBuilt = false;

  dataSource!: DataSource;
  simulator!: OpenStackSimulator;
  redisPrefix = '';
  databaseUrl = '';
  statusClusterId = 'bench-status.cna.example.test';
  rebootTargets: RebootTarget[] = [];
  /**
   * The fleet's worker nodes (`worker-N` of clusters `fleet-NNNN.cna.example.test`), node-major: the first
   * `clusters` targets are one node of each cluster.
   */
  fleetTargets: FleetTarget[] = [];
  fleetProjectIds: string[] = [];
  finishedJobId = '';
  viewer!: BenchUser;
  operator!: BenchUser;
  gatewayUrl = '';
  openGatewayUrl = '';
  baselineUrl = '';
  /** The authenticated gateway's process (its RSS is read by the stream case) and the baseline server's. */
  gatewayProcess?: AppProcess;
  baselineProcess?: AppProcess;
  /** The gateway without authentication's process (its CPU time is read by `profile-nodestatus.ts --compare`). */
  openGatewayProcess?: AppProcess;

  private constructor(private readonly config: BenchConfig) {}

  /** The Redis server the run's keys (prefix {@link redisPrefix}) live on. */
  get redisUrl(): string {
    return this.config.redisUrl;
  }

  static async start(config: BenchConfig): Promise<BenchSystem> {
    const system = new BenchSystem(config);
    try {
      await system.provision();
      return system;
    } catch (error) {
      await system.stop();
      throw error;
    }
  }

  /**
   * Starts `count` worker processes with `env` (POLL_INTERVAL_MS, WORKER_CONCURRENCY, …; the per-cluster call
   * ceiling is lifted unless `env` sets it) and waits until each consumes jobs. They run the worker built from
   * this work tree at the start of the run (`dist/apps/worker/main.js`, as the image runs it): what they use of
   * memory and CPU is the worker's own, not that of compiling its TypeScript at start.
   */
  async startWorkers(count: number, env: Record<string, string> = {}): Promise<void> {
    if (!this.workerBuilt) {
      const build = await AppProcess.run('tools/build/build-app.ts', ['worker']);
      if (build.status !== 0) throw new Error(`building the worker failed: ${build.stderr || build.stdout}`);
      this.workerBuilt = true;
    }
    await this.startConsumers(count, BUILT_WORKER, {
      // The per-cluster ceiling protects a customer's cloud; in the pipeline it would measure the ceiling, not us.
      OPENSTACK_CALLS_PER_SECOND: '1000000',
      ...workerProbe(process.env),
      ...env,
    });
  }

  /**
   * Starts `count` of the pipeline's yardstick consumers (bench/baseline-consumer.ts: one statement per job, no
   * Nova) with `concurrency` slots each, in the workers' place: {@link stopWorkers} stops them too.
   */
  async startBaselineConsumers(count: number, concurrency: number): Promise<void> {
    await this.startConsumers(count, 'bench/baseline-consumer.ts', { WORKER_CONCURRENCY: String(concurrency) });
  }

  private async startConsumers(count: number, entry: string, env: Record<string, string>): Promise<void> {
    const started = Array.from({ length: count }, (_, i) =>
      this.spawn(`worker-${this.workers.length + i}`, entry, env),
    );
    this.workers.push(...started);
    await Promise.all(started.map((worker) => worker.waitFor(/consuming reboot jobs/, 60000)));
  }

  async stopWorkers(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.stop()));
  }

  /**
   * Puts the simulated cloud back as it started (every server ACTIVE, no reboot running, counters at zero; tokens
   * stay valid), then sets `knobs`: each case that reboots starts from the same cloud.
   */
  resetCloud(knobs: Partial<SimKnobs>): void {
    this.simulator.reset();
    this.simulator.setKnobs(knobs);
  }

  /** Stops every process and removes the database and the Redis keys of this run. Safe to call twice. */
  /** The benchmark's reboot case against the server at `base`: a JSON body, a different node per request. */
  rebootLoad(base: string): LoadTarget {
    let next = 0;
    const first = this.rebootTargets[0];
    return {
      url: `${base}/api/openshift/${first.clusterId}/reboot`,
      method: 'POST',
      headers: { authorization: this.operator.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ target: first.nodename }),
      next: () => {
        const { clusterId, nodename } = this.rebootTargets[next++ % this.rebootTargets.length];
        return { path: `/api/openshift/${clusterId}/reboot`, body: JSON.stringify({ target: nodename }) };
      },
    };
  }

  /** Ends every queued job as a worker would (`done`), so that its node may be rebooted again. */
  async endQueuedJobs(): Promise<void> {
    await this.dataSource.query(`UPDATE jobs SET state = 'done', finished_at = now() WHERE state = 'queued'`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((child) => child.stop().catch(() => undefined)));
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  }

  private async provision(): Promise<void> {
    const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const database = `oshift_bench_${suffix}`;
    const admin = new Client({ connectionString: this.config.adminDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    this.cleanups.push(async () => {
      const dropper = new Client({ connectionString: this.config.adminDatabaseUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await dropper.end();
    });
    const url = new URL(this.config.adminDatabaseUrl);
    url.pathname = `/${database}`;
    this.databaseUrl = url.toString();
    await migrate({ url: this.databaseUrl });

    this.redisPrefix = `oshift-bench-${suffix}`;
    this.cleanups.push(() => deleteRedisKeys(this.config.redisUrl, this.redisPrefix));

    const statusProject = demoProject();
    const password = statusProject.users[0].password;
    const rebootProjects = Array.from({ length: REBOOT_CLUSTERS }, (_, i) => rebootProject(i, password));
    const { clusters, nodesPerCluster } = this.config.inflight;
    // Clusters as OpenShift has them (two HAProxy nodes, three masters, two infra nodes) and `nodesPerCluster` workers.
    const fleet = fleetProjects(clusters, nodesPerCluster).map((project) => ({
      ...project,
      users: project.users.map((user) => ({ ...user, password })),
    }));
    this.simulator = await OpenStackSimulator.start({
      projects: [statusProject, ...rebootProjects, ...fleet],
      knobs: { latencyMs: 0, rebootDurationMs: DEFAULT_REBOOT_MS },
    });
    this.cleanups.push(() => this.simulator.close());

    this.dataSource = new DataSource({
      ...dataSourceOptions({ url: this.databaseUrl, poolSize: 4 }, [
        ...accessEntities,
        ...auditEntities,
        ...jobEntities,
        ...nodeRegistryEntities,
      ]),
      logging: false,
    });
    await this.dataSource.initialize();
    this.cleanups.push(() => this.dataSource.destroy());
    await this.seed(statusProject, rebootProjects, fleet);

    this.env = {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.config.redisUrl,
      REDIS_PREFIX: this.redisPrefix,
      LOG_LEVEL: 'warn',
      [SECRET_VARIABLE]: password,
    };
    const [gatewayPort, openPort, baselinePort] = [await freePort(), await freePort(), await freePort()];
    const http = (port: number) => ({
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      NODE_STATUS_CACHE_MS: String(this.config.nodeStatusCacheMs),
    });
    const build = await AppProcess.run('tools/build/build-app.ts', ['gateway']);
    if (build.status !== 0) throw new Error(`building the gateway failed: ${build.stderr || build.stdout}`);
    const servers = [
      // The stream case follows with up to 1,000 clients of one user: the per-user cap is not what it measures.
      this.spawn('gateway', BUILT_GATEWAY, {
        ...http(gatewayPort),
        STREAM_MAX_PER_USER: '2000',
        // BENCH_GATEWAY_NODE_OPTIONS: the gateway under the CPU profiler (`--cpu-prof`), say.
        ...(process.env.BENCH_GATEWAY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_GATEWAY_NODE_OPTIONS } : {}),
      }),
      this.spawn('gateway-without-auth', 'bench/gateway-without-auth.ts', http(openPort)),
      this.spawn('baseline', 'bench/baseline-server.ts', http(baselinePort)),
    ];
    [this.gatewayProcess, this.openGatewayProcess, this.baselineProcess] = servers;
    await Promise.all(servers.map((server) => server.waitFor(/"listening"/, 60000)));
    [this.gatewayUrl, this.openGatewayUrl, this.baselineUrl] = [gatewayPort, openPort, baselinePort].map(
      (port) => `http://127.0.0.1:${port}`,
    );
  }

  private async seed(
    statusProject: SimProjectSpec,
    rebootProjects: SimProjectSpec[],
    fleet: SimProjectSpec[],
  ): Promise<void> {
    const clusters = new ClusterAdmin(this.dataSource, { source: 'bench' });
    const register = (id: string, project: SimProjectSpec) =>
      clusters.upsert(
        {
          id,
          authUrl: this.simulator.identityUrl,
          region: 'RegionOne',
          projectName: project.name,
          projectDomain: 'Default',
          username: project.users[0].name,
          userDomain: 'Default',
          secretRef: `env:${SECRET_VARIABLE}`,
        },
        'bench',
      );
    await register(this.statusClusterId, statusProject);
    const rebootClusters = rebootProjects.map((project) => `${project.name}.cna.example.test`);
    for (const [i, project] of rebootProjects.entries()) await register(rebootClusters[i], project);
    this.rebootTargets = rebootProjects.flatMap((project, i) =>
      project.servers.map((server) => ({ clusterId: rebootClusters[i], nodename: server.name })),
    );
    // A fleet cluster's id is its project's name (`fleet-NNNN.cna.example.test`).
    for (const project of fleet) await register(project.name, project);
    this.fleetProjectIds = fleet.map((project) => project.id);
    const workersOf = fleet.map((project) => project.servers.filter((server) => server.name.startsWith('worker-')));
    for (let n = 0; n < this.config.inflight.nodesPerCluster; n++) {
      for (const [i, project] of fleet.entries())
        this.fleetTargets.push({ clusterId: project.name, projectId: project.id, nodename: workersOf[i][n].name });
    }
    const setPolicy = (policy: object, ids: string[]) =>
      this.dataSource.query(`UPDATE clusters SET reboot_policy = $1::jsonb WHERE id = ANY($2)`, [
        JSON.stringify(policy),
        ids,
      ]);
    await setPolicy(REBOOT_CLUSTER_POLICY, rebootClusters);
    await setPolicy(
      FLEET_REBOOT_POLICY,
      fleet.map((project) => project.name),
    );

    const access = new AccessAdmin(this.dataSource, new PasswordHasher(), { source: 'bench' });
    const user = async (label: string, grants: { clusterId: string; role: 'read' | 'reboot' }[]) => {
      const credentials = { username: `bench-${label}`, password: randomBytes(12).toString('base64url') };
      await access.addUser(credentials.username, credentials.password, 'bench', grants);
      const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
      return { username: credentials.username, authorization: `Basic ${basic}` };
    };
    this.viewer = await user('viewer', [{ clusterId: this.statusClusterId, role: 'read' }]);
    this.operator = await user(
      'operator',
      [...rebootClusters, ...fleet.map((project) => project.name)].map((clusterId) => ({
        clusterId,
        role: 'reboot' as const,
      })),
    );

    this.finishedJobId = newJobId();
    const target = statusProject.servers[7].name;
    await this.dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, started_at, finished_at)
       VALUES ($1, $2, $3, 'done', 'bench-operator', now(), now())`,
      [this.finishedJobId, this.statusClusterId, target],
    );
    const lines = Array.from({ length: JOB_LINES }, (_, i) =>
      i === JOB_LINES - 1 ? 'Done' : `${target} ${i < JOB_LINES - 2 ? 'REBOOT' : 'ACTIVE'}`,
    );
    await this.dataSource.query(
      `INSERT INTO job_lines (job_id, seq, line) SELECT $1, seq, line FROM unnest($2::text[]) WITH ORDINALITY AS l(line, seq)`,
      [this.finishedJobId, lines],
    );
  }

  private spawn(name: string, entry: string, extra: Record<string, string>): AppProcess {
    const child = AppProcess.start(name, entry, { ...this.env, ...extra });
    this.processes.push(child);
    return child;
  }
}

/** The old space's ceiling the deployments give the worker (deploy/kubernetes/base/worker.yaml, docker-compose.yml). */
export const WORKER_HEAP_CEILING = '--max-old-space-size=192';

/**
 * The workers' NODE_OPTIONS: the deployments' heap ceiling, then BENCH_WORKER_NODE_OPTIONS (V8 flags, or a probe: `-r ./bench/worker-probe.preload.cjs`),
 * with the probe's own settings (BENCH_PROBE, BENCH_PROBE_DIR) passed on; BENCH_WORKER_ENV_<NAME>: <NAME> in the
 * workers' environment (BENCH_WORKER_ENV_MALLOC_ARENA_MAX=2, say).
 */
function workerProbe(env: NodeJS.ProcessEnv): Record<string, string> {
  const given = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const options = env.BENCH_WORKER_NODE_OPTIONS;
  return {
    NODE_OPTIONS: [WORKER_HEAP_CEILING, options].filter(Boolean).join(' '),
    ...Object.fromEntries(given.filter(([name]) => options && name.startsWith('BENCH_PROBE'))),
    ...Object.fromEntries(
      given
        .filter(([name]) => name.startsWith('BENCH_WORKER_ENV_'))
        .map(([name, value]) => [name.slice('BENCH_WORKER_ENV_'.length), value]),
    ),
  };
}

function rebootProject(index: number, password: string): SimProjectSpec {
  const name = `bench-reboot-${index}`;
  return {
    id: `be0c${String(index).padStart(28, '0')}`,
    name,
    users: [{ name: `bench-os-${index}`, password }],
    servers: Array.from({ length: NODES_PER_REBOOT_CLUSTER }, (_, n) => ({
      name: `node-${String(n).padStart(3, '0')}.openstacklocal`,
    })),
  };
}
