import { Inject, Injectable } from '@nestjs/common';
import { ClusterApis, type ClusterNode, matchNode } from '@oshift/cluster-api';
import { ContextLogger, withinTimeout } from '@oshift/observability';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';

/** A server's node as nodestatus shows it: null when no node is that server, or the API did not answer. */
export interface NodeReadinessFields {
  ready: boolean | null;
  schedulable: boolean | null;
}

/** The readiness fields of a connected cluster's servers, by server name. */
export type ReadinessOf = (serverName: string) => NodeReadinessFields;

/** What a cluster's API said of its nodes (null: it could not be asked in time), and how servers map to them. */
interface Snapshot {
  nodes: ClusterNode[] | null;
  nodePattern: string | null;
}

/**
 * The Kubernetes readiness of a connected cluster's servers, for nodestatus. One listing of the cluster's nodes
 * serves this gateway's requests for as long as node lists are cached (NODE_STATUS_CACHE_MS), so customers polling
 * nodestatus do not each ask their cluster's API; an API that does not answer within NODESTATUS_TIMEOUT_MS leaves
 * the fields null rather than holding up Nova's statuses.
 */
@Injectable()
export class NodeReadiness {
  private readonly logger = new ContextLogger('NodeReadiness');
  private readonly recent = new Map<string, { until: number; snapshot: Promise<Snapshot | null> }>();
  private readonly fieldsBySnapshot = new WeakMap<Snapshot, ReadinessOf>();

  constructor(
    private readonly apis: ClusterApis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * For a connected cluster, the fields of each server by name; null when the cluster is not connected. The same
   * function for as long as one listing of the cluster's nodes serves (so an answer made from it can be kept).
   */
  async of(clusterId: string): Promise<ReadinessOf | null> {
    const snapshot = await this.snapshot(clusterId);
    if (!snapshot) return null;
    let fieldsOf = this.fieldsBySnapshot.get(snapshot);
    if (!fieldsOf) {
      const { nodes, nodePattern } = snapshot;
      fieldsOf = (serverName) => {
        const node = nodes && matchNode(serverName, nodes, nodePattern);
        return node ? { ready: node.ready, schedulable: !node.unschedulable } : { ready: null, schedulable: null };
      };
      this.fieldsBySnapshot.set(snapshot, fieldsOf);
    }
    return fieldsOf;
  }

  private snapshot(clusterId: string): Promise<Snapshot | null> {
    const now = Date.now();
    const cached = this.recent.get(clusterId);
    if (cached && cached.until > now) return cached.snapshot;
    for (const [id, entry] of this.recent) if (entry.until <= now) this.recent.delete(id);
    const snapshot = this.load(clusterId);
    // A failed read of the cluster row is not kept: the next request asks again.
    snapshot.catch(() => {
      if (this.recent.get(clusterId)?.snapshot === snapshot) this.recent.delete(clusterId);
    });
    if (this.config.nodeStatus.cacheMs > 0)
      this.recent.set(clusterId, { until: now + this.config.nodeStatus.cacheMs, snapshot });
    return snapshot;
  }

  private async load(clusterId: string): Promise<Snapshot | null> {
    const connection = await this.apis.connection(clusterId);
    if (!connection) return null;
    const timeoutMs = this.config.nodeStatus.timeoutMs;
    try {
      const nodes = await withinTimeout(
        connection.api.nodes(),
        timeoutMs,
        () => new Error(`no answer within ${timeoutMs} ms`),
      );
      return { nodes, nodePattern: connection.nodePattern };
    } catch (error) {
      this.logger.warn('the cluster API could not be asked for nodestatus', {
        clusterId,
        reason: error instanceof Error ? error.message : String(error),
      });
      return { nodes: null, nodePattern: connection.nodePattern };
    }
  }
}
