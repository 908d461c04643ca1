import type {
  ApiException,
  ConfigurationOptions,
  KubeConfig,
  ObservableMiddleware,
  RequestContext,
  ResponseContext,
} from '@kubernetes/client-node';
import type { ClusterApi, ClusterNode, EvictionResult, NodePod } from './cluster-api';
import { ClusterApiUnavailableError } from './cluster-api.errors';
import { toClusterNode, toNodePod } from './kube-object.parser';

type Kubernetes = typeof import('@kubernetes/client-node');
let loading: Promise<Kubernetes> | undefined;

/**
 * The client, loaded at the first call to a cluster's API: its thousand generated modules take seconds to load,
 * which processes and tests that never reach a cluster's API need not wait for.
 */
function kubernetes(): Promise<Kubernetes> {
  loading ??= import('@kubernetes/client-node');
  return loading;
}

/** How to reach one cluster's API. */
export interface KubeConnection {
  /** The API's base URL, a path included when it has one (e.g. behind a proxy). */
  url: string;
  /** The bearer token, asked at each call so a rotated `file:` token is used from the next call on. */
  token: () => string;
  /** PEM CA certificate(s) for an https URL; none: the system's CAs. */
  caPem?: string | null;
}

export interface KubeClusterApiOptions {
  /** Longest one call may take, answer body included, before it fails as unavailable. */
  timeoutMs: number;
}

/**
 * {@link ClusterApi} through the official client, `@kubernetes/client-node`: core/v1 Nodes and Pods and
 * policy/v1 Eviction, as kubectl uses them. Every failure to ask is a {@link ClusterApiUnavailableError} whose
 * message names the failure, never the token or the URL.
 */
export class KubeClusterApi implements ClusterApi {
  constructor(
    private readonly connection: KubeConnection,
    private readonly options: KubeClusterApiOptions,
  ) {}

  async version(): Promise<string> {
    const info = await this.call((config, k8s) => config.makeApiClient(k8s.VersionApi).getCode(this.callOptions(k8s)));
    return info.gitVersion;
  }

  async nodes(): Promise<ClusterNode[]> {
    const list = await this.call((config, k8s) =>
      config.makeApiClient(k8s.CoreV1Api).listNode({}, this.callOptions(k8s)),
    );
    return list.items.map(toClusterNode);
  }

  async node(name: string): Promise<ClusterNode | null> {
    const node = await this.call(
      (config, k8s) => config.makeApiClient(k8s.CoreV1Api).readNode({ name }, this.callOptions(k8s)),
      (error) => (error.code === 404 ? null : undefined),
    );
    return node && toClusterNode(node);
  }

  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    await this.call((config, k8s) => {
      // A JSON merge patch of the one field, as `kubectl cordon`/`uncordon` change it.
      const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, this.callOptions(k8s));
      return config.makeApiClient(k8s.CoreV1Api).patchNode({ name, body: { spec: { unschedulable } } }, options);
    });
  }

  async podsOn(nodeName: string): Promise<NodePod[]> {
    const fieldSelector = `spec.nodeName=${nodeName}`;
    const list = await this.call((config, k8s) =>
      config.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces({ fieldSelector }, this.callOptions(k8s)),
    );
    return list.items.map(toNodePod);
  }

  async evict(pod: NodePod): Promise<EvictionResult> {
    const { name, namespace } = pod;
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } };
    return this.call(
      async (config, k8s): Promise<EvictionResult> => {
        const api = config.makeApiClient(k8s.CoreV1Api);
        await api.createNamespacedPodEviction({ name, namespace, body }, this.callOptions(k8s));
        return { ok: true };
      },
      (error): EvictionResult => {
        const message = statusMessage(error) ?? `the Eviction API answered ${error.code}`;
        // 429: a PodDisruptionBudget forbids it now (kubectl drain retries it); 404: the pod has gone already.
        if (error.code === 429) return { ok: false, reason: 'budget', message };
        if (error.code === 404) return { ok: false, reason: 'gone', message };
        return { ok: false, reason: 'error', message };
      },
    );
  }

  /**
   * Runs one call with a client configured now (the token read now). What means "the API cannot be asked" is a
   * {@link ClusterApiUnavailableError}; another error answer (404, 409, 429, …) is what `answered` makes of it,
   * or thrown as the client's ApiException when it makes nothing of it (undefined).
   */
  private async call<T, A = never>(
    send: (config: KubeConfig, k8s: Kubernetes) => Promise<T>,
    answered?: (error: ApiException<unknown>) => A | undefined,
  ): Promise<T | A> {
    const k8s = await kubernetes();
    const config = this.kubeConfig(k8s);
    try {
      return await send(config, k8s);
    } catch (error) {
      const cause = unavailable(error, k8s, this.options.timeoutMs);
      if (cause) throw cause;
      const outcome = error instanceof k8s.ApiException && answered ? answered(error) : undefined;
      if (outcome === undefined) throw error;
      return outcome;
    }
  }

  private kubeConfig(k8s: Kubernetes): KubeConfig {
    let token: string;
    try {
      token = this.connection.token();
    } catch {
      // The reason (a variable's or a file's name) is for the operator: `admin cluster check` shows it.
      throw new ClusterApiUnavailableError('the cluster API token cannot be read (the operator can run cluster check)');
    }
    const https = this.connection.url.startsWith('https:');
    const config = new k8s.KubeConfig();
    config.loadFromOptions({
      clusters: [
        {
          name: 'cluster',
          server: this.connection.url,
          // The client refuses http:// unless TLS verification is off; over https it is always on.
          skipTLSVerify: !https,
          ...(https && this.connection.caPem ? { caData: Buffer.from(this.connection.caPem).toString('base64') } : {}),
        },
      ],
      users: [{ name: 'service', token }],
      contexts: [{ name: 'service', cluster: 'cluster', user: 'service' }],
      currentContext: 'service',
    });
    return config;
  }

  /** Each call is aborted once the timeout passes, whatever stage it is in. */
  private callOptions(k8s: Kubernetes): ConfigurationOptions {
    const timeoutMs = this.options.timeoutMs;
    const deadline: ObservableMiddleware = {
      pre: (request: RequestContext) => {
        request.setSignal(AbortSignal.timeout(timeoutMs));
        return new k8s.Observable(Promise.resolve(request));
      },
      post: (response: ResponseContext) => new k8s.Observable(Promise.resolve(response)),
    };
    return { middleware: [deadline], middlewareMergeStrategy: 'append' };
  }
}

/** The error a failed call means for the caller when the API cannot be asked, or undefined when it answered. */
function unavailable(error: unknown, k8s: Kubernetes, timeoutMs: number): ClusterApiUnavailableError | undefined {
  if (error instanceof ClusterApiUnavailableError) return error;
  if (error instanceof k8s.ApiException) {
    const status = error.code;
    if (status === 401) return new ClusterApiUnavailableError('the cluster API refused the token (401)', status);
    if (status === 403) {
      return new ClusterApiUnavailableError('the cluster API forbids this to the token (403: check its RBAC)', status);
    }
    if (status >= 500) return new ClusterApiUnavailableError(`the cluster API answered ${status}`, status);
    return undefined;
  }
  if (error instanceof k8s.AbortError || (error instanceof Error && error.name === 'AbortError')) {
    return new ClusterApiUnavailableError(`the cluster API did not answer within ${timeoutMs} ms`);
  }
  if (error instanceof k8s.FetchError) {
    // node-fetch names the URL in its message; only the system's error code is said.
    const code = error.code ?? error.errno ?? error.type;
    return new ClusterApiUnavailableError(
      TLS_CODES.test(String(code))
        ? `the cluster API's certificate is not trusted (${code}: check the cluster's Kubernetes CA)`
        : `the cluster API cannot be reached (${code})`,
    );
  }
  return undefined;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/;

/** The `message` of the Status body the API answers an error with, if it sent one. */
function statusMessage(error: ApiException<unknown>): string | undefined {
  const body = error.body;
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (status as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message.slice(0, 500) : undefined;
}
