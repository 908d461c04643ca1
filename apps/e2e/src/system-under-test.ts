import { DataSource } from 'typeorm';
import { AccessAdmin, accessEntities, PasswordHasher, type Role } from '@oshift/access';
import { auditEntities } from '@oshift/audit';
import { jobEntities } from '@oshift/jobs';
import { ClusterAdmin, nodeRegistryEntities } from '@oshift/node-registry';
import { OpenStackSimulator, demoProject, type SimKnobs } from '@oshift/openstack-sim';
import { dataSourceOptions } from '@oshift/persistence';
import { AppProcess, freePort, testServices, uniqueName } from '@oshift/testing';

/**
 * The settle times an e2e cluster has unless a test asks for the production defaults (`productionSettle`) or sets
 * its own: none for masters and HAProxy nodes, so tests of other rules may reboot them back to back. The tests of
 * the settle times themselves run with the defaults (120 s, 60 s) or set them explicitly.
 */
const NO_SETTLE = { master: { settle_seconds: 0 }, haproxy: { settle_seconds: 0 } };

export interface TestUser {
  username: string;
  password: string;
}

/**
 * The whole system for end-to-end tests: the simulator in-process, and the gateway and workers as
 * real processes against this run's private Postgres database and Redis prefix.
 */
export class SystemUnderTest {
  readonly workers: AppProcess[] = [];
  private gatewayProcess?: AppProcess;
  /** The settle times every policy this system sets starts from (see `NO_SETTLE`). */
  private settle: Record<string, Record<string, number>> = NO_SETTLE;

  private constructor(
    readonly simulator: OpenStackSimulator,
    readonly dataSource: DataSource,
    readonly clusterId: string,
    readonly publicUrl: string,
    readonly baseUrl: string,
    private readonly env: Record<string, string>,
    private readonly port: number,
  ) {}

  static async start(
    options: {
      knobs?: Partial<SimKnobs>;
      workers?: number;
      workerEnv?: Record<string, string>;
      gatewayEnv?: Record<string, string>;
      /** Extra VMs of the cluster besides the demo nodes (e.g. `worker-17.openstacklocal`). */
      extraServers?: string[];
      /**
       * The gateway's own loopback address as its PUBLIC_URL, for tests in a browser: the page then calls the
       * service at the origin it was published at, as in production (else PUBLIC_URL is an https name).
       */
      publishedAtGateway?: boolean;
      /**
       * How the processes reach Redis, in place of the shared server's REDIS_URL (e.g. `REDIS_SENTINELS`), and
       * where they and the test reach Postgres, in place of this run's database (e.g. through a proxy).
       */
      redisEnv?: Record<string, string>;
      databaseUrl?: string;
      /** The cluster's VMs instead of the demo nodes (e.g. `installerNodes()`, the OpenShift 4 installer's names). */
      servers?: string[];
      /** Keep the production settle times (masters 120 s, HAProxy 60 s) instead of none (see `NO_SETTLE`). */
      productionSettle?: boolean;
    } = {},
  ): Promise<SystemUnderTest> {
    const services = testServices();
    const project = demoProject();
    if (options.servers) project.servers = options.servers.map((name) => ({ name }));
    project.servers.push(...(options.extraServers ?? []).map((name) => ({ name })));
    const simulator = await OpenStackSimulator.start({ projects: [project], knobs: options.knobs });
    const dataSource = new DataSource(
      dataSourceOptions({ url: options.databaseUrl ?? services.databaseUrl, poolSize: 2 }, [
        ...accessEntities,
        ...auditEntities,
        ...jobEntities,
        ...nodeRegistryEntities,
      ]),
    );
    await dataSource.initialize();

    const clusterId = `${uniqueName('e2e')}.cna.example.test`;
    await new ClusterAdmin(dataSource).upsert(
      {
        id: clusterId,
        authUrl: simulator.identityUrl,
        region: 'RegionOne',
        projectName: project.name,
        projectDomain: project.domain ?? 'Default',
        username: project.users[0].name,
        userDomain: project.users[0].domain ?? 'Default',
        secretRef: 'env:OSHIFT_SECRET_E2E_OPENSTACK',
      },
      'e2e-setup',
    );

    const port = await freePort();
    const env = {
      DATABASE_URL: options.databaseUrl ?? services.databaseUrl,
      DATABASE_POOL_SIZE: '3',
      ...(options.redisEnv ?? { REDIS_URL: services.redisUrl }),
      REDIS_PREFIX: `${services.redisPrefix}-${uniqueName('sut')}`,
      OSHIFT_SECRET_E2E_OPENSTACK: project.users[0].password,
      LOG_LEVEL: 'info',
    };
    const baseUrl = `http://127.0.0.1:${port}`;
    const publicUrl = options.publishedAtGateway ? baseUrl : 'https://self-service.example.test';
    const system = new SystemUnderTest(simulator, dataSource, clusterId, publicUrl, baseUrl, env, port);
    system.settle = options.productionSettle ? {} : NO_SETTLE;
    await system.setRebootPolicy(null);
    const workers = Array.from({ length: options.workers ?? 1 }, () => system.startWorker(options.workerEnv));
    await Promise.all([system.startGateway(options.gatewayEnv), ...workers]);
    return system;
  }

  async startGateway(extra: Record<string, string> = {}): Promise<void> {
    this.gatewayProcess = AppProcess.start('gateway', 'apps/gateway/src/main.ts', {
      ...this.env,
      HOST: '127.0.0.1',
      PORT: String(this.port),
      PUBLIC_URL: this.publicUrl,
      ...extra,
    });
    await this.gatewayProcess.waitFor(/"listening"/, 60000);
  }

  async startWorker(extra: Record<string, string> = {}): Promise<AppProcess> {
    const worker = AppProcess.start(`worker-${this.workers.length}`, 'apps/worker/src/main.ts', {
      ...this.env,
      POLL_INTERVAL_MS: '250',
      ...extra,
    });
    this.workers.push(worker);
    await worker.waitFor(/consuming reboot jobs/, 60000);
    return worker;
  }

  /**
   * Sets the cluster's reboot rules as an operator would (stored form; null: the defaults), over this system's
   * settle times (none, unless started with `productionSettle`) where the policy does not set them itself.
   */
  async setRebootPolicy(policy: Record<string, unknown> | null): Promise<void> {
    const given = (policy ?? {}) as { roles?: Record<string, Record<string, unknown>> };
    const roles: Record<string, Record<string, unknown>> = {};
    for (const role of new Set([...Object.keys(this.settle), ...Object.keys(given.roles ?? {})])) {
      roles[role] = { ...this.settle[role], ...given.roles?.[role] };
    }
    const stored = Object.keys(roles).length > 0 ? { ...given, roles } : policy;
    await this.dataSource.query(`UPDATE clusters SET reboot_policy = $2 WHERE id = $1`, [
      this.clusterId,
      stored === null ? null : JSON.stringify(stored),
    ]);
  }

  /** Where a worker serves `/healthz`, `/readyz` and `/metrics` (each test worker picks a free port and prints it). */
  workerHttpUrl(worker: AppProcess = this.workers[0]): string {
    const ready = /"http":"(http:\/\/[^"]+)"[^\n]*"msg":"consuming reboot jobs"/.exec(worker.logs);
    if (!ready) throw new Error(`${worker.name} has not printed its health and metrics address`);
    return ready[1];
  }

  /** Where the gateway serves `/metrics`: its metrics port, apart from the API (a free one here, printed at start). */
  gatewayMetricsUrl(): string {
    const listening = /"metrics":"(http:\/\/[^"]+)"[^\n]*"msg":"listening"/.exec(this.gateway.logs);
    if (!listening) throw new Error('the gateway has not printed its metrics address');
    return listening[1];
  }

  /** The Redis key prefix of this system's queue and caches (private to it; on a Cluster, keys start `{prefix}`). */
  get redisPrefix(): string {
    return this.env.REDIS_PREFIX;
  }

  get gateway(): AppProcess {
    if (!this.gatewayProcess) throw new Error('gateway not started');
    return this.gatewayProcess;
  }

  /** Creates a user with roles on this system's cluster. */
  async user(roles: Role[]): Promise<TestUser> {
    const user = { username: uniqueName('user'), password: `pw-${uniqueName('secret')}` };
    const access = new AccessAdmin(this.dataSource, new PasswordHasher());
    await access.addUser(user.username, user.password, 'e2e-setup');
    for (const role of roles) await access.grant(user.username, this.clusterId, role, 'e2e-setup');
    return user;
  }

  /** Calls the gateway as `user` (or anonymously), like curl does. */
  request(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: {
      user?: TestUser;
      form?: Record<string, string>;
      json?: unknown;
      body?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.user) {
      headers.authorization = `Basic ${Buffer.from(`${options.user.username}:${options.user.password}`).toString('base64')}`;
    }
    let body: string | undefined = options.body;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    return fetch(`${this.baseUrl}${path}`, { method, headers, body });
  }

  async stop(): Promise<void> {
    await Promise.all([this.gatewayProcess?.stop(), ...this.workers.map((worker) => worker.stop())]);
    await this.simulator.close().catch(() => undefined);
    await this.dataSource.destroy();
  }
}
