import { Injectable } from '@nestjs/common';
import { JobEventPublisher, type JobLine } from '@oshift/jobs';
import { RebootJobObserver } from './reboot-job.observer';
import { RebootSilencer } from './reboot-silencer';
import { WebhookDispatcher } from './webhook.dispatcher';

/** What the reboot handler announces once Postgres has committed it. */
export interface JobAnnouncements {
  line(jobId: string, line: JobLine): void;
  ended(jobId: string, state: 'done' | 'failed', errors: string): Promise<void>;
}

/**
 * Tells the outside world what a handler committed: each output line to the job's event-stream followers
 * (Redis pub/sub), and the end to them and to the cluster's webhooks (their deliveries, created with the end,
 * are enqueued now); at the end it also expires the node's Alertmanager silence and counts the job's duration.
 * None of it ever fails the job: Postgres already holds the truth.
 */
@Injectable()
export class JobAnnouncer implements JobAnnouncements {
  constructor(
    private readonly events: JobEventPublisher,
    private readonly webhooks: WebhookDispatcher,
    private readonly observer: RebootJobObserver,
    private readonly silencer: RebootSilencer,
  ) {}

  line(jobId: string, line: JobLine): void {
    this.events.line(jobId, line);
  }

  async ended(jobId: string, state: 'done' | 'failed', errors: string): Promise<void> {
    this.events.end(jobId, state, errors);
    await Promise.all([this.webhooks.jobEnded(jobId), this.observer.recordEnd(jobId), this.silencer.jobEnded(jobId)]);
  }
}
