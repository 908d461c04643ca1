import { dbNow } from '@oshift/jobs';
import { isRebooted, type NovaServer, rebootCannotEnd, type RebootType } from '@oshift/openstack-client';

/**
 * The reboot step of a job as a pure decision: from what the job row recorded and what Nova shows now, what to
 * do next (send, confirm a reboot in doubt, wait, observe, end). The handler gathers the facts and carries the
 * step out; a per-cluster watcher can call the same function.
 */

/** What the job row says about its reboot. */
export interface RebootProgress {
  /** The reboot to send, or the one last attempted. */
  type: RebootType;
  /** Recorded just before the last POST (null: nothing attempted yet). */
  attemptedAt: number | null;
  /** When Nova's acceptance of the last accepted reboot was recorded. */
  sentAt: number | null;
}

export interface StepSettings {
  /** A SOFT reboot not finished after this long is escalated to HARD; 0 never. */
  softRebootTimeoutMs: number;
  /** A POST left without an answer may still be applied by Nova this long after it was attempted. */
  confirmWindowMs: number;
  /** A POST may take this long (the OpenStack timeout): none starts when the deadline is closer than this. */
  sendMarginMs: number;
}

export interface StepFacts {
  now: number;
  deadlineAt: number | null;
  node: string;
  progress: RebootProgress;
  /** The server as Nova shows it now; null when it could not be asked (or was not, before a first send). */
  server: NovaServer | null;
  /** For a reboot in doubt: Nova shows it (its task state, or an instance action since the attempt). */
  reachedNova: boolean;
  /** What went wrong last, for the reason of a failure (OpenStack unreachable, …). */
  lastProblem?: string;
}

export type RebootStep =
  /** POST a reboot of `type` (escalation: a HARD reboot over a SOFT one that overran). */
  | { do: 'send'; type: RebootType; escalation: boolean }
  /** The reboot in doubt reached Nova: record it as sent, never send it again. */
  | { do: 'confirm' }
  /** The escalation in doubt is moot: the SOFT reboot ended meanwhile. Go back to following it. */
  | { do: 'dropEscalation' }
  /** Observe again after a poll interval (a reboot runs, or a POST in doubt may still land). */
  | { do: 'poll' }
  | { do: 'done' }
  | { do: 'fail'; reason: string };

const SOFT_REBOOT_TASKS = new Set(['rebooting', 'reboot_pending', 'reboot_started']);

/** Nova is running a SOFT reboot of the server (the only one an escalation may replace). */
export function softRebootRunning(server: NovaServer): boolean {
  return server.status === 'REBOOT' && SOFT_REBOOT_TASKS.has(server.taskState ?? '');
}

/** Decides the next step. Never sends once the deadline is closer than one POST; every path ends by the deadline. */
export function planRebootStep(facts: StepFacts, settings: StepSettings): RebootStep {
  const { now, deadlineAt, node, server } = facts;
  const { type, attemptedAt, sentAt } = facts.progress;
  const pastDeadline = deadlineAt !== null && now >= deadlineAt;
  const tooLateToSend = deadlineAt !== null && now + settings.sendMarginMs >= deadlineAt;
  const problem = facts.lastProblem ? ` Last problem: ${facts.lastProblem}.` : '';

  if (attemptedAt === null) {
    if (!tooLateToSend) return { do: 'send', type, escalation: false };
    return fail(
      `Deadline passed before the reboot could be sent: no reboot was sent to ${node}.${problem} Reboot again if it is still needed.`,
    );
  }

  const inDoubt = sentAt === null || sentAt < attemptedAt;
  if (inDoubt) {
    if (facts.reachedNova) return { do: 'confirm' };
    const escalation = type === 'HARD' && sentAt !== null;
    if (escalation && server && !softRebootRunning(server)) return { do: 'dropEscalation' };
    const doubtful = now - attemptedAt < settings.confirmWindowMs;
    if (pastDeadline || (!doubtful && tooLateToSend)) {
      const at = new Date(attemptedAt).toISOString();
      return fail(
        `Deadline passed: a ${type} reboot of ${node} was sent at ${at} but Nova never confirmed it, so it may ` +
          `or may not have happened.${problem} Check the node's status before rebooting again.`,
      );
    }
    // Sent again only once Nova can no longer apply the first POST: never two reboots for one job.
    return doubtful ? { do: 'poll' } : { do: 'send', type, escalation };
  }

  const sent = `a ${type} reboot was sent`;
  if (!server) {
    if (!pastDeadline) return { do: 'poll' };
    return fail(
      `Deadline passed: ${sent} to ${node} but OpenStack stopped answering about it.${problem} Check the node's status.`,
    );
  }
  if (isRebooted(server)) return { do: 'done' };
  if (rebootCannotEnd(server)) {
    const fault = server.fault?.message ? `: ${server.fault.message}` : '';
    return fail(`${node} went ${server.status} during the reboot (${sent})${fault}`);
  }
  const softOverdue =
    settings.softRebootTimeoutMs > 0 &&
    type === 'SOFT' &&
    sentAt !== null &&
    softRebootRunning(server) &&
    now - sentAt > settings.softRebootTimeoutMs;
  if (softOverdue && !tooLateToSend) return { do: 'send', type: 'HARD', escalation: true };
  if (pastDeadline)
    return fail(`Deadline passed: ${node} is still ${server.status} (${sent} and did not finish in time)`);
  return { do: 'poll' };
}

function fail(reason: string): RebootStep {
  return { do: 'fail', reason };
}

/** What a job row says about its reboot. */
export function progressOf(job: {
  rebootType: RebootType;
  rebootAttemptedAt: Date | null;
  rebootSentAt: Date | null;
}): RebootProgress {
  return {
    type: job.rebootType,
    attemptedAt: job.rebootAttemptedAt?.getTime() ?? null,
    sentAt: job.rebootSentAt?.getTime() ?? null,
  };
}

/** A reboot was attempted and Nova's taking it is not recorded (the POST got no answer). */
export function inDoubt(progress: RebootProgress): boolean {
  return progress.attemptedAt !== null && (progress.sentAt === null || progress.sentAt < progress.attemptedAt);
}

/** The facts of a job for {@link planRebootStep}. */
export function stepFacts(
  job: {
    clockOffsetMs?: number;
    target: string;
    deadlineAt: Date | null;
    rebootType: RebootType;
    rebootAttemptedAt: Date | null;
    rebootSentAt: Date | null;
  },
  server: NovaServer | null,
  reachedNova: boolean,
  lastProblem?: string,
): StepFacts {
  // Job times are Postgres times: compared with Postgres' clock as read with the row, not this worker's.
  const base = { now: dbNow(job), deadlineAt: job.deadlineAt?.getTime() ?? null, node: job.target };
  return { ...base, progress: progressOf(job), server, reachedNova, lastProblem };
}
