// The environment the deployment files give the worker is one its config schema accepts, variable by variable.
import {
  composeEnvironment,
  composeVariables,
  containerEnvironment,
  renderKustomization,
  unknownVariables,
} from '@oshift/testing';
import { loadWorkerConfig, WORKER_VARIABLES } from './worker.config';

describe('the worker as the deployment files configure it', () => {
  it.each(['deploy/kubernetes/base', 'deploy/kubernetes/openshift'])('%s: every variable is known and valid', (dir) => {
    const env = containerEnvironment(renderKustomization(dir), 'oshift-worker', 'worker');
    expect(unknownVariables(env, WORKER_VARIABLES)).toEqual([]);
    const config = loadWorkerConfig(env);
    // Reachable by the kubelet's probes and by Prometheus, on the port the manifests name.
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 9464 });
    expect(config.http.metricsToken).toBeDefined();
  });

  it('docker-compose.yml: every variable is known and valid (the demo cluster’s secrets aside)', () => {
    const env = composeEnvironment('worker');
    expect(unknownVariables(env, WORKER_VARIABLES)).toEqual([
      'OSHIFT_SECRET_DEMO_OPENSTACK',
      'OSHIFT_SECRET_DEMO_KUBE',
    ]);
    expect(loadWorkerConfig(env).redis).toEqual({
      target: { kind: 'standalone', url: 'redis://redis:6379' },
      prefix: 'oshift',
    });
    // Rolling reboots give each node this deadline, the same as the gateway's.
    expect(loadWorkerConfig(env).worker).toMatchObject({ stepDeadlineMs: 600000 });
    expect(composeVariables('worker')).toMatchObject({ METRICS_TOKEN: null });
  });
});
