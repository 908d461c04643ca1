import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import type { GatewayConfig } from '../gateway.config';
import { StreamLimitError } from './stream-limit.error';

/**
 * The event streams this gateway holds open, per user and in all: each holds a socket and a place in the job
 * feeds for as long as the client likes, so neither one user nor everyone together may open them without end.
 */
@Injectable()
export class StreamSlots {
  private readonly perUser = new Map<string, number>();
  private total = 0;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'streams'>) {}

  /**
   * Takes a place for a stream of `user`; answers the function that gives it back (only the first call counts).
   * Throws {@link StreamLimitError} when the user, or the gateway, holds as many as allowed.
   */
  take(user: string): () => void {
    const held = this.perUser.get(user) ?? 0;
    if (held >= this.config.streams.maxPerUser) throw new StreamLimitError('user');
    if (this.total >= this.config.streams.maxPerProcess) throw new StreamLimitError('process');
    this.perUser.set(user, held + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perUser.get(user) ?? 1) - 1;
      if (left > 0) this.perUser.set(user, left);
      else this.perUser.delete(user);
    };
  }

  /** Streams held by `user`, or by everyone when no user is named. */
  held(user?: string): number {
    return user === undefined ? this.total : (this.perUser.get(user) ?? 0);
  }
}
