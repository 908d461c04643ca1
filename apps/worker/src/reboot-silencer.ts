import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { dbNow, type JobEntity, type JobLease, JobSilences, type OwedSilence } from '@oshift/jobs';
import { AlertmanagerClient, AlertmanagerError } from './alertmanager.client';
import { matchersFor } from './silence-matchers';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** Ended jobs whose silence is expired per sweep. */
const SWEEP_PAGE = 100;

/** Who creates the silences, as Alertmanager shows it. */
export const SILENCE_CREATOR = 'oshift';

/**
 * Keeps a rebooting node from paging anyone: before a job's first reboot POST, an Alertmanager silence for the
 * node (the operator's matchers), ending at the job's deadline; once the job has ended, `Done` or `Fail`, the
 * silence is expired, at once by the worker that ended it and, should that one have crashed (or a cancel ended
 * the job), by every worker's sweep. Silencing never holds a reboot back: a failure is a `Silence:` line.
 */
@Injectable()
export class RebootSilencer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RebootSilencer.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly alertmanager: AlertmanagerClient,
    private readonly silences: JobSilences,
    @Inject(WORKER_CONFIG) private readonly config: Pick<WorkerConfig, 'alertmanager' | 'worker'>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.alertmanager.configured) return;
    this.timer = setInterval(
      () => void this.sweep().catch((error) => this.logger.warn({ msg: 'silence sweep failed', error: String(error) })),
      this.config.worker.reconcileIntervalMs,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Silences the job's node unless that was tried already (the silence, or its failure, is on the job's row).
   * Answers the line to write when it failed, else null.
   */
  async silence(job: JobEntity, lease: JobLease): Promise<string | null> {
    if (!this.alertmanager.configured || job.silenceId !== null) return null;
    // Job times are Postgres times: Alertmanager gets them as this process's clock reads them.
    const offset = dbNow(job) - Date.now();
    const endsAt = new Date((job.deadlineAt?.getTime() ?? dbNow(job) + this.config.worker.stepDeadlineMs) - offset);
    try {
      const silenceId = await this.alertmanager.createSilence({
        matchers: matchersFor(this.config.alertmanager.matchers, job.target),
        startsAt: new Date(),
        endsAt,
        createdBy: SILENCE_CREATOR,
        comment: `Reboot of ${job.target} requested by ${job.requestedBy} (oshift job ${job.id})`,
      });
      // A lease lost meanwhile: the job ended or another handler has it, and the sweep expires what it left.
      if (!(await this.silences.record(lease, silenceId, { silenceId, endsAt: endsAt.toISOString() })))
        await this.alertmanager.expireSilence(silenceId);
      job.silenceId = silenceId;
      this.logger.log({ msg: 'node silenced', jobId: job.id, silenceId });
      return null;
    } catch (error) {
      if (!(error instanceof AlertmanagerError)) throw error;
      await this.silences.record(lease, '', { reason: error.message });
      job.silenceId = '';
      this.logger.warn({ msg: 'node not silenced; rebooting anyway', jobId: job.id, error: error.message });
      return `Silence: could not silence alerts for ${job.target} (${error.message})`;
    }
  }

  /** Expires the silence of a job that just ended, if it has one. Never throws: the sweep retries. */
  async jobEnded(jobId: string): Promise<void> {
    if (!this.alertmanager.configured) return;
    try {
      const owed = await this.silences.owedBy(jobId);
      if (owed) await this.expire(owed);
    } catch (error) {
      this.logger.warn({ msg: 'silence not expired; the sweep will', jobId, error: String(error) });
    }
  }

  /** Expires the silences of ended jobs still owed it; answers how many. */
  async sweep(): Promise<number> {
    let count = 0;
    for (const owed of await this.silences.owedSilences(SWEEP_PAGE)) {
      try {
        await this.expire(owed);
        count += 1;
      } catch (error) {
        this.logger.warn({ msg: 'silence not expired', jobId: owed.jobId, error: String(error) });
      }
    }
    return count;
  }

  private async expire(owed: OwedSilence): Promise<void> {
    await this.alertmanager.expireSilence(owed.silenceId);
    await this.silences.markExpired(owed);
    this.logger.log({ msg: 'silence expired', jobId: owed.jobId, silenceId: owed.silenceId });
  }
}
