// The environment the deployment files give the gateway is one its config schema accepts, variable by variable.
import {
  composeEnvironment,
  composeVariables,
  containerEnvironment,
  renderKustomization,
  unknownVariables,
} from '@oshift/testing';
import { GATEWAY_VARIABLES, loadGatewayConfig } from './gateway.config';

describe('the gateway as the deployment files configure it', () => {
  it.each(['deploy/kubernetes/base', 'deploy/kubernetes/openshift'])('%s: every variable is known and valid', (dir) => {
    const env = containerEnvironment(renderKustomization(dir), 'oshift-gateway', 'gateway');
    expect(unknownVariables(env, GATEWAY_VARIABLES)).toEqual([]);
    const config = loadGatewayConfig(env);
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(config.http.publicUrl).toMatch(/^https:\/\//);
    // Metrics on their own port, the one the Service's `metrics` port and the NetworkPolicy name.
    expect(config.metrics).toMatchObject({ host: '0.0.0.0', port: 9464, token: expect.any(String) });
    // Behind OpenShift's router the gateway trusts one hop (the router) for the client address; elsewhere none.
    const trusted = config.auth.trustProxy;
    if (dir.endsWith('openshift')) {
      expect(typeof trusted === 'function' && [trusted('10.128.0.5', 0), trusted('10.128.0.5', 1)]).toEqual([
        true,
        false,
      ]);
    } else {
      expect(trusted).toBe(false);
    }
  });

  it('docker-compose.yml: every variable is known and valid (the demo cluster’s secrets aside)', () => {
    const env = composeEnvironment('gateway');
    expect(unknownVariables(env, GATEWAY_VARIABLES)).toEqual([
      'OSHIFT_SECRET_DEMO_OPENSTACK',
      'OSHIFT_SECRET_DEMO_KUBE',
    ]);
    expect(loadGatewayConfig(env).database.url).toMatch(/@postgres:5432\//);
  });

  it('docker-compose.yml passes the operator’s proxy, metrics, audit and SSO settings through from the shell', () => {
    const passed = Object.entries(composeVariables('gateway'))
      .filter(([, value]) => value === null)
      .map(([name]) => name);
    expect(unknownVariables(Object.fromEntries(passed.map((name) => [name, ''])), GATEWAY_VARIABLES)).toEqual([]);
    const sso = GATEWAY_VARIABLES.filter((name) => name.startsWith('OIDC_'));
    expect(sso.length).toBeGreaterThan(10);
    expect(passed.sort()).toEqual(
      [
        'AUDIT_HASH_KEY',
        'CLUSTER_SECRET_KEY',
        'CLUSTER_SECRET_KEY_PREVIOUS',
        'METRICS_TOKEN',
        'TRUST_PROXY',
        ...sso,
      ].sort(),
    );
    // Set in the shell, they reach the gateway's config as given.
    const env = {
      ...composeEnvironment('gateway'),
      TRUST_PROXY: '1',
      METRICS_TOKEN: 'm'.repeat(16),
      AUDIT_HASH_KEY: 'a'.repeat(16),
    };
    expect(loadGatewayConfig(env)).toMatchObject({
      metrics: { token: 'm'.repeat(16) },
      audit: { hashKey: 'a'.repeat(16) },
    });
  });
});
