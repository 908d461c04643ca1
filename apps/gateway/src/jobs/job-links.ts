import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import type { AnswerContext } from '../http/error-answers';

/** Where a job can be followed: built from `PUBLIC_URL`, never from the request's `Host`. */
@Injectable()
export class JobLinks implements AnswerContext {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  statusUrl(clusterId: string, jobId: string): string {
    return `${this.config.http.publicUrl}/api/openshift/${encodeURIComponent(clusterId)}/job/${jobId}`;
  }
}
