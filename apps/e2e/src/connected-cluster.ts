import { SystemUnderTest } from './system-under-test';

/** The environment variable the workers read the cluster API's token from (an `env:` reference, as operators set). */
export const KUBE_TOKEN_ENV = 'OSHIFT_SECRET_E2E_KUBE';

type StartOptions = NonNullable<Parameters<typeof SystemUnderTest.start>[0]>;

/**
 * Starts the system with its cluster connected to the simulator's Kubernetes API (over TLS, with the simulator's
 * CA), as `admin cluster update --kube-*` connects one, then `workers` workers (1 unless said) with the token in
 * their environment. {@link workerEnvOf} gives that environment for workers started later (after a SIGKILL).
 */
export async function connectedSystem(options: StartOptions): Promise<SystemUnderTest> {
  const system = await SystemUnderTest.start({ ...options, workers: 0 });
  const kube = system.simulator.kubernetes();
  await system.dataSource.query(
    `UPDATE clusters SET kube_api_url = $2, kube_token_ref = $3, kube_ca_pem = $4 WHERE id = $1`,
    [system.clusterId, kube.tlsUrl, `env:${KUBE_TOKEN_ENV}`, kube.caPem],
  );
  const env = workerEnvOf(system, options.workerEnv);
  await Promise.all(Array.from({ length: options.workers ?? 1 }, () => system.startWorker(env)));
  return system;
}

/** A worker's environment on a {@link connectedSystem}: `extra` and the cluster API's token. */
export function workerEnvOf(system: SystemUnderTest, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [KUBE_TOKEN_ENV]: system.simulator.kubernetes().token };
}
