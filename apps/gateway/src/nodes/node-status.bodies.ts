import type { ClusterNode } from '@oshift/node-registry';
import type { ReadinessOf } from './node-readiness';
import type { NodeStatus } from './node-status.dto';

/**
 * nodestatus answers as JSON text, made once per node list (and readiness listing) instead of once per request:
 * the node-status cache hands back the same list for as long as its Redis entry is unchanged, so every request of
 * that period sends the same text. Kept beside the list it was made from, and dropped with it.
 */
export class NodeStatusBodies {
  private readonly bodies = new WeakMap<readonly ClusterNode[], { readinessOf: ReadinessOf | null; body: string }>();

  /** The answer for `nodes`: `[{nodename, status}]`, and each node's readiness fields after them when given. */
  of(nodes: readonly ClusterNode[], readinessOf: ReadinessOf | null): string {
    const kept = this.bodies.get(nodes);
    if (kept && kept.readinessOf === readinessOf) return kept.body;
    const body = JSON.stringify(
      nodes.map(({ nodename, status }): NodeStatus =>
        readinessOf ? { nodename, status, ...readinessOf(nodename) } : { nodename, status },
      ),
    );
    this.bodies.set(nodes, { readinessOf, body });
    return body;
  }
}
