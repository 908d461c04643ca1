/** Nova vm_state values the simulator uses (nova/compute/vm_states.py). */
export type VmState = 'active' | 'stopped' | 'error' | 'paused' | 'suspended';

/** Nova task_state values of a reboot (nova/compute/task_states.py). */
export type RebootTaskState =
  'rebooting' | 'reboot_pending' | 'reboot_started' | 'rebooting_hard' | 'reboot_pending_hard' | 'reboot_started_hard';

/**
 * Every task_state value of nova/objects/fields.py InstanceTaskState that an instance of the simulator may be
 * held in (admin API), besides the reboot states it produces itself.
 */
export const NOVA_TASK_STATES = [
  'scheduling',
  'block_device_mapping',
  'networking',
  'spawning',
  'image_snapshot',
  'image_snapshot_pending',
  'image_pending_upload',
  'image_uploading',
  'image_backup',
  'updating_password',
  'resize_prep',
  'resize_migrating',
  'resize_migrated',
  'resize_finish',
  'resize_reverting',
  'resize_confirming',
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'rebooting_hard',
  'reboot_pending_hard',
  'reboot_started_hard',
  'pausing',
  'unpausing',
  'suspending',
  'resuming',
  'powering-off',
  'powering-on',
  'rescuing',
  'unrescuing',
  'rebuilding',
  'rebuild_block_device_mapping',
  'rebuild_spawning',
  'migrating',
  'deleting',
  'soft-deleting',
  'restoring',
  'shelving',
  'shelving_image_pending_upload',
  'shelving_image_uploading',
  'shelving_offloading',
  'unshelving',
] as const;

/** A Nova task_state. */
export type TaskState = (typeof NOVA_TASK_STATES)[number];

/** nova/compute/power_state.py */
export const POWER_STATE = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;

/** vm_states.ALLOW_SOFT_REBOOT */
export const ALLOW_SOFT_REBOOT: readonly VmState[] = ['active'];
/** vm_states.ALLOW_HARD_REBOOT = ALLOW_SOFT_REBOOT + [STOPPED, PAUSED, SUSPENDED, ERROR] */
export const ALLOW_HARD_REBOOT: readonly VmState[] = ['active', 'stopped', 'paused', 'suspended', 'error'];
/**
 * task_states.ALLOW_REBOOT: the task states `API._hard_reboot` accepts. Note that it holds
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
const RESIZE = {
  resize_prep: 'RESIZE',
  resize_migrating: 'RESIZE',
  resize_migrated: 'RESIZE',
  resize_finish: 'RESIZE',
};
const REBUILD = { rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' };
const STATE_MAP: Record<VmState, Record<string, string>> = {
  active: {
    default: 'ACTIVE',
    rebooting: 'REBOOT',
    reboot_pending: 'REBOOT',
    reboot_started: 'REBOOT',
    rebooting_hard: 'HARD_REBOOT',
    reboot_pending_hard: 'HARD_REBOOT',
    reboot_started_hard: 'HARD_REBOOT',
    updating_password: 'PASSWORD',
    ...REBUILD,
    migrating: 'MIGRATING',
    ...RESIZE,
  },
  // No reboot entries: a HARD reboot of a stopped or errored server shows SHUTOFF / ERROR until it ends.
  stopped: { default: 'SHUTOFF', ...RESIZE, ...REBUILD },
  error: { default: 'ERROR', ...REBUILD },
  paused: { default: 'PAUSED', migrating: 'MIGRATING' },
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

/** `status` values of the vm_states the simulator never produces (building, resized, rescued, deleted, shelved). */
const OTHER_STATUSES: Record<string, string[]> = {
  building: ['BUILD'],
  resized: ['VERIFY_RESIZE', 'REVERT_RESIZE'],
  rescued: ['RESCUE'],
  deleted: ['DELETED'],
  soft_deleted: ['SOFT_DELETED'],
  shelved: ['SHELVED'],
  shelved_offloaded: ['SHELVED_OFFLOADED'],
};

/**
 * The vm_states and task_states a `status` filter selects (common.task_and_vm_state_from_status): task_states
 * null when a status maps to a vm_state's default (then any task_state matches). Null for an unknown status.
 */
export function statesForStatus(
  statuses: readonly string[],
): { vmStates: string[]; taskStates: (string | null)[] | null } | null {
  const wanted = statuses.map((s) => s.toUpperCase());
  const vmStates = new Set<string>();
  const taskStates = new Set<string>();
  for (const [vmState, map] of Object.entries(STATE_MAP)) {
    for (const [task, status] of Object.entries(map)) {
      if (!wanted.includes(status)) continue;
      vmStates.add(vmState);
      taskStates.add(task);
    }
  }
  for (const [vmState, names] of Object.entries(OTHER_STATUSES)) {
    if (names.some((n) => wanted.includes(n))) {
      vmStates.add(vmState);
      taskStates.add('default');
    }
  }
  if (vmStates.size === 0) return null;
  return { vmStates: [...vmStates], taskStates: taskStates.has('default') ? null : [...taskStates] };
}
