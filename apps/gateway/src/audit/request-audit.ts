import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditLog, AuditOutcome, type AuditRecord } from '@oshift/audit';
import { queryRows } from '@oshift/persistence';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { clientRequestIdOf } from '../http/request-ids';

/** The request an audit record is about: who asked, from which address, under which request id. */
export interface AuditedRequest {
  /** The server's id of the request. */
  id: string;
  ip: string;
  /** Its headers: a valid `X-Request-ID` the client sent is kept as `client_request_id`. */
  headers?: Record<string, string | string[] | undefined>;
}

/** What the decider of a request records: which action on which cluster and target, how it ended and why. */
export interface AuditedDecision {
  action: AuditAction;
  clusterId: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: Record<string, unknown>;
}

/** Longest username kept from a failed login: enough for any real one, not a dump of whatever was sent. */
const MAX_TRIED_USERNAME = 200;

/**
 * The gateway's one writer of audit records: failed logins, and each request's decision (accepted, refused,
 * denied, failed) with who asked, from where, by which method and under which request id. A record of a
 * request that changed nothing that cannot be written is logged; it never turns the answer into another one.
 */
@Injectable()
export class RequestAudit {
  private readonly logger = new Logger('Audit');

  /** Key of the hash that stands for a tried name that is no user (AUDIT_HASH_KEY, else one per process). */
  private readonly nameKey: string | Buffer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'audit'>,
  ) {
    this.nameKey = config.audit.hashKey ?? randomBytes(32);
  }

  /**
   * A login that failed: the username tried (never the password), the source address and why. A name that is
   * no user (often a password typed in the wrong box) is kept only as a keyed hash, `unknown:<hex>`: the same
   * name tried again gives the same hash, and the name itself is never stored.
   */
  async failedLogin(
    request: AuditedRequest,
    attempt: { method: 'basic' | 'bearer'; username: string | null; reason: string },
  ): Promise<void> {
    const tried = attempt.username === null ? null : printable(attempt.username).slice(0, MAX_TRIED_USERNAME);
    const known = tried !== null && (await this.isUser(attempt.username ?? '', attempt.reason));
    const username = tried === null || known ? tried : `unknown:${this.hashOf(attempt.username ?? '')}`;
    this.logger.log({
      msg: 'login failed',
      method: attempt.method,
      reason: attempt.reason,
      source: request.ip,
      requestId: request.id,
    });
    await this.record({
      actor: username ?? 'anonymous',
      source: request.ip,
      action: AuditAction.login,
      target: username,
      outcome: attempt.reason === 'throttled' ? AuditOutcome.throttled : AuditOutcome.failed,
      detail: { method: attempt.method, reason: attempt.reason, ...requestIds(request) },
    });
  }

  /** Whether a tried name is a user's (a throttled attempt does not say; a failed lookup counts as no user). */
  private async isUser(name: string, reason: string): Promise<boolean> {
    if (reason === 'wrong password' || reason === 'disabled') return true;
    if (reason === 'unknown user' || name.includes('\0')) return false;
    const rows = await queryRows(this.dataSource, `SELECT 1 FROM users WHERE username = $1`, [name]).catch(() => []);
    return rows.length > 0;
  }

  private hashOf(name: string): string {
    return createHmac('sha256', this.nameKey).update(name, 'utf8').digest('hex').slice(0, 32);
  }

  /**
   * A request an authenticated caller made, as the service (or guard) that decided it records it: refused,
   * denied or failed (written on its own, never failing the answer), or `accepted` with `manager`, in the
   * transaction of what it changed (a failure then fails the request, so no change goes unrecorded).
   */
  async request(
    request: AuditedRequest,
    principal: Principal,
    event: AuditedDecision,
    manager?: EntityManager,
  ): Promise<void> {
    const record = this.recordOf(request, principal, event);
    if (manager) await AuditLog.record(manager, record);
    else await this.record(record);
  }

  /**
   * The audit record of a decided request, for a statement that writes it beside its change (an accepted
   * reboot's job, key and record go to Postgres in one statement).
   */
  recordOf(request: AuditedRequest, principal: Principal, event: AuditedDecision): AuditRecord {
    return {
      actor: principal.username,
      source: request.ip,
      action: event.action,
      clusterId: event.clusterId,
      target: event.target,
      outcome: event.outcome,
      detail: { ...event.detail, method: principal.method, ...requestIds(request) },
    };
  }

  private async record(event: AuditRecord): Promise<void> {
    try {
      await AuditLog.record(this.dataSource.manager, event);
    } catch (error) {
      this.logger.error({
        msg: 'audit record not written',
        action: event.action,
        outcome: event.outcome,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The server's id of the request, and the client's own beside it when it sent one. */
function requestIds(request: AuditedRequest): { requestId: string; client_request_id?: string } {
  const clientRequestId = clientRequestIdOf(request);
  return clientRequestId === undefined
    ? { requestId: request.id }
    : { requestId: request.id, client_request_id: clientRequestId };
}

function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
