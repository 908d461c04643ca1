import { OpenStackError } from './openstack.errors';
import { isConnectFailure } from './retry-policy';

/**
 * What Nova's answer to a reboot POST means, as Nova words it (nova/api/openstack/common.py
 * `raise_http_conflict_for_instance_invalid_state`, nova/compute/api.py `check_instance_lock`): every refusal
 * is `409 conflictingRequest`, so the message says which one it is.
 */
export type RebootAnswer =
  /** 202: Nova took the reboot. */
  | { kind: 'accepted'; requestId?: string }
  /** 409 while a reboot runs (a SOFT reboot over any reboot, or a HARD one past `rebooting_hard`): follow that one. */
  | { kind: 'rebootRunning'; taskState: string; message: string; requestId?: string }
  /** 409 `Instance … is locked`: nothing was rebooted. */
  | { kind: 'locked'; message: string; requestId?: string }
  /** 409 while another task runs (`image_snapshot`, `migrating`, …): nothing was rebooted. */
  | { kind: 'busy'; taskState: string; message: string; requestId?: string }
  /** 409 in a vm_state that type of reboot cannot start from (SOFT on SHUTOFF, …): nothing was rebooted. */
  | { kind: 'wrongState'; vmState: string; message: string; requestId?: string }
  /** Any other answer that says no for good (404 gone, 403, 400, another 409): nothing was rebooted. */
  | { kind: 'refused'; status: number; message: string; requestId?: string }
  /** 429: a rate limit refused the request before Nova acted; try again later. */
  | { kind: 'unavailable'; status: number; message: string; requestId?: string }
  /**
   * Any 5xx. Without Nova's fault body (a load balancer's 502/503/504 page, an empty body) it is what stands before
   * nova-api that answered, and nova-api may have taken the reboot meanwhile; with it, Nova's own "Unexpected API
   * Error" does not say it refused either (nova-api records the action and sets the task state before it casts
   * the reboot, so a fault after those steps answers 5xx for a reboot under way). Check before sending again: the
   * instance action with the answer's request id says whether it got through.
   */
  | { kind: 'gatewayError'; status: number; message: string; requestId?: string }
  /** The POST never left (no connection, no token) or was refused before Nova saw it (401): try again later. */
  | { kind: 'notSent'; message: string }
  /** No answer (timeout, connection dropped): Nova may still apply it. Check before sending again. */
  | { kind: 'noAnswer'; message: string };

const TASK_STATE = /while it is in task_state (\S+)/;
const VM_STATE = /while it is in vm_state (\S+)/;
const LOCKED = /is locked/;

/** Reads the outcome of `NovaClient.reboot`: its request id when it resolved, or the error it threw. */
export function readRebootAnswer(outcome: { requestId?: string } | { error: unknown }): RebootAnswer {
  if (!('error' in outcome)) return { kind: 'accepted', requestId: outcome.requestId };
  const error = outcome.error;
  if (!(error instanceof OpenStackError)) throw error;
  const { status, message, requestId } = error;
  if (status === 0) {
    return isConnectFailure(error.cause) ? { kind: 'notSent', message } : { kind: 'noAnswer', message };
  }
  // Our token refused (keystonemiddleware answers before Nova acts), or no token to send: nothing happened.
  if (status === 401) return { kind: 'notSent', message };
  if (status >= 500) return { kind: 'gatewayError', status, message, requestId };
  if (status === 429) return { kind: 'unavailable', status, message, requestId };
  if (status === 409) {
    if (LOCKED.test(message)) return { kind: 'locked', message, requestId };
    const task = TASK_STATE.exec(message)?.[1];
    if (task?.startsWith('reboot')) return { kind: 'rebootRunning', taskState: task, message, requestId };
    if (task) return { kind: 'busy', taskState: task, message, requestId };
    const vm = VM_STATE.exec(message)?.[1];
    if (vm) return { kind: 'wrongState', vmState: vm, message, requestId };
  }
  return { kind: 'refused', status, message, requestId };
}

/** Answers after which Nova may have taken the reboot without our knowing: confirm it, never send it blind. */
export function isInDoubt(
  answer: RebootAnswer,
): answer is Extract<RebootAnswer, { kind: 'noAnswer' | 'gatewayError' }> {
  return answer.kind === 'noAnswer' || answer.kind === 'gatewayError';
}

/** Answers after which Nova rebooted nothing and never will for this request. */
export type RebootRefusal = Extract<RebootAnswer, { kind: 'locked' | 'busy' | 'wrongState' | 'refused' }>;

/** The refusals that end a job: the customer must act (unlock, wait for the task, start the server…). */
export function isFinalRefusal(answer: RebootAnswer): answer is RebootRefusal {
  return ['locked', 'busy', 'wrongState', 'refused'].includes(answer.kind);
}

/** A refusal in words a customer can act on, with Nova's message and request id; says nothing was rebooted. */
export function describeRefusal(node: string, type: 'SOFT' | 'HARD', answer: RebootRefusal): string {
  const request = answer.requestId ? ` (Nova request ${answer.requestId})` : '';
  const nova = `Nova said: "${answer.message}"${request}`;
  switch (answer.kind) {
    case 'locked':
      return `${node} is locked in OpenStack, so Nova refused the ${type} reboot and no reboot happened. Unlock it (or ask whoever locked it), then reboot again. ${nova}`;
    case 'busy':
      return `${node} is busy with the task ${answer.taskState}, so Nova refused the ${type} reboot and no reboot happened. Wait for the task to end, then reboot again. ${nova}`;
    case 'wrongState':
      return `${node} is ${answer.vmState}: a ${type} reboot cannot start from there, so no reboot happened.${type === 'SOFT' ? ' A HARD reboot can.' : ''} ${nova}`;
    case 'refused':
      return `Nova refused the ${type} reboot of ${node} (HTTP ${answer.status}), so no reboot happened. ${nova}`;
  }
}
