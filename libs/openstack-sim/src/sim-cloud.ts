import { KubeCluster } from './kube-cluster.model';
import { NovaInstance } from './nova-instance.model';
import { NOVA_TASK_STATES, initialStateFor } from './nova-states';
import { stableUuid } from './sim-format';
import { SimIdentity } from './sim-identity';
import { DEFAULT_KNOBS, KnobsError, PER_SERVER_KNOBS } from './sim-knobs';
import { roleOf, SimCounters, type SimProjectStats } from './sim-stats';
import type { SimActionFault, SimKnobs, SimProjectSpec, SimServerStats, SimStats } from './sim.types';

/** One server's accepted reboots and down intervals, as `GET /_sim/history` shows them. */
export interface SimServerHistory {
  id: string;
  name: string;
  projectId: string;
  /** Reboot actions Nova accepted, oldest first, with the request id of the instance action it recorded. */
  reboots: { at: number; requestId: string }[];
  /** From a reboot's start until the server is next `ACTIVE` after a reboot; `end` null while it lasts. */
  down: { start: number; end: number | null }[];
  /** Each period in a reboot task state, whatever status it ended in; `end` null while it lasts. */
  rebooting: { start: number; end: number | null }[];
}

// The state of the whole simulated cloud, shared by its Keystone, Nova, Glance and admin routes.

/** An image of the simulated Glance: the servers' base image, or a snapshot taken by `createImage`. */
export interface SimImage {
  id: string;
  name: string;
  projectId: string | null;
  createdAt: number;
  /** `queued` until then, `saving` until {@link activeAt}. */
  savingAt: number;
  activeAt: number;
  serverId?: string;
}

/** Id of the image every simulated server was booted from (as in Nova's samples). */
export const BASE_IMAGE_ID = '70a599e0-31e7-49b7-b260-868f441e862b';

/**
 * Everything the simulator knows: identity, Nova instances (indexed by id and by project), Glance images,
 * knobs (global and per server) and counters. Holds no timers: instance states are derived from the clock when read.
 */
export class SimCloud {
  readonly identity: SimIdentity;
  counters = new SimCounters();
  private instances = new Map<string, NovaInstance>();
  private byProject = new Map<string, NovaInstance[]>();
  private readonly positions = new Map<string, number>();
  private images = new Map<string, SimImage>();
  private clusters = new Map<string, KubeCluster>();
  private knobs: SimKnobs;
  private readonly overrides = new Map<string, Partial<SimKnobs>>();
  private readonly createdBase: number;

  constructor(
    private readonly specs: readonly SimProjectSpec[],
    private readonly initialKnobs: SimKnobs,
    readonly clock: () => number,
  ) {
    validateSpecs(specs);
    this.identity = new SimIdentity(specs);
    this.knobs = { ...initialKnobs };
    this.createdBase = clock() - 24 * 3600 * 1000;
    this.build();
  }

  /** Servers of a project in Nova's default order (created_at desc, id desc). */
  instancesOf(projectId: string): readonly NovaInstance[] {
    return this.byProject.get(projectId) ?? [];
  }

  /** A server of the project, or undefined: servers of other projects are invisible. */
  findInstance(projectId: string, id: string): NovaInstance | undefined {
    const instance = this.instances.get(id);
    return instance?.projectId === projectId ? instance : undefined;
  }

  /** Ids of the simulated projects, in the order they were given. */
  projectIds(): string[] {
    return this.specs.map((spec) => spec.id);
  }

  /** The Kubernetes cluster a project runs (its servers but HAProxy VMs are its nodes). */
  cluster(projectId: string): KubeCluster | undefined {
    return this.clusters.get(projectId);
  }

  /** A server by id, in any project. */
  instance(id: string): NovaInstance | undefined {
    return this.instances.get(id);
  }

  /** Name of a server by id, in any project. */
  nameOf(id: string): string | undefined {
    return this.instances.get(id)?.name;
  }

  /** Position of a server in the simulator (stable; used for addresses and instance names). */
  indexOf(id: string): number {
    return this.positions.get(id) ?? 0;
  }

  /** Id of a server by name (first match across projects, or within `projectId`). */
  idOf(name: string, projectId?: string): string | undefined {
    return this.match(name, projectId)[0]?.id;
  }

  /** Servers a name or id designates: the server with that id, else every server of that name (in `projectId`). */
  match(nameOrId: string, projectId?: string): NovaInstance[] {
    const byId = this.instances.get(nameOrId);
    if (byId && (!projectId || byId.projectId === projectId)) return [byId];
    const found: NovaInstance[] = [];
    for (const instance of this.instances.values())
      if (instance.name === nameOrId && (!projectId || instance.projectId === projectId)) found.push(instance);
    return found;
  }

  /** Effective knobs: the global ones, overridden by the server's own when `serverId` is given. */
  knobsFor(serverId?: string): SimKnobs {
    const own = serverId ? this.overrides.get(serverId) : undefined;
    return own ? { ...this.knobs, ...own } : { ...this.knobs };
  }

  /**
   * Changes knobs from now on, globally or for the servers `server` designates (an id, or every server of a name).
   * Every running reboot is first settled under the knobs it ran with, so a change never rewrites the past
   * (e.g. a reboot that already ended stays ended when `rebootHangs` is switched on).
   */
  setKnobs(patch: Partial<SimKnobs>, server?: string, projectId?: string): void {
    let targets: NovaInstance[] = [];
    if (server !== undefined) {
      targets = this.match(server, projectId);
      if (targets.length === 0) throw new KnobsError(`unknown server ${server}`);
      const globalOnly = Object.keys(patch).filter((k) => !(PER_SERVER_KNOBS as readonly string[]).includes(k));
      if (globalOnly.length > 0)
        throw new KnobsError(`invalid knobs: ${globalOnly.join(', ')} can only be set globally`);
    }
    this.settleAll();
    if (server === undefined) this.knobs = { ...this.knobs, ...patch };
    for (const target of targets) this.overrides.set(target.id, { ...this.overrides.get(target.id), ...patch });
  }

  /** Brings every instance up to now (before knobs change, or before reading concurrency counters). */
  settleAll(): void {
    const now = this.clock();
    for (const instance of this.instances.values()) instance.settle(now, this.knobsFor(instance.id));
    // Nodes fix the Ready delay of each boot they have seen end, before a knob change could rewrite it.
    for (const cluster of this.clusters.values()) cluster.nodeStates(now);
  }

  /** Takes one from the `failNextRequests` burst that applies to `serverId` (its own, else the global one). */
  consumeFailure(serverId?: string): boolean {
    const own = serverId ? this.overrides.get(serverId) : undefined;
    const holder = own?.failNextRequests !== undefined ? own : this.knobs;
    if ((holder.failNextRequests ?? 0) <= 0) return false;
    holder.failNextRequests = (holder.failNextRequests ?? 0) - 1;
    return true;
  }

  /** Takes the next of the `nextActionFaults` that apply to `serverId` (its own, else the global ones). */
  consumeActionFault(serverId: string): SimActionFault | undefined {
    const own = this.overrides.get(serverId);
    const holder = own?.nextActionFaults !== undefined ? own : this.knobs;
    const [next, ...rest] = holder.nextActionFaults ?? [];
    holder.nextActionFaults = rest;
    return next;
  }

  /**
   * Every server's accepted reboot actions, reboot periods and down intervals, by the simulator's clock (ms since
   * the epoch): a server is down from the start of a reboot until a reboot of it ends `ACTIVE` (one that ends
   * `ERROR` or `SHUTOFF` keeps it down until a later one brings it back; `end` null: still down).
   */
  history(projectId?: string): SimServerHistory[] {
    this.settleAll();
    const out: SimServerHistory[] = [];
    for (const instance of this.instances.values()) {
      if (projectId !== undefined && instance.projectId !== projectId) continue;
      const reboots = instance
        .listActions()
        .filter((action) => action.action === 'reboot')
        .map((action) => ({ at: action.startTime, requestId: action.requestId }))
        .reverse();
      const down: SimServerHistory['down'] = [];
      let open: { start: number } | null = null;
      for (const episode of instance.rebootEpisodes) {
        open ??= { start: episode.start };
        if (episode.end !== null && instance.rebootEndings.get(episode) === 'ACTIVE') {
          down.push({ start: open.start, end: episode.end });
          open = null;
        }
      }
      if (open) down.push({ start: open.start, end: null });
      const rebooting = instance.rebootEpisodes.map((episode) => ({ start: episode.start, end: episode.end }));
      out.push({ id: instance.id, name: instance.name, projectId: instance.projectId, reboots, down, rebooting });
    }
    return out;
  }

  /** Registers a snapshot image of `serverId` whose upload starts at `savingAt` and ends at `activeAt`. */
  addImage(image: SimImage): void {
    this.images.set(image.id, image);
  }

  /** Images a project sees: public ones and its own. */
  imagesOf(projectId: string): SimImage[] {
    return [...this.images.values()].filter((i) => i.projectId === null || i.projectId === projectId);
  }

  /** All counters, per project and (reboot actions received, by name) per server. */
  stats(): SimStats {
    this.settleAll();
    const now = this.clock();
    const rebootActions: Record<string, number> = {};
    for (const instance of this.instances.values()) {
      const received = this.counters.received(instance.id);
      if (received > 0) rebootActions[instance.name] = (rebootActions[instance.name] ?? 0) + received;
    }
    const projects: Record<string, SimProjectStats> = {};
    for (const [id, list] of this.byProject) projects[id] = this.counters.project(id, list, now);
    const { listCalls, showCalls, tokensIssued } = this.counters;
    return { rebootActions, listCalls, showCalls, tokensIssued, projects };
  }

  /** What the admin API tells of one server: where it is, what it is doing, and the reboots it received. */
  serverStats(instance: NovaInstance): SimServerStats {
    const view = instance.view(this.clock(), this.knobsFor(instance.id));
    const last = instance.rebootEpisodes.at(-1);
    return {
      id: instance.id,
      name: instance.name,
      projectId: instance.projectId,
      role: roleOf(instance.name),
      status: view.status,
      taskState: view.taskState,
      vmState: view.vmState,
      locked: view.locked,
      lockedBy: instance.lockHolder,
      reboots: this.counters.server(instance.id),
      rebootPeriods: instance.rebootEpisodes.length,
      lastRebootPeriod: last ? { start: last.start, end: last.end } : null,
    };
  }

  /** Back to the starting servers, images, knobs and counters. Issued tokens stay valid. */
  reset(): void {
    this.knobs = { ...this.initialKnobs };
    this.overrides.clear();
    this.counters = new SimCounters();
    this.build();
  }

  private build(): void {
    this.instances = new Map();
    this.clusters = new Map();
    this.byProject = new Map();
    this.positions.clear();
    let n = 0;
    for (const project of this.specs) {
      const owner = this.identity.ownerOf(project.id);
      const list: NovaInstance[] = [];
      for (const server of project.servers) {
        const id = server.id ?? stableUuid('oshift-openstack-sim', project.id, server.name);
        const createdAt = this.createdBase + n * 60_000;
        const instance = new NovaInstance(
          id,
          server.name,
          project.id,
          owner,
          createdAt,
          initialStateFor(server.status),
        );
        if (server.locked) instance.setLock('admin');
        if (server.taskState) instance.holdTask(server.taskState, createdAt, this.knobs, null);
        this.instances.set(id, instance);
        this.positions.set(id, n++);
        list.push(instance);
      }
      list.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
      this.byProject.set(project.id, list);
      const env = { clock: this.clock, knobsFor: (id?: string) => this.knobsFor(id) };
      this.clusters.set(project.id, new KubeCluster(project.id, list, env, this.createdBase));
    }
    const base = { id: BASE_IMAGE_ID, name: 'rhcos', projectId: null, createdAt: this.createdBase - 3600_000 };
    this.images = new Map([[BASE_IMAGE_ID, { ...base, savingAt: base.createdAt, activeAt: base.createdAt }]]);
  }
}

/** Default knobs merged with a start-time partial, validated by the caller. */
export function withDefaultKnobs(partial: Partial<SimKnobs> = {}): SimKnobs {
  return { ...DEFAULT_KNOBS, ...partial };
}

function validateSpecs(specs: readonly SimProjectSpec[]): void {
  const projectIds = new Set<string>();
  const serverIds = new Set<string>();
  for (const project of specs) {
    if (projectIds.has(project.id)) throw new Error(`duplicate project id ${project.id}`);
    projectIds.add(project.id);
    const names = new Set<string>();
    for (const server of project.servers) {
      if (names.has(server.name)) throw new Error(`duplicate server name ${server.name} in project ${project.name}`);
      names.add(server.name);
      if (server.id) {
        if (serverIds.has(server.id)) throw new Error(`duplicate server id ${server.id}`);
        serverIds.add(server.id);
      }
      initialStateFor(server.status);
      if (server.taskState !== undefined && !(NOVA_TASK_STATES as readonly string[]).includes(server.taskState))
        throw new Error(`unknown task state ${server.taskState} of server ${server.name}`);
    }
  }
}
