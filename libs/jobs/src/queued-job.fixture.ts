import type { DataSource } from 'typeorm';
import { AuditAction, AuditOutcome } from '@oshift/audit';
import { newJobId } from './job-id';
import type { JobRequests } from './job-requests';

/** For the lib's integration specs: a SOFT reboot of `target` accepted as a tester would ask it; its job id. */
export async function acceptedTestJob(requests: JobRequests, clusterId: string, target: string): Promise<string> {
  const id = newJobId();
  await requests.accept({
    id,
    clusterId,
    target,
    type: 'SOFT',
    requestedBy: 'tester',
    requestId: null,
    deadlineMs: 60000,
    audit: { actor: 'tester', source: null, action: AuditAction.nodeReboot, outcome: AuditOutcome.accepted },
  });
  return id;
}

/** For the lib's integration specs: a reboot of `target` admitted and sent by a handler that let its lease go (the cluster watcher's from here); its job id. */
export async function sentTestJob(
  requests: JobRequests,
  dataSource: DataSource,
  clusterId: string,
  target: string,
): Promise<string> {
  const id = await acceptedTestJob(requests, clusterId, target);
  await dataSource.query(
    `UPDATE jobs SET state = 'running', admitted_at = now(), reboot_attempted_at = now(), reboot_sent_at = now()
      WHERE id = $1`,
    [id],
  );
  return id;
}
