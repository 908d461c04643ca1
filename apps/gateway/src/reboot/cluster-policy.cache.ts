import { Inject, Injectable } from '@nestjs/common';
import { ClusterRules, type StoredPolicy } from '@oshift/jobs';

/** More clusters than any deployment has: past it the cache starts again, so unknown ids cannot grow it. */
const MAX_CLUSTERS = 10_000;

/**
 * The clusters' reboot policies as this gateway last read them, so that a reboot request is decided without
 * reading its policy first. Never trusted on its own: a request decided on an entry records its job only if the
 * entry's text is still the policy in force, compared in the statement that records it (`AcceptGuard`); when it
 * is not, the entry is dropped and the request decided again. A refusal is never answered from an entry either
 * (see `RebootRules.admit`). So a change made anywhere (the admin CLI, another gateway, plain SQL) needs no
 * notice: each gateway's first request after it pays one more round trip.
 */
@Injectable()
export class ClusterPolicyCache {
  private readonly entries = new Map<string, Promise<StoredPolicy>>();

  constructor(@Inject(ClusterRules) private readonly rules: Pick<ClusterRules, 'storedPolicy'>) {}

  /** The cluster's policy as last read (read now when not held; concurrent misses share one read). */
  get(clusterId: string): Promise<StoredPolicy> {
    const held = this.entries.get(clusterId);
    if (held) return held;
    if (this.entries.size >= MAX_CLUSTERS) this.entries.clear();
    const read = this.rules.storedPolicy(clusterId);
    this.entries.set(clusterId, read);
    // A failed read is not kept: the next request reads again.
    read.catch(() => this.forget(clusterId, read));
    return read;
  }

  /** Drops the cluster's entry (it is not the policy in force, or may not be): the next request reads it again. */
  forget(clusterId: string, entry?: Promise<StoredPolicy>): void {
    if (entry === undefined || this.entries.get(clusterId) === entry) this.entries.delete(clusterId);
  }
}
