/** Nova vm_state values the simulator uses (nova/compute/vm_states.py). */
export type VmState = 'active' | 'stopped' | 'error' | 'paused' | 'suspended';

/** Nova task_state values of a reboot (nova/compute/task_states.py). */
export type RebootTaskState =
  'rebooting' | 'reboot_pending' | 'reboot_started' | 'rebooting_hard' | 'reboot_pending_hard' | 'reboot_started_hard';

/** nova/compute/power_state.py */
export const POWER_STATE = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;

/** vm_states.ALLOW_SOFT_REBOOT */
export const ALLOW_SOFT_REBOOT: readonly VmState[] = ['active'];
/** vm_states.ALLOW_HARD_REBOOT = ALLOW_SOFT_REBOOT + [STOPPED, PAUSED, SUSPENDED, ERROR] */
export const ALLOW_HARD_REBOOT: readonly VmState[] = ['active', 'stopped', 'paused', 'suspended', 'error'];
/**
 * task_states.ALLOW_REBOOT: the task states `API.reboot` and `_hard_reboot` accept. Note that it holds
 * `rebooting_hard` but not `reboot_pending_hard`/`reboot_started_hard`: a second HARD reboot is accepted
 * until the compute host has picked up the first one, refused afterwards.
 */
export const ALLOW_REBOOT: readonly (string | null)[] = [
  null,
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'resuming',
  'rebooting_hard',
  'unpausing',
  'pausing',
  'suspending',
];

/** The subset of nova/api/openstack/common.py `_STATE_MAP` for the states the simulator produces. */
const STATE_MAP: Record<VmState, Record<string, string>> = {
  active: {
    default: 'ACTIVE',
    rebooting: 'REBOOT',
    reboot_pending: 'REBOOT',
    reboot_started: 'REBOOT',
    rebooting_hard: 'HARD_REBOOT',
    reboot_pending_hard: 'HARD_REBOOT',
    reboot_started_hard: 'HARD_REBOOT',
  },
  // No reboot entries: a HARD reboot of a stopped or errored server shows SHUTOFF / ERROR until it ends.
  stopped: { default: 'SHUTOFF' },
  error: { default: 'ERROR' },
  paused: { default: 'PAUSED' },
  suspended: { default: 'SUSPENDED' },
};

/** Nova's `status` for a vm_state and task_state (common.status_from_state). */
export function statusFromState(vmState: VmState, taskState: string | null): string {
  const map = STATE_MAP[vmState];
  if (!map) return 'UNKNOWN';
  return (taskState !== null && map[taskState]) || map['default'];
}

/** vm_state and power_state a server starts in, from a status name of a spec. */
export function initialStateFor(status: string | undefined): { vmState: VmState; powerState: number } {
  switch ((status ?? 'ACTIVE').toUpperCase()) {
    case 'ACTIVE':
      return { vmState: 'active', powerState: POWER_STATE.RUNNING };
    case 'SHUTOFF':
      return { vmState: 'stopped', powerState: POWER_STATE.SHUTDOWN };
    case 'ERROR':
      return { vmState: 'error', powerState: POWER_STATE.NOSTATE };
    case 'PAUSED':
      return { vmState: 'paused', powerState: POWER_STATE.PAUSED };
    case 'SUSPENDED':
      return { vmState: 'suspended', powerState: POWER_STATE.SUSPENDED };
    default:
      throw new Error(`unsupported starting status ${status}: use ACTIVE, SHUTOFF, ERROR, PAUSED or SUSPENDED`);
  }
}
