import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '@oshift/persistence';
import { AuditEventEntity } from './audit-event.entity';
import type { AuditAction, AuditOutcome } from './audit-vocabulary';

/** One thing that happened, as `AuditLog.record` stores it. */
export interface AuditRecord {
  /** Who did it: an API username, or `operator:<name>` for the admin CLI. */
  actor: string;
  /** Where from: a client address, `cli:<host>`, … */
  source?: string | null;
  /** What, as `<noun>.<verb>` (see {@link AuditAction}). */
  action: AuditAction;
  clusterId?: string | null;
  /** What it was done to: a username, a node name, … */
  target?: string | null;
  /** How it ended (see {@link AuditOutcome}). */
  outcome: AuditOutcome;
  /** Structured context. Never a password, secret, token or hash: `record` refuses such keys. */
  detail?: Record<string, unknown>;
}

export interface AuditFilter {
  clusterId?: string;
  actor?: string;
  /** Inclusive lower bound on `at`. */
  since?: Date;
  /** Exclusive upper bound on `at`. */
  until?: Date;
  /** At most this many events (default 100, capped at 10000). */
  limit?: number;
}

/** The columns an audit record fills, in the order of {@link AuditLog.values}. */
export const AUDIT_COLUMNS = 'actor, source, action, cluster_id, target, outcome, detail';

/** Keys that would put a credential into the append-only trail, where it could never be erased. */
const SECRET_KEY = /(password|passwd|secret|token|hash)$/i;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10000;

/**
 * The audit trail: append-only rows in `audit_events` (a trigger forbids rewriting them).
 * Record an event with the same EntityManager (transaction) as the change it describes, so the
 * change and its record commit or roll back together.
 */
export class AuditLog {
  static async record(manager: EntityManager, event: AuditRecord): Promise<void> {
    await queryRows(
      manager,
      `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      AuditLog.values(event),
    );
  }

  /**
   * The record as the values of {@link AUDIT_COLUMNS} (the detail as JSON, for a `::jsonb` parameter), for a
   * statement that writes it beside the change it describes (e.g. in the same `INSERT … SELECT`). Refuses a
   * detail that looks like a credential, as `record` does.
   */
  static values(event: AuditRecord): unknown[] {
    const detail = event.detail ?? {};
    assertNoSecrets(detail);
    return [
      event.actor,
      event.source ?? null,
      event.action,
      event.clusterId ?? null,
      event.target ?? null,
      event.outcome,
      JSON.stringify(detail),
    ];
  }

  /** Events matching every given criterion, newest first. */
  static query(dataSource: DataSource, filter: AuditFilter = {}): Promise<AuditEventEntity[]> {
    const query = dataSource.manager.createQueryBuilder(AuditEventEntity, 'event');
    if (filter.clusterId !== undefined) query.andWhere('event.clusterId = :clusterId', { clusterId: filter.clusterId });
    if (filter.actor !== undefined) query.andWhere('event.actor = :actor', { actor: filter.actor });
    if (filter.since !== undefined) query.andWhere('event.at >= :since', { since: filter.since });
    if (filter.until !== undefined) query.andWhere('event.at < :until', { until: filter.until });
    const wanted = Number.isFinite(filter.limit) ? Math.trunc(filter.limit as number) : DEFAULT_LIMIT;
    const limit = Math.min(Math.max(wanted, 1), MAX_LIMIT);
    return query.orderBy('event.at', 'DESC').addOrderBy('event.id', 'DESC').limit(limit).getMany();
  }
}

function assertNoSecrets(value: unknown, path = 'detail'): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertNoSecrets(item, `${path}[${index}]`));
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_KEY.test(key)) throw new Error(`audit ${path}.${key} looks like a credential and is not recorded`);
      assertNoSecrets(item, `${path}.${key}`);
    }
  }
}
