import { NovaInstance } from './nova-instance.model';
import { initialStateFor } from './nova-states';
import { stableUuid } from './sim-format';
import { SimIdentity } from './sim-identity';
import { DEFAULT_KNOBS, KnobsError, PER_SERVER_KNOBS } from './sim-knobs';
import type { SimKnobs, SimProjectSpec, SimStats } from './sim.types';

/**
 * Everything the simulator knows: identity, Nova instances, knobs (global and per server) and counters.
 * Holds no timers: instance states are derived from the clock when read.
 */
export class SimCloud {
  readonly identity: SimIdentity;
  private instances: NovaInstance[] = [];
  private knobs: SimKnobs;
  private readonly overrides = new Map<string, Partial<SimKnobs>>();
  private rebootCounts = new Map<string, number>();
  private listCount = 0;
  private tokenCount = 0;
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
    this.instances = this.buildInstances();
  }

  /** Servers of a project in Nova's default order (created_at desc, id desc). */
  instancesOf(projectId: string): NovaInstance[] {
    return this.instances
      .filter((i) => i.projectId === projectId)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  /** A server of the project, or undefined: servers of other projects are invisible. */
  findInstance(projectId: string, id: string): NovaInstance | undefined {
    return this.instances.find((i) => i.id === id && i.projectId === projectId);
  }

  /** Name of a server by id, in any project (for per-server knobs and counters). */
  nameOf(id: string): string | undefined {
    return this.instances.find((i) => i.id === id)?.name;
  }

  /** Position of a server in the simulator (stable; used for addresses and instance names). */
  indexOf(id: string): number {
    return Math.max(
      0,
      this.instances.findIndex((i) => i.id === id),
    );
  }

  /** Id of a server by name (first match across projects, or within `projectId`). */
  idOf(name: string, projectId?: string): string | undefined {
    return this.instances.find((i) => i.name === name && (!projectId || i.projectId === projectId))?.id;
  }

  /** Effective knobs: the global ones, overridden by the server's own when `serverName` is given. */
  knobsFor(serverName?: string): SimKnobs {
    const own = serverName ? this.overrides.get(serverName) : undefined;
    return own ? { ...this.knobs, ...own } : { ...this.knobs };
  }

  /**
   * Changes knobs from now on. Every running reboot is first settled under the knobs it ran with, so a change
   * never rewrites the past (e.g. a reboot that already ended stays ended when `rebootHangs` is switched on).
   */
  setKnobs(patch: Partial<SimKnobs>, serverName?: string): void {
    if (serverName !== undefined) {
      if (!this.instances.some((i) => i.name === serverName)) throw new KnobsError(`unknown server ${serverName}`);
      const globalOnly = Object.keys(patch).filter((k) => !(PER_SERVER_KNOBS as readonly string[]).includes(k));
      if (globalOnly.length > 0)
        throw new KnobsError(`invalid knobs: ${globalOnly.join(', ')} can only be set globally`);
    }
    const now = this.clock();
    for (const instance of this.instances) instance.settle(now, this.knobsFor(instance.name));
    if (serverName === undefined) this.knobs = { ...this.knobs, ...patch };
    else this.overrides.set(serverName, { ...this.overrides.get(serverName), ...patch });
  }

  /** Takes one from the `failNextRequests` burst that applies to `serverName` (its own, else the global one). */
  consumeFailure(serverName?: string): boolean {
    const own = serverName ? this.overrides.get(serverName) : undefined;
    if (own?.failNextRequests !== undefined) {
      if (own.failNextRequests <= 0) return false;
      own.failNextRequests -= 1;
      return true;
    }
    if (this.knobs.failNextRequests <= 0) return false;
    this.knobs.failNextRequests -= 1;
    return true;
  }

  countReboot(serverName: string): void {
    this.rebootCounts.set(serverName, (this.rebootCounts.get(serverName) ?? 0) + 1);
  }

  countList(): void {
    this.listCount += 1;
  }

  countToken(): void {
    this.tokenCount += 1;
  }

  stats(): SimStats {
    return {
      rebootActions: Object.fromEntries(this.rebootCounts),
      listCalls: this.listCount,
      tokensIssued: this.tokenCount,
    };
  }

  /** Back to the starting servers, knobs and counters. Issued tokens stay valid. */
  reset(): void {
    this.instances = this.buildInstances();
    this.knobs = { ...this.initialKnobs };
    this.overrides.clear();
    this.rebootCounts = new Map();
    this.listCount = 0;
    this.tokenCount = 0;
  }

  private buildInstances(): NovaInstance[] {
    const instances: NovaInstance[] = [];
    let n = 0;
    for (const project of this.specs) {
      const owner = this.identity.ownerOf(project.id);
      for (const server of project.servers) {
        const id = server.id ?? stableUuid('oshift-openstack-sim', project.id, server.name);
        const createdAt = this.createdBase + n++ * 60_000;
        instances.push(new NovaInstance(id, server.name, project.id, owner, createdAt, initialStateFor(server.status)));
      }
    }
    return instances;
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
    }
  }
}
