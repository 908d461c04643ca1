/**
 * The words of the audit trail: every action and outcome a record may carry, in one place, so a new
 * endpoint adds its action here instead of spelling a string where it records.
 */

/** What happened, as `<noun>.<verb>`. */
export const AuditAction = {
  /** A login attempt that failed or was throttled (successful logins are not recorded). */
  login: 'auth.login',
  /** A customer's request to reboot a node: accepted, refused, denied or failed. */
  nodeReboot: 'node.reboot',
  /** A worker sent a reboot POST to Nova (outcome `accepted`, else `failed` with Nova's answer in `detail`). */
  rebootAttempt: 'job.reboot',
  /** The cluster's rules let a reboot start (outcome `started`) or made it wait (outcome `waiting`, why in `detail`). */
  jobAdmission: 'job.admission',
  /** A customer cancelled a waiting job or the rest of a rolling reboot (outcome `cancelled`, else `refused`). */
  jobCancel: 'job.cancel',
  /** A customer's request for a rolling reboot of a role: accepted, refused, denied or failed. */
  rollingReboot: 'cluster.rolling-reboot',
  /**
   * The Alertmanager silence of a reboot's node: created before the first reboot POST (outcome `accepted`, else
   * `failed` with the reason; the reboot goes on), expired once the job ended (outcome `ok`).
   */
  jobSilence: 'job.silence',
  /** A reboot job ended (outcome `done` or `failed`). */
  jobEnd: 'job.end',
  userAdd: 'user.add',
  userPasswd: 'user.passwd',
  userDisable: 'user.disable',
  userEnable: 'user.enable',
  userRemove: 'user.remove',
  grantAdd: 'grant.add',
  grantRevoke: 'grant.revoke',
  clusterCreate: 'cluster.create',
  clusterUpdate: 'cluster.update',
  clusterRemove: 'cluster.remove',
  /** A cluster's reboot rules (roles, parallelism, cooldown) set or reset. */
  clusterPolicy: 'cluster.policy',
  /** Ended jobs and old audit events deleted by the retention command. */
  retentionPrune: 'retention.prune',
  /** A webhook added to or removed from a cluster (the record names its URL's origin only). */
  webhookAdd: 'webhook.add',
  webhookRemove: 'webhook.remove',
  /** A sealed secret sealed again, bound to its row and field or under the current key (never the secret). */
  secretReseal: 'secret.reseal',
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

/** How it ended. */
export const AuditOutcome = {
  /** An operator change was made. */
  ok: 'ok',
  /** An operator change asked for what already was (granting a held role, …). */
  noop: 'noop',
  /** A customer request was taken on (its job recorded in the same transaction). */
  accepted: 'accepted',
  /** A customer request was refused for what it asked (bad input, unknown node, already running). */
  refused: 'refused',
  /** A customer request was refused for who asked (no role, no permission). */
  denied: 'denied',
  /** A request or login could not be served, or a job ended without its reboot. */
  failed: 'failed',
  /** A login refused unchecked because of earlier failures. */
  throttled: 'throttled',
  /** The rules let a reboot start now. */
  started: 'started',
  /** The rules hold a reboot back for now; it starts by itself when they allow. */
  waiting: 'waiting',
  /** A request answered with what would happen, starting nothing. */
  dryRun: 'dry-run',
  /** A waiting job, or the rest of a rolling reboot, ended by its cancel. */
  cancelled: 'cancelled',
  /** A job ended with its node rebooted. */
  done: 'done',
} as const;
export type AuditOutcome = (typeof AuditOutcome)[keyof typeof AuditOutcome];
