import { Inject, Injectable } from '@nestjs/common';
import { KeystoneSession, NovaClient, type OpenStackCredentials, OpenStackError } from '@oshift/openstack-client';
import { ClusterSecretError, clusterSecretBinding } from './cluster-secrets';
import type { ClusterEntity } from './cluster.entity';
import { NODE_REGISTRY_OPTIONS, type NodeRegistryOptions } from './node-registry.options';

/** One Nova client per cluster, reusing its Keystone token until the cluster's settings change. */
@Injectable()
export class OpenStackClients {
  private readonly clients = new Map<string, { version: number; nova: NovaClient }>();

  constructor(@Inject(NODE_REGISTRY_OPTIONS) private readonly options: NodeRegistryOptions) {}

  forCluster(cluster: ClusterEntity): NovaClient {
    const version = cluster.updatedAt.getTime();
    const cached = this.clients.get(cluster.id);
    if (cached && cached.version === version) return cached.nova;
    const hooks = this.hooksFor(cluster.id);
    // The secret is resolved at each authentication: a rotated `file:` secret is used from the next token on.
    const credentials = () => {
      try {
        return this.credentials(cluster);
      } catch (error) {
        if (!(error instanceof ClusterSecretError)) throw error;
        throw new OpenStackError(`cluster credentials: ${error.message}`, 0, 'invalidCredentials');
      }
    };
    const session = new KeystoneSession(credentials, this.options.openstack, hooks);
    const nova = new NovaClient(session, this.options.openstack, hooks);
    this.clients.set(cluster.id, { version, nova });
    return nova;
  }

  private hooksFor(clusterId: string): { beforeSend: () => Promise<void> } | undefined {
    const limiter = this.options.limiter;
    return limiter && { beforeSend: () => limiter.acquire(clusterId) };
  }

  private credentials(cluster: ClusterEntity): OpenStackCredentials {
    const secret = this.options.secrets.resolve(cluster.secretRef, clusterSecretBinding(cluster.id));
    const common = { authUrl: cluster.authUrl, region: cluster.region ?? undefined, interface: cluster.interface };
    if (cluster.applicationCredentialId) {
      return {
        ...common,
        applicationCredentialId: cluster.applicationCredentialId,
        applicationCredentialSecret: secret,
      };
    }
    return {
      ...common,
      username: cluster.username ?? undefined,
      userDomainName: cluster.userDomain ?? 'Default',
      password: secret,
      projectId: cluster.projectId ?? undefined,
      projectName: cluster.projectName ?? undefined,
      projectDomainName: cluster.projectDomain ?? 'Default',
    };
  }
}
