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

/** Nova's clock and ours may differ a little when matching its instance actions to our attempt. */
const CLOCK_SKEW_MS = 2000;

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

/** Nova recorded a reboot action started at `attemptedAt` or later (give or take clock skew). */
export function rebootRecordedSince(actions: readonly NovaInstanceAction[], attemptedAt: Date): boolean {
  const since = attemptedAt.getTime() - CLOCK_SKEW_MS;
  return actions.some((action) => action.action === 'reboot' && novaTime(action.startTime) >= since);
}

/** Nova writes UTC times without a zone (`2018-04-25T01:26:29.000000`). */
export function novaTime(value: string): number {
  const time = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(time) ? 0 : time;
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
