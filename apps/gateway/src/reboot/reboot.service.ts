import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@oshift/access';
import { JobRepository, newJobId, RebootAlreadyRunningError } from '@oshift/jobs';
import { NodeRegistry } from '@oshift/node-registry';
import { ApiError, NODE_NOT_FOUND } from '../http/api-error';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import type { GatewayConfig } from '../gateway.config';
import { RebootProducer } from './reboot.producer';

/** The answer to an accepted reboot, exactly as the API reference shows it. */
export interface RebootStarted {
  state: 'started';
  job_id: string;
  status_url: string;
}

/** Accepts reboot requests: checks the node, records the job, hands it to the workers. */
@Injectable()
export class RebootService {
  private readonly logger = new Logger(RebootService.name);

  constructor(
    private readonly registry: NodeRegistry,
    private readonly jobs: JobRepository,
    private readonly producer: RebootProducer,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async request(clusterId: string, target: string, principal: Principal, requestId: string): Promise<RebootStarted> {
    const node = await this.registry.findNode(clusterId, target);
    if (!node) throw new ApiError(404, NODE_NOT_FOUND);

    const jobId = newJobId();
    try {
      await this.jobs.createQueued({
        id: jobId,
        clusterId,
        target,
        requestedBy: principal.username,
        requestId,
        deadlineAt: new Date(Date.now() + this.config.jobs.deadlineMs),
      });
    } catch (error) {
      if (error instanceof RebootAlreadyRunningError) {
        throw new ApiError(409, 'A reboot of this node is already running', {
          job_id: error.jobId,
          status_url: this.statusUrl(clusterId, error.jobId),
        });
      }
      throw error;
    }

    try {
      await this.producer.enqueue({ jobId, clusterId, requestId });
    } catch (error) {
      // The customer gets a 503 and no job: nothing may reboot the node later on its behalf.
      await this.jobs.discardQueued(jobId);
      this.logger.error({ msg: 'enqueue failed, job discarded', jobId, requestId, error: String(error) });
      throw new ApiError(503, 'Job queue is unavailable, try again later', {}, { 'retry-after': '5' });
    }
    this.logger.log({ msg: 'reboot accepted', jobId, clusterId, target, user: principal.username, requestId });
    return { state: 'started', job_id: jobId, status_url: this.statusUrl(clusterId, jobId) };
  }

  statusUrl(clusterId: string, jobId: string): string {
    return `${this.config.http.publicUrl}/api/openshift/${encodeURIComponent(clusterId)}/job/${jobId}`;
  }
}
