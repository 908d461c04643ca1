import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '@oshift/access';
import { AuditAction, AuditLog, AuditOutcome, type AuditRecord } from '@oshift/audit';

/** The request an audit record is about: who asked, from which address, under which request id. */
export interface AuditedRequest {
  id: string;
  ip: string;
}

/** Longest username kept from a failed login: enough for any real one, not a dump of whatever was sent. */
const MAX_TRIED_USERNAME = 200;

/**
 * Writes the audit records of API requests that change nothing (failed logins, refused requests), so
 * have no transaction of their own to join. A record that cannot be written is logged; it never turns
 * the caller's answer into a different one.
 */
@Injectable()
export class RequestAudit {
  private readonly logger = new Logger('Audit');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A login that failed: the username tried (never the password), the source address and why. */
  async failedLogin(
    request: AuditedRequest,
    attempt: { method: 'basic' | 'bearer'; username: string | null; reason: string },
  ): Promise<void> {
    const username = attempt.username === null ? null : printable(attempt.username).slice(0, MAX_TRIED_USERNAME);
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
      detail: { method: attempt.method, reason: attempt.reason, requestId: request.id },
    });
  }

  /** A request an authenticated caller made that was refused or failed (`outcome`), with the reason. */
  async refused(
    request: AuditedRequest,
    principal: Principal,
    event: {
      action: AuditAction;
      clusterId: string;
      target: string | null;
      outcome: AuditOutcome;
      detail: Record<string, unknown>;
    },
  ): Promise<void> {
    await this.record({
      actor: principal.username,
      source: request.ip,
      action: event.action,
      clusterId: event.clusterId,
      target: event.target,
      outcome: event.outcome,
      detail: { ...event.detail, method: principal.method, requestId: request.id },
    });
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

function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
