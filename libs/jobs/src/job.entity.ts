import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JobKind, JobState } from './job-state';

/**
 * A reboot's phase in the cluster's own API (connected clusters): `draining` (cordoned, pods being evicted),
 * `drained` (ready for the reboot POST), `active` (Nova shows the server back; waiting for the node to be Ready
 * with a new boot id), `ready` (Ready again; uncordon, then `Done`).
 */
export type NodePhase = 'draining' | 'drained' | 'active' | 'ready';

/** A reboot job of one node of one cluster. Only one active job per node (partial unique index). */
@Entity({ name: 'jobs' })
export class JobEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'cluster_id', type: 'text' })
  clusterId!: string;

  @Column({ type: 'text' })
  target!: string;

  @Column({ type: 'text' })
  state!: JobState;

  @Column({ type: 'text', default: '' })
  errors!: string;

  @Column({ name: 'requested_by', type: 'text' })
  requestedBy!: string;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ name: 'server_id', type: 'text', nullable: true })
  serverId!: string | null;

  @Column({ name: 'reboot_type', type: 'text', default: 'SOFT' })
  rebootType!: 'SOFT' | 'HARD';

  @Column({ name: 'reboot_attempted_at', type: 'timestamptz', nullable: true })
  rebootAttemptedAt!: Date | null;

  @Column({ name: 'reboot_sent_at', type: 'timestamptz', nullable: true })
  rebootSentAt!: Date | null;

  /** The Nova request id the last reboot POST's answer carried (its instance action's `request_id`), if any. */
  @Column({ name: 'reboot_request_id', type: 'text', nullable: true })
  rebootRequestId!: string | null;

  /** The newest reboot action Nova had recorded for the server before the last POST ('' none; null not known). */
  @Column({ name: 'reboot_actions_before', type: 'text', nullable: true })
  rebootActionsBefore!: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** Which handler may act on the job now, and until when (renewed on every poll). */
  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** `reboot` (one node) or `rolling` (a rolling reboot: one node at a time through child jobs). */
  @Column({ type: 'text', default: 'reboot' })
  kind!: JobKind;

  /** The rolling reboot this job is a step of. */
  @Column({ name: 'parent_id', type: 'text', nullable: true })
  parentId!: string | null;

  /** A rolling reboot's role (`worker`, …, or `all`). */
  @Column({ name: 'rolling_role', type: 'text', nullable: true })
  rollingRole!: string | null;

  /** A rolling reboot's nodes, in order, fixed at its first step (null until then). */
  @Column({ name: 'rolling_plan', type: 'text', array: true, nullable: true })
  rollingPlan!: string[] | null;

  /** The nodes of a rolling reboot's plan it skipped: no longer in the cluster at their turn. */
  @Column({ name: 'rolling_skipped', type: 'text', array: true, nullable: true })
  rollingSkipped!: string[] | null;

  /** When the cluster's rules let the reboot start: from then on it counts as in flight. */
  @Column({ name: 'admitted_at', type: 'timestamptz', nullable: true })
  admittedAt!: Date | null;

  /**
   * When the node was back at rest and the reboot stopped counting as in flight (for `max_parallel`, quorum and
   * settle times): as a `Done` job, or one that never sent anything, ends; after a failure while a POST might still
   * land, once Nova can no longer apply it and shows the server at rest (the cluster's watcher releases it).
   */
  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt!: Date | null;

  /** Why the job waits (set while it may not start yet). */
  @Column({ name: 'waiting_reason', type: 'text', nullable: true })
  waitingReason!: string | null;

  /** Who cancelled the job (or the rest of a rolling reboot). */
  @Column({ name: 'cancelled_by', type: 'text', nullable: true })
  cancelledBy!: string | null;

  /** How many of this step's lines its rolling reboot has copied into its own output. */
  @Column({ name: 'mirrored_lines', type: 'integer', default: 0 })
  mirroredLines!: number;

  /** What last stood in the reboot's way (OpenStack unreachable, …), for the reason of a failure. */
  @Column({ name: 'last_problem', type: 'text', nullable: true })
  lastProblem!: string | null;

  /**
   * The trace of the job's last handling (W3C `traceparent`), when tracing is on: the watcher's observations of
   * the job join it. Null when tracing is off.
   */
  @Column({ name: 'trace_context', type: 'text', nullable: true })
  traceContext!: string | null;

  /** A scheduled reboot starts no earlier than this (`not_before`); until then its job is `scheduled`. */
  @Column({ name: 'not_before', type: 'timestamptz', nullable: true })
  notBefore!: Date | null;

  /** Who started the job outside the cluster's maintenance windows (`override_window`), and why. */
  @Column({ name: 'window_override_by', type: 'text', nullable: true })
  windowOverrideBy!: string | null;

  @Column({ name: 'window_override_reason', type: 'text', nullable: true })
  windowOverrideReason!: string | null;

  /** The Alertmanager silence created for the node before the first reboot POST ('' when that failed; null: none tried). */
  @Column({ name: 'silence_id', type: 'text', nullable: true })
  silenceId!: string | null;

  /** On a connected cluster: the Kubernetes node the job's server is (null: not followed in the cluster's API). */
  @Column({ name: 'kube_node', type: 'text', nullable: true })
  kubeNode!: string | null;

  /** Where the reboot stands in the cluster's API (see {@link NodePhase}); null before it began there. */
  @Column({ name: 'node_phase', type: 'text', nullable: true })
  nodePhase!: NodePhase | null;

  /** This job cordoned the node (true: it uncordons it; false: the node was cordoned already, it is left so). */
  @Column({ name: 'cordoned_by_job', type: 'boolean', nullable: true })
  cordonedByJob!: boolean | null;

  /** The node's `status.nodeInfo.bootID` read before the reboot: back means Ready with another one. */
  @Column({ name: 'boot_id_before', type: 'text', nullable: true })
  bootIdBefore!: string | null;

  /** When the drain began (its timeout counts from here). */
  @Column({ name: 'drain_started_at', type: 'timestamptz', nullable: true })
  drainStartedAt!: Date | null;

  /** The last progress line said about the node (`Draining: …`, `Waiting: …`): a line is said again only on change. */
  @Column({ name: 'node_line', type: 'text', nullable: true })
  nodeLine!: string | null;

  /**
   * The last `<node> <STATUS>` line the cluster's watcher wrote, and when (Postgres' clock): the next is written on
   * a change, else once `OUTPUT_LINE_SECONDS` have passed (see `statusLineDue`). Null before the first.
   */
  @Column({ name: 'status_line', type: 'text', nullable: true })
  statusLine!: string | null;

  @Column({ name: 'status_line_at', type: 'timestamptz', nullable: true })
  statusLineAt!: Date | null;

  @Column({ name: 'deadline_at', type: 'timestamptz', nullable: true })
  deadlineAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /**
   * Not a column: how far Postgres' clock (`now()`, read with the row) is ahead of this process's clock. Job times
   * are Postgres times, so they are compared with `Date.now() + clockOffsetMs` ({@link dbNow}), never with a
   * worker's own clock. Unset (0) when the row was not read with `now()`.
   */
  clockOffsetMs?: number;
}

/** Postgres' time now, as seen from a row read with `now() AS db_now` (see {@link JobEntity.clockOffsetMs}). */
export function dbNow(job: Pick<JobEntity, 'clockOffsetMs'>): number {
  return Date.now() + (job.clockOffsetMs ?? 0);
}
