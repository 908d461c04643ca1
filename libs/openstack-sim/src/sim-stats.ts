import type { NovaInstance } from './nova-instance.model';

/**
 * Counters of what the simulator received, per project and per server, and the reboot concurrency per
 * OpenShift node role (from the node name) that issue-level tests assert ("never two masters at once").
 */

/** OpenShift node roles, from the node name; anything else is `other`. */
export const NODE_ROLES = ['haproxy', 'master', 'infra', 'worker', 'other'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/**
 * The role of a node from its name, in both naming styles: OpenShift 3.x (`master-1.openstacklocal` → `master`)
 * and the OpenShift 4 installer (`ocp-x7k2p-master-1`, `ocp-x7k2p-worker-0-bcdfg`; its bootstrap machine carries
 * the control plane, so it counts as a master).
 */
export function roleOf(name: string): NodeRole {
  const found =
    /^(haproxy|master|infra|worker)-\d+(\.|$)/i.exec(name)?.[1] ??
    /-[a-z0-9]{5}-(master|infra|worker|bootstrap)(-|$)/i.exec(name)?.[1];
  if (!found) return 'other';
  const role = found.toLowerCase();
  return role === 'bootstrap' ? 'master' : (role as NodeRole);
}

/** Reboot actions a server received, by type, and what Nova made of them. */
export interface SimServerRebootStats {
  /** Every `reboot` action sent to the server (accepted, refused or faulted alike; not those of another project), by type. */
  received: { SOFT: number; HARD: number };
  /** Reboots Nova accepted (202): each one started or restarted a reboot. */
  accepted: { SOFT: number; HARD: number };
  /** Reboots Nova refused with 409 (locked, or the wrong vm_state / task_state). */
  refused: { SOFT: number; HARD: number };
}

/** Counters of one project. */
export interface SimProjectStats {
  /** `GET /servers` and `GET /servers/detail` requests received with this project's token (each page counts). */
  listCalls: number;
  /** `GET /servers/{id}` requests received with this project's token (one server's details). */
  showCalls: number;
  /** Tokens Keystone issued for this project. */
  tokensIssued: number;
  /** Reboot actions received for the project's servers, by type. */
  rebootActions: { SOFT: number; HARD: number };
  /** The most servers of each role that were in a reboot task state at the same moment. */
  maxInReboot: Record<NodeRole, number>;
  /** How many servers of each role are in a reboot task state now. */
  inRebootNow: Record<NodeRole, number>;
}

type Outcome = keyof SimServerRebootStats;
type RebootType = 'SOFT' | 'HARD';

const zeroTypes = () => ({ SOFT: 0, HARD: 0 });
const zeroRoles = (): Record<NodeRole, number> => ({ haproxy: 0, master: 0, infra: 0, worker: 0, other: 0 });

/** Mutable counters; reset with the simulator. */
export class SimCounters {
  private readonly servers = new Map<string, SimServerRebootStats>();
  private readonly lists = new Map<string, number>();
  private readonly shows = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  listCalls = 0;
  showCalls = 0;
  tokensIssued = 0;

  reboot(serverId: string, type: RebootType, outcome: Outcome): void {
    let entry = this.servers.get(serverId);
    if (!entry) {
      entry = { received: zeroTypes(), accepted: zeroTypes(), refused: zeroTypes() };
      this.servers.set(serverId, entry);
    }
    entry[outcome][type] += 1;
  }

  list(projectId: string | undefined): void {
    this.listCalls += 1;
    if (projectId) this.lists.set(projectId, (this.lists.get(projectId) ?? 0) + 1);
  }

  show(projectId: string | undefined): void {
    this.showCalls += 1;
    if (projectId) this.shows.set(projectId, (this.shows.get(projectId) ?? 0) + 1);
  }

  token(projectId: string): void {
    this.tokensIssued += 1;
    this.tokens.set(projectId, (this.tokens.get(projectId) ?? 0) + 1);
  }

  /** Reboot counters of one server (zeros when it received none). */
  server(serverId: string): SimServerRebootStats {
    const entry = this.servers.get(serverId);
    if (!entry) return { received: zeroTypes(), accepted: zeroTypes(), refused: zeroTypes() };
    return { received: { ...entry.received }, accepted: { ...entry.accepted }, refused: { ...entry.refused } };
  }

  /** Reboot actions received by one server, all types together. */
  received(serverId: string): number {
    const entry = this.servers.get(serverId);
    return entry ? entry.received.SOFT + entry.received.HARD : 0;
  }

  /** Counters of a project whose (settled) instances are given. */
  project(projectId: string, instances: readonly NovaInstance[], now: number): SimProjectStats {
    const rebootActions = zeroTypes();
    for (const instance of instances) {
      const received = this.servers.get(instance.id)?.received;
      if (!received) continue;
      rebootActions.SOFT += received.SOFT;
      rebootActions.HARD += received.HARD;
    }
    const { max, now: current } = rebootConcurrency(instances, now);
    return {
      listCalls: this.lists.get(projectId) ?? 0,
      showCalls: this.shows.get(projectId) ?? 0,
      tokensIssued: this.tokens.get(projectId) ?? 0,
      rebootActions,
      maxInReboot: max,
      inRebootNow: current,
    };
  }
}

/**
 * The most servers of each role in a reboot at once, over all time, and how many are in one at `now`
 * (a sweep over the instances' reboot episodes; an episode ends when its server leaves the reboot task states).
 */
export function rebootConcurrency(
  instances: readonly NovaInstance[],
  now: number,
): { max: Record<NodeRole, number>; now: Record<NodeRole, number> } {
  const max = zeroRoles();
  const current = zeroRoles();
  const edges = new Map<NodeRole, { at: number; delta: number }[]>();
  for (const instance of instances) {
    const role = roleOf(instance.name);
    const list = edges.get(role) ?? [];
    edges.set(role, list);
    for (const episode of instance.rebootEpisodes) {
      list.push({ at: episode.start, delta: 1 });
      if (episode.end !== null) list.push({ at: episode.end, delta: -1 });
      if (episode.end === null || episode.end > now) current[role] += 1;
    }
  }
  for (const [role, list] of edges) {
    // An episode that ends at the moment another starts does not overlap it: ends sort first.
    list.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let level = 0;
    for (const edge of list) {
      level += edge.delta;
      max[role] = Math.max(max[role], level);
    }
  }
  return { max, now: current };
}
