import type { TaskState } from './nova-states';
import type { NodeRole, SimProjectStats, SimServerRebootStats } from './sim-stats';

/** A server of a simulated project. */
export interface SimServerSpec {
  name: string;
  /** Default: a UUID derived from the project id and the name, stable across restarts. */
  id?: string;
  /** Starting Nova status: ACTIVE (default), SHUTOFF, ERROR, PAUSED or SUSPENDED. */
  status?: string;
  /** Locked by an admin from the start (its owner cannot unlock it). */
  locked?: boolean;
  /** A Nova task state (e.g. `migrating`) it is held in from the start until the admin API clears it. */
  taskState?: TaskState;
}

/** A simulated Keystone project with its users, application credentials and Nova servers. */
export interface SimProjectSpec {
  id: string;
  name: string;
  /** Domain name of the project, default `Default`. */
  domain?: string;
  /** Users holding the member role on this project; their default project is the first project listing them. */
  users: { name: string; password: string; domain?: string }[];
  applicationCredentials?: { id: string; secret: string; user: string }[];
  servers: SimServerSpec[];
}

/** How a reboot may end. */
export type SimRebootOutcome = 'ACTIVE' | 'ERROR' | 'SHUTOFF';

/** Behaviour and fault knobs; global, or per server (latency, faults and reboot behaviour only). */
export interface SimKnobs {
  /** How long a reboot runs before its task_state clears, default 3000 ms. */
  rebootDurationMs: number;
  /** Reboots never finish (task_state stays reboot_started / reboot_started_hard). */
  rebootHangs: boolean;
  /** Status a finished reboot leaves the server in, default ACTIVE. */
  rebootEndsIn: SimRebootOutcome;
  /** Delay before every Nova answer. */
  latencyMs: number;
  /** Share (0..1) of Nova answers that are `500 computeFault`. */
  errorRate: number;
  /** Share (0..1) of Nova requests whose connection is destroyed without an answer. */
  dropRate: number;
  /** The next N Nova requests answer `500 computeFault` (deterministic bursts for tests); counts down. */
  failNextRequests: number;
  /** Lifetime of new Keystone tokens, default 3600 s. */
  tokenTtlSeconds: number;
  /** A SOFT reboot still running after this long turns into a HARD one (null: never), like libvirt's fallback. */
  softEscalatesToHardAfterMs: number | null;
  /** Nova's `osapi_max_limit`: most servers in one page, default 1000. */
  pageSizeMax: number;
  /** How long `os-stop` / `os-start` stay in `powering-off` / `powering-on`, default 1000 ms. */
  powerActionDurationMs: number;
  /** How long `createImage` keeps the server busy (`image_snapshot` most of that time), default 5000 ms. */
  snapshotDurationMs: number;
  /**
   * Delay before Nova applies a server action (`POST /servers/{id}/action`) and answers; the action is applied
   * at its end whether or not the client still waits (a POST applied after the client gave up). Default 0.
   */
  actionDelayMs: number;
  /**
   * The next server actions (`POST /servers/{id}/action`) answer these faults, one each, in order (counts down):
   * what a proxy in front of nova-api, or nova-api itself, answers when things go wrong. Default none.
   */
  nextActionFaults: SimActionFault[];
  /**
   * How long after its VM is `ACTIVE` again a rebooted node turns `Ready` in the cluster's Kubernetes API (the OS,
   * kubelet and static pods starting). Per server; default 0.
   */
  nodeReadyDelayMs: number;
  /** The Kubernetes API of every cluster resets each connection without an answer (global). Default false. */
  kubeUnreachable: boolean;
  /**
   * How long an evicted or deleted pod stays `Terminating` (with its `deletionTimestamp`) before it is gone, as the
   * kubelet's graceful stop takes (global). Default 1000 ms.
   */
  podTerminationMs: number;
}

/** One fault of {@link SimKnobs.nextActionFaults}. */
export interface SimActionFault {
  /** The HTTP status answered (500-599). */
  status: number;
  /** Nova applied the action before the fault was answered (a proxy's 502 after nova-api took it), or not. */
  acted: boolean;
  /**
   * `nova`: Nova's own fault body and request id (nova-api answered); `html` or `empty`: a proxy's page, with no
   * Nova request id.
   */
  body: 'nova' | 'html' | 'empty';
}

/** How to start an {@link OpenStackSimulator}. */
export interface SimStartOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) lets the OS pick. */
  port?: number;
  /** Port of the HTTPS listener of the clusters' Kubernetes APIs; 0 (default) lets the OS pick. */
  kubePort?: number;
  /**
   * Base URL put in the catalog and links, e.g. `http://openstack-sim:5005`. Default: `http://` + the Host
   * header of each request, so a simulator in a container is advertised under the name its callers used.
   */
  publicUrl?: string;
  /** Catalog region, default RegionOne. */
  region?: string;
  projects: SimProjectSpec[];
  knobs?: Partial<SimKnobs>;
  /** Clock in ms since the epoch, default Date.now; tests may drive time. */
  clock?: () => number;
  /** Chance in [0, 1), default Math.random. */
  random?: () => number;
}

/** Counters of what the simulator received. */
export interface SimStats {
  /** Reboot actions received per server name (accepted, refused or faulted alike; summed over projects). */
  rebootActions: Record<string, number>;
  /** `GET /servers` and `GET /servers/detail` requests received (each page counts). */
  listCalls: number;
  /** `GET /servers/{id}` requests received. */
  showCalls: number;
  /** Tokens Keystone issued. */
  tokensIssued: number;
  /** The same per project id, with the reboot concurrency per node role. */
  projects: Record<string, SimProjectStats>;
}

/** One server as the admin API shows it. */
export interface SimServerStats {
  id: string;
  name: string;
  projectId: string;
  role: NodeRole;
  status: string;
  taskState: string | null;
  vmState: string;
  locked: boolean;
  lockedBy: 'owner' | 'admin' | null;
  /** Exact counts of the reboot actions it received, by type and outcome. */
  reboots: SimServerRebootStats;
  /** How many separate periods it spent in a reboot task state. */
  rebootPeriods: number;
  /**
   * The last of those periods, in ms since the epoch by the simulator's clock: `end` is the moment its reboot task
   * state cleared and Nova began to show the reboot's end status (`ACTIVE` unless the knobs say otherwise); null
   * while it lasts. Null when the server was never rebooted.
   */
  lastRebootPeriod: { start: number; end: number | null } | null;
}
