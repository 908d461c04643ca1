// deploy/kubernetes and deploy/prometheus: every object valid against the Kubernetes (and prometheus-operator)
// schemas offline, both kustomizations rendering, and the wiring an operator relies on.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type KubeObject, podContainers, renderKustomization } from '@oshift/testing';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '../../../..');
const OVERLAYS = ['deploy/kubernetes/base', 'deploy/kubernetes/openshift'];
const rendered = Object.fromEntries(OVERLAYS.map((dir) => [dir, renderKustomization(dir)]));
const openshift = rendered['deploy/kubernetes/openshift'];
const byKind = (objects: KubeObject[], kind: string) => objects.filter((object) => object.kind === kind);
type PodSpec = { securityContext?: Record<string, unknown>; [field: string]: unknown };
const podSpec = (object: KubeObject) => (object.spec as { template: { spec: PodSpec } }).template.spec;
const labels = (object: KubeObject) =>
  (object.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const selects = (selector: Record<string, string>, podLabels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => podLabels[key] === value);

/** The model class of an apiVersion/kind, from kubernetes-models or its prometheus-operator package. */
function modelOf(apiVersion: string, kind: string): { new (data: object): { validate(): void } } | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const path =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
      : `kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`;
  try {
    // A model per kind, found by its path: the packages have no index from apiVersion/kind.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(path) as Record<string, { new (data: object): { validate(): void } }>)[kind];
  } catch {
    return undefined;
  }
}

function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('deployment manifests', () => {
  it('every YAML file parses', () => {
    const files = [...yamlFiles('deploy/kubernetes'), ...yamlFiles('deploy/prometheus')];
    expect(files.length).toBeGreaterThan(8);
    for (const file of files) {
      const errors = parseAllDocuments(readFileSync(file, 'utf8')).flatMap((document) => document.errors);
      expect({ file, errors }).toEqual({ file, errors: [] });
    }
  });

  it.each(OVERLAYS)('%s renders, and each object validates against its schema', (dir) => {
    const objects = rendered[dir];
    const kinds = objects.map((object) => object.kind).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Deployment',
        'Job',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'PrometheusRule',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ]),
    );
    for (const object of objects) {
      if (object.apiVersion === 'route.openshift.io/v1') continue; // no offline schema: checked below
      const Model = modelOf(object.apiVersion, object.kind);
      expect({ object: `${object.apiVersion} ${object.kind}`, known: !!Model }).toEqual({
        object: `${object.apiVersion} ${object.kind}`,
        known: true,
      });
      expect(() => new Model!(object).validate()).not.toThrow();
    }
    // The validator does refuse a malformed object (here a replica count that is not a number).
    const [deployment] = byKind(objects, 'Deployment');
    const Deployment = modelOf('apps/v1', 'Deployment')!;
    expect(() => new Deployment({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } }).validate()).toThrow();
    // Secrets are referenced, never given values.
    expect(byKind(objects, 'Secret')).toEqual([]);
  });

  it('runs one image, with the gateway, worker and migrate commands of its entrypoint', () => {
    const images = new Set<string>();
    const commands: Record<string, unknown> = {};
    for (const workload of [...byKind(openshift, 'Deployment'), ...byKind(openshift, 'Job')])
      for (const container of podContainers(openshift, workload.metadata.name)) {
        images.add(container.image as string);
        commands[workload.metadata.name] = container.args;
      }
    expect([...images]).toEqual(['registry.example.com/oshift/self-service:0.1.0']);
    expect(commands).toEqual({
      'oshift-gateway': ['gateway'],
      'oshift-worker': ['worker'],
      'oshift-migrate': ['migrate'],
    });
  });

  it('gives gateway and worker probes, resources and a disruption budget, and the gateway a Service', () => {
    for (const deployment of byKind(openshift, 'Deployment')) {
      const [container] = podContainers(openshift, deployment.metadata.name);
      const ports = (container.ports as { name: string }[]).map((port) => port.name);
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        const check = (container[probe] as { httpGet: { path: string; port: string } }).httpGet;
        expect(ports).toContain(check.port);
        expect(check.path).toBe(probe === 'readinessProbe' ? '/readyz' : '/healthz');
      }
      expect(container.resources).toMatchObject({
        requests: { cpu: expect.any(String) },
        limits: { memory: expect.any(String) },
      });
      const budgets = byKind(openshift, 'PodDisruptionBudget').filter((pdb) =>
        selects(
          (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          labels(deployment),
        ),
      );
      expect(budgets).toHaveLength(1);
    }
    const service = openshift.find((object) => object.kind === 'Service' && object.metadata.name === 'oshift-gateway')!;
    const gateway = openshift.find(
      (object) => object.kind === 'Deployment' && object.metadata.name === 'oshift-gateway',
    )!;
    expect(selects((service.spec as { selector: Record<string, string> }).selector, labels(gateway))).toBe(true);
    expect(service.spec).toMatchObject({ ports: [{ name: 'http', port: 8080, targetPort: 'http' }] });
  });

  it('scrapes both apps with the metrics token and alerts on the metrics the apps export', () => {
    const [monitor] = byKind(openshift, 'ServiceMonitor');
    const endpoints = (monitor.spec as { endpoints: { port: string; authorization: object }[] }).endpoints;
    expect(endpoints.map((endpoint) => endpoint.port).sort()).toEqual(['http', 'metrics']);
    for (const endpoint of endpoints)
      expect(endpoint.authorization).toEqual({
        type: 'Bearer',
        credentials: { name: 'oshift-secrets', key: 'METRICS_TOKEN' },
      });

    const exported = new Set(
      [...sourceText('libs'), ...sourceText('apps')].flatMap((text) =>
        [...text.matchAll(/name: '(oshift_\w+)'/g)].map((match) => match[1]),
      ),
    );
    const [rule] = byKind(openshift, 'PrometheusRule');
    const rules = (
      rule.spec as { groups: { rules: { alert: string; expr: string; labels: object; annotations: object }[] }[] }
    ).groups.flatMap((group) => group.rules);
    expect(rules.map((entry) => entry.alert)).toEqual(
      expect.arrayContaining([
        'OshiftRebootJobsFailing',
        'OshiftRebootQueueGrowing',
        'OshiftOpenStackErrors',
        'OshiftNoReadyGateway',
      ]),
    );
    for (const entry of rules) {
      expect(entry.labels).toHaveProperty('severity');
      expect(entry.annotations).toHaveProperty('summary');
      for (const [metric] of entry.expr.matchAll(/oshift_\w+/g))
        expect({
          alert: entry.alert,
          metric,
          exported: exported.has(metric.replace(/_(count|sum|bucket)$/, '')),
        }).toEqual({
          alert: entry.alert,
          metric,
          exported: true,
        });
    }
  });

  it('openshift: runs under the restricted SCC (non-root, any UID, no escalation, read-only root)', () => {
    for (const workload of [...byKind(openshift, 'Deployment'), ...byKind(openshift, 'Job')]) {
      const pod = podSpec(workload);
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod).not.toHaveProperty('hostNetwork');
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of podContainers(openshift, workload.metadata.name))
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
    }
  });

  it('openshift: a Route with edge TLS and HSTS to the gateway Service, and the router trusted for client addresses', () => {
    const [route] = byKind(openshift, 'Route');
    expect(route.apiVersion).toBe('route.openshift.io/v1');
    // The gateway's own value (STRICT_TRANSPORT_SECURITY): browsers keep to https for a year.
    expect(route.metadata.annotations).toMatchObject({ 'haproxy.router.openshift.io/hsts_header': 'max-age=31536000' });
    expect(route.spec).toMatchObject({
      to: { kind: 'Service', name: 'oshift-gateway' },
      port: { targetPort: 'http' },
      tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'None' },
    });
    const config = openshift.find((object) => object.metadata.name === 'oshift-gateway-config')!;
    expect(config.data).toMatchObject({ TRUST_PROXY: '1' });
    // Gateways and workers (webhook events) both build status_url from it.
    const shared = openshift.find((object) => object.metadata.name === 'oshift-config')!;
    expect(shared.data).toMatchObject({ PUBLIC_URL: `https://${(route.spec as { host: string }).host}` });
  });

  it('lets only the gateway port in from anywhere, and the worker metrics port from monitoring', () => {
    const policies = byKind(openshift, 'NetworkPolicy');
    for (const workload of [...byKind(openshift, 'Deployment'), ...byKind(openshift, 'Job')]) {
      const covering = policies.filter((policy) =>
        selects(
          (policy.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels,
          labels(workload),
        ),
      );
      expect({ workload: workload.metadata.name, policies: covering.length }).toEqual({
        workload: workload.metadata.name,
        policies: 1,
      });
    }
    const worker = policies.find((policy) => policy.metadata.name === 'oshift-worker')!;
    expect(worker.spec).toMatchObject({
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { 'network.openshift.io/policy-group': 'monitoring' } } }] },
      ],
    });
  });
});

function sourceText(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /(?<!spec)\.ts$/.test(entry.name))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}
