import { Inject, Injectable } from '@nestjs/common';
import { ClusterSecrets } from '@oshift/node-registry';
import type { SilenceMatcher } from './silence-matchers';
import type { WorkerConfig } from './worker.config';
import { WORKER_CONFIG } from './worker.tokens';

/** A silence as Alertmanager's API v2 takes it (`POST /api/v2/silences`). */
export interface NewSilence {
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

/** Alertmanager could not be asked, or refused: `message` says why, in words fit for a job's output. */
export class AlertmanagerError extends Error {
  override readonly name = 'AlertmanagerError';
}

/** Alertmanager's own words, cut short: never more than a line of its answer. */
const REASON_CHARS = 200;

/**
 * Alertmanager's silences API (v2), every call bounded by ALERTMANAGER_TIMEOUT_MS and sent with the bearer token
 * ALERTMANAGER_TOKEN_REF names (resolved at each call, so a rotated file is picked up; never in an error).
 */
@Injectable()
export class AlertmanagerClient {
  private readonly settings: WorkerConfig['alertmanager'];
  private readonly secrets: ClusterSecrets;

  constructor(@Inject(WORKER_CONFIG) config: Pick<WorkerConfig, 'alertmanager' | 'secrets'>) {
    this.settings = config.alertmanager;
    this.secrets = new ClusterSecrets(config.secrets);
  }

  /** Whether a deployment set ALERTMANAGER_URL. */
  get configured(): boolean {
    return this.settings.url !== undefined;
  }

  /** Creates a silence; answers its id. */
  async createSilence(silence: NewSilence): Promise<string> {
    const body = JSON.stringify({
      ...silence,
      startsAt: silence.startsAt.toISOString(),
      endsAt: silence.endsAt.toISOString(),
    });
    const response = await this.call('POST', '/api/v2/silences', body);
    const answer = (await response.json().catch(() => null)) as { silenceID?: unknown } | null;
    if (typeof answer?.silenceID !== 'string' || answer.silenceID === '')
      throw new AlertmanagerError('Alertmanager answered without a silence id');
    return answer.silenceID;
  }

  /** Expires a silence now; one Alertmanager no longer knows counts as expired. */
  async expireSilence(id: string): Promise<void> {
    await this.call('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`, undefined, [404]);
  }

  private async call(method: string, path: string, body?: string, alsoFine: number[] = []): Promise<Response> {
    const { url, timeoutMs } = this.settings;
    if (!url) throw new AlertmanagerError('no Alertmanager is configured');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, {
        method,
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AlertmanagerError(describeFetchError(error, timeoutMs));
    }
    if (response.ok || alsoFine.includes(response.status)) return response;
    const text = (await response.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, REASON_CHARS);
    throw new AlertmanagerError(`Alertmanager answered ${response.status}${text ? `: ${text}` : ''}`);
  }

  private token(): string | undefined {
    const ref = this.settings.tokenRef;
    if (!ref) return undefined;
    try {
      return this.secrets.resolveSetting(ref);
    } catch (error) {
      throw new AlertmanagerError(`the Alertmanager token cannot be read (${(error as Error).message})`);
    }
  }
}

/** Why a call never got an answer, without the URL (which may carry credentials). */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `Alertmanager did not answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : 'network error';
  return `Alertmanager unreachable (${code})`;
}
