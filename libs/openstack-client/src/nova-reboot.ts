import type { NovaInstanceAction, NovaServer, RebootType } from './nova.types';
import { OpenStackError } from './openstack.errors';

/**
 * What Nova's answers mean for a reboot, as Nova behaves (API reference and source): when a server is back,
 * when a reboot can no longer end well, whether a reboot sent before a crash reached Nova, and which errors
 * are worth waiting out.
 */

/** Nova statuses after which a reboot cannot end well. */
const FAILED_STATUSES = new Set([
  'ERROR',
  'SHUTOFF',
  'DELETED',
  'SOFT_DELETED',
  'SUSPENDED',
  'PAUSED',
  'SHELVED',
  'SHELVED_OFFLOADED',
]);

/** Back from the reboot: ACTIVE with no task left (Nova sets the task before it answers 202). */
export function isRebooted(server: NovaServer): boolean {
  return server.status === 'ACTIVE' && !server.taskState;
}

/** The server went where a reboot cannot bring it back from (ERROR, SHUTOFF, deleted, shelved, …). */
export function rebootCannotEnd(server: NovaServer): boolean {
  return FAILED_STATUSES.has(server.status);
}

/** A reboot of `type` (or, for SOFT, any reboot) is running now, by the server's task state. */
export function rebootInProgress(server: NovaServer, type: RebootType): boolean {
  const task = server.taskState ?? '';
  return task.startsWith('reboot') && (type === 'SOFT' || task.endsWith('_hard'));
}

/**
 * Nova recorded a reboot action for our POST, matched without any clock: the action whose `request_id` is the
 * request id our POST's answer carried (Nova's `x-openstack-request-id`), or any reboot action newer than `before`,
 * the newest one Nova had recorded before the POST (Nova lists them newest first; '' when there was none, null
 * when not known: then only the request id tells).
 */
export function rebootRecordedFor(
  actions: readonly NovaInstanceAction[],
  post: { requestId: string | null; before: string | null },
): boolean {
  const reboots = actions.filter((action) => action.action === 'reboot');
  if (post.requestId && reboots.some((action) => action.requestId === post.requestId)) return true;
  if (post.before === null) return false;
  if (post.before === '') return reboots.length > 0;
  return reboots.findIndex((action) => action.requestId === post.before) > 0;
}

/** The request id of the newest reboot action Nova recorded for a server ('' when none): see {@link rebootRecordedFor}. */
export function newestReboot(actions: readonly NovaInstanceAction[]): string {
  return actions.find((action) => action.action === 'reboot')?.requestId ?? '';
}

/** OpenStack failures worth waiting out: no answer, timeouts, 5xx, throttling. */
export function isTransientOpenStackError(error: unknown): error is OpenStackError {
  return error instanceof OpenStackError && (error.status === 0 || error.status === 429 || error.status >= 500);
}

/** OpenStack said no for good (404 the server is gone, 403, a 409 that is not a running reboot…). */
export function isPermanentOpenStackError(error: unknown): error is OpenStackError {
  return error instanceof OpenStackError && !isTransientOpenStackError(error);
}

/** Nova refused the reboot because one is already running (a SOFT reboot while any reboot runs). */
export function isRebootAlreadyRunning(error: unknown): error is OpenStackError {
  return error instanceof OpenStackError && error.status === 409 && error.code === 'conflictingRequest';
}
