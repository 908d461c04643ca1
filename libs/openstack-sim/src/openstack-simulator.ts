import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { FaultInjector } from './fault-injector';
import { keystoneError, registerKeystoneRoutes } from './keystone.routes';
import { registerGlanceRoutes } from './glance.routes';
import { registerNovaVersions } from './nova-microversion';
import { novaFault, registerNovaRoutes } from './nova.routes';
import { registerAdminRoutes } from './sim-admin.routes';
import { registerKubeAdminRoutes } from './kube-admin.routes';
import { startKubeListener, type KubeListener } from './kube-listener';
import { kubeStatus } from './kube-objects.view';
import { registerKubeRoutes } from './kube.routes';
import { SimCloud, type SimServerHistory, withDefaultKnobs } from './sim-cloud';
import { parseKnobsPatch } from './sim-knobs';
import type { KubeCluster, SimKubeAccess, SimKubeNode, SimKubePod, SimKubeStats } from './kube-cluster.model';
import type { LabelSelector } from './kube-pdb';
import type { NovaInstance } from './nova-instance.model';
import type { TaskState } from './nova-states';
import type { SimProjectStats, SimServerRebootStats } from './sim-stats';
import type { SimKnobs, SimServerStats, SimStartOptions, SimStats } from './sim.types';

/** A Host header safe to echo into URLs: host name or IP (v6 in brackets) and an optional port. */
const HOST_HEADER = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  404: 'itemNotFound',
  405: 'badMethod',
  413: 'overLimit',
  415: 'badMediaType',
};

/**
 * A Keystone v3 + Nova v2.1 (microversions up to 2.100) + minimal Glance v2 subset on Fastify that behaves as real
 * OpenStack does for what this system and the `openstack` CLI use: version discovery, token issuance, validation
 * and expiry, project-scoped server listing with filters and pagination, server details with
 * status/task_state/vm_state/power_state, the reboot, lock, unlock, createImage, os-stop and os-start actions with
 * Nova's 202/404/409 rules and transitions, instance actions with events, plus fault knobs and counters.
 * Identity lives under `/identity`, compute under `/compute`, images under `/image`, the admin API under `/_sim`.
 */
export class OpenStackSimulator {
  private constructor(
    private readonly app: FastifyInstance,
    private readonly cloud: SimCloud,
    private readonly faults: FaultInjector,
    /** Base URL, e.g. `http://127.0.0.1:PORT`. */
    readonly url: string,
    private readonly kube: KubeListener,
  ) {}

  /** Starts a simulator and resolves once it listens. */
  static async start(opts: SimStartOptions): Promise<OpenStackSimulator> {
    const knobs = withDefaultKnobs(parseKnobsPatch(opts.knobs ?? {}));
    const cloud = new SimCloud(opts.projects, knobs, opts.clock ?? Date.now);
    const faults = new FaultInjector(opts.random);
    const region = opts.region ?? 'RegionOne';
    const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 64 * 1024 });
    let base = '';
    const publicUrl = opts.publicUrl?.replace(/\/+$/, '');
    // Catalog and links use the configured public URL, else the host the caller reached us by (as Nova builds
    // its links without osapi_compute_link_prefix), so callers in other containers get an address they can reach.
    const urls = (request: FastifyRequest) => {
      const root =
        publicUrl ?? (HOST_HEADER.test(request.headers.host ?? '') ? `http://${request.headers.host}` : base);
      return {
        identity: `${root}/identity`,
        compute: `${root}/compute/v2.1`,
        bookmark: `${root}/compute`,
        image: `${root}/image`,
        kubernetes: `${root}/kubernetes`,
        region,
      };
    };

    app.addHook('onRequest', async (request, reply) => {
      const id = `req-${randomUUID()}`;
      reply.header('x-openstack-request-id', id);
      if (request.url.startsWith('/compute')) reply.header('x-compute-request-id', id);
    });
    registerNovaVersions(app, urls, novaFault);
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      const message = status === 500 ? 'Unexpected API Error.' : error.message;
      if (request.url.startsWith('/compute'))
        return novaFault(reply, status, FAULT_NAMES[status] ?? 'computeFault', message);
      if (request.url.startsWith('/identity')) return reply.code(status).send(keystoneError(status, message));
      if (request.url.startsWith('/kubernetes/'))
        return reply.code(status).send(kubeStatus(status, 'InternalError', message));
      return reply.code(status).send({ error: message });
    });
    app.setNotFoundHandler((request, reply) => {
      if (request.url.startsWith('/compute'))
        return novaFault(reply, 404, 'itemNotFound', 'The resource could not be found.');
      if (request.url.startsWith('/identity'))
        return reply.code(404).send(keystoneError(404, 'The resource could not be found.'));
      if (request.url.startsWith('/kubernetes/'))
        return reply
          .code(404)
          .send(kubeStatus(404, 'NotFound', 'the server could not find the requested resource', {}));
      return reply.code(404).send({ error: 'Not Found' });
    });

    registerKeystoneRoutes(app, cloud, urls);
    registerGlanceRoutes(app, cloud, urls);
    registerNovaRoutes(app, { cloud, faults, urls });
    registerAdminRoutes(app, cloud);
    registerKubeRoutes(app, cloud);
    let kubePort = 0;
    let caPem = '';
    registerKubeAdminRoutes(
      app,
      cloud,
      (request) => ({
        url: urls(request).kubernetes,
        tlsUrl: `https://${new URL(urls(request).identity).host.replace(/:\d+$/, '')}:${kubePort}/kubernetes`,
      }),
      () => caPem,
    );

    await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
    const address = app.server.address() as AddressInfo;
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    base = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    const names = [opts.host ?? '127.0.0.1', ...(publicUrl ? [new URL(publicUrl).hostname] : [])];
    const kube = await startKubeListener(cloud, opts.host ?? '127.0.0.1', opts.kubePort ?? 0, names).catch(
      async (error: unknown) => {
        await app.close();
        throw error;
      },
    );
    kubePort = kube.port;
    caPem = kube.caPem;
    return new OpenStackSimulator(app, cloud, faults, base, kube);
  }

  /** Keystone v3 base: `${url}/identity/v3`. */
  get identityUrl(): string {
    return `${this.url}/identity/v3`;
  }

  /** Nova endpoint as the catalog lists it: `${url}/compute/v2.1`. */
  get computeUrl(): string {
    return `${this.url}/compute/v2.1`;
  }

  /**
   * Changes knobs globally, or for the servers `server` designates (an id, or every server of that name, within
   * `projectId` when given): latency, faults, reboot, power and snapshot behaviour only.
   */
  setKnobs(k: Partial<SimKnobs>, server?: string, projectId?: string): void {
    this.cloud.setKnobs(parseKnobsPatch(k), server, projectId);
  }

  /** The knobs in force, globally or for one server (id or name). */
  knobs(server?: string): SimKnobs {
    return this.cloud.knobsFor(server === undefined ? undefined : this.one(server).id);
  }

  /** Reboot actions received for a server name, in every project (accepted, refused or faulted alike). */
  rebootActions(serverName: string): number {
    return this.cloud.stats().rebootActions[serverName] ?? 0;
  }

  /** Exact reboot counts of one server (id, or name within `projectId`): received, accepted and refused, by type. */
  reboots(server: string, projectId?: string): SimServerRebootStats {
    return this.server(server, projectId).reboots;
  }

  /** One server's state and reboot counts, as `GET /_sim/servers/{server}` shows them. */
  server(server: string, projectId?: string): SimServerStats {
    return this.cloud.serverStats(this.one(server, projectId));
  }

  /** List requests received (each page counts). */
  listCalls(): number {
    return this.cloud.counters.listCalls;
  }

  /** `GET /servers/{id}` requests received (one server's details). */
  showCalls(): number {
    return this.cloud.counters.showCalls;
  }

  /** All counters, per project too. */
  stats(): SimStats {
    return this.cloud.stats();
  }

  /** The counters of one project: list and show calls, reboot actions, most servers of each role in reboot at once. */
  projectStats(projectId: string): SimProjectStats {
    const stats = this.cloud.stats().projects[projectId];
    if (!stats) throw new Error(`unknown project ${projectId}`);
    return stats;
  }

  /** Every server's accepted reboots and down intervals, as `GET /_sim/history` shows them. */
  history(projectId?: string): SimServerHistory[] {
    return this.cloud.history(projectId);
  }

  /**
   * Where a client reaches the Kubernetes API of a project's cluster (default: the first project), and its bearer
   * token, as `GET /_sim/kubernetes?project=<id>` tells: `${url}/kubernetes/<project-id>` over plain HTTP, and the
   * same over HTTPS with the listener's self-signed certificate (what `kubectl` needs to send a token).
   */
  kubernetes(projectId?: string): SimKubeAccess {
    const cluster = this.cluster(projectId);
    return {
      url: `${this.url}/kubernetes/${cluster.projectId}`,
      token: cluster.token,
      tlsUrl: `${this.kube.url}/kubernetes/${cluster.projectId}`,
      caPem: this.kube.caPem,
    };
  }

  /** The Kubernetes counters of a cluster: masters not Ready at once (most, now) and the pods on nodes at reboots. */
  kubeStats(projectId?: string): SimKubeStats {
    return this.cluster(projectId).stats();
  }

  /** The most master nodes of a cluster that were not Ready at the same moment. */
  maxMastersNotReady(projectId?: string): number {
    return this.kubeStats(projectId).maxMastersNotReady;
  }

  /** For each reboot Nova accepted of a node, the non-DaemonSet, non-mirror pods still on it (`namespace/name`). */
  podsAtReboot(serverName: string, projectId?: string): string[][] {
    return this.kubeStats(projectId)
      .podsAtReboot.filter((entry) => entry.node === serverName)
      .map((entry) => entry.pods);
  }

  /** A Kubernetes node (its server's name) as the cluster's API shows it. */
  kubeNode(name: string, projectId?: string): SimKubeNode {
    const node = this.cluster(projectId).simNode(name);
    if (!node) throw new Error(`unknown node ${name}`);
    return node;
  }

  /** The pods of a cluster, on `nodeName` when given. */
  kubePods(nodeName?: string, projectId?: string): SimKubePod[] {
    return this.cluster(projectId).simPods(nodeName);
  }

  /** Adds a PodDisruptionBudget (e.g. `maxUnavailable: 0` over `app=frontend` to forbid evicting those pods). */
  addPodDisruptionBudget(
    pdb: {
      namespace: string;
      name: string;
      selector: LabelSelector;
      minAvailable?: number | string;
      maxUnavailable?: number | string;
    },
    projectId?: string,
  ): void {
    if (!this.cluster(projectId).addPdb(pdb))
      throw new Error(`poddisruptionbudget ${pdb.namespace}/${pdb.name} exists`);
  }

  /** Locks servers as an admin would (their owner cannot unlock them), or unlocks them. */
  setLocked(server: string, locked: boolean, reason?: string, projectId?: string): void {
    for (const instance of this.all(server, projectId)) instance.setLock(locked ? 'admin' : null, reason ?? null);
  }

  /** Holds servers in a Nova task state (e.g. `migrating`) for `forMs` (default: until cleared with null). */
  holdTaskState(server: string, taskState: TaskState | null, forMs: number | null = null, projectId?: string): void {
    for (const instance of this.all(server, projectId))
      instance.holdTask(taskState, this.cloud.clock(), this.cloud.knobsFor(instance.id), forMs);
  }

  /** The Nova id of a server by name (within a project when given). */
  serverId(serverName: string, projectId?: string): string {
    return this.one(serverName, projectId).id;
  }

  /** Revokes every issued token: the next Nova call with one answers 401. */
  expireTokens(): void {
    this.cloud.identity.expireAll();
  }

  /** Back to the starting servers, knobs and counters (tokens stay valid). */
  reset(): void {
    this.cloud.reset();
  }

  private cluster(projectId?: string): KubeCluster {
    const cluster = this.cloud.cluster(projectId ?? this.cloud.projectIds()[0]);
    if (!cluster) throw new Error(`unknown project ${projectId}`);
    return cluster;
  }

  private all(server: string, projectId?: string): NovaInstance[] {
    const found = this.cloud.match(server, projectId);
    if (found.length === 0) throw new Error(`unknown server ${server}`);
    return found;
  }

  private one(server: string, projectId?: string): NovaInstance {
    return this.all(server, projectId)[0];
  }

  /** Stops listening, drops open connections and releases pending delays. */
  async close(): Promise<void> {
    this.faults.close();
    await Promise.all([this.app.close(), this.kube.app.close()]);
  }
}
