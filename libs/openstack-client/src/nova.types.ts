/** A Nova server as the rest of the system needs it (GET /servers/detail, GET /servers/{id}). */
export interface NovaServer {
  id: string;
  name: string;
  /** Nova's status exactly as reported: ACTIVE, REBOOT, HARD_REBOOT, SHUTOFF, ERROR, ... */
  status: string;
  /** `OS-EXT-STS:task_state` (rebooting, reboot_started_hard, ...), null when idle or not shown. */
  taskState: string | null;
  /** `OS-EXT-STS:vm_state` (active, stopped, error, ...), null when not shown. */
  vmState: string | null;
  /** `OS-EXT-STS:power_state` (0 nostate, 1 running, 3 paused, 4 shutdown, 6 crashed, 7 suspended). */
  powerState: number | null;
  /** Last change, ISO 8601 as Nova writes it. */
  updated?: string;
  /** Present on servers in ERROR: why. */
  fault?: { code: number; message: string };
}

/** SOFT asks the guest to restart; HARD power-cycles it. */
export type RebootType = 'SOFT' | 'HARD';

/** One entry of `GET /servers/{id}/os-instance-actions`. */
export interface NovaInstanceAction {
  action: string;
  instanceUuid: string;
  requestId: string;
  startTime: string;
  userId: string | null;
  projectId: string | null;
  message: string | null;
  /** Only from microversion 2.58 on. */
  updatedAt?: string;
}

/** Query of the next page (`limit`, `marker` and whatever else Nova echoed) taken from a `next` link. */
export type NextPageQuery = Record<string, string>;
