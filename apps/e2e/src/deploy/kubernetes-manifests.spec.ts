// deploy/kubernetes and deploy/prometheus: every object valid against the Kubernetes (and prometheus-operator)
// schemas offline, both kustomizations rendering, and the wiring an operator relies on.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type KubeObject, renderKustomizationWithWarnings } from '@oshift/testing';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '../../../..');
/** The base, the OpenShift overlay, and the example overlay with the optional components (KEDA, External Secrets). */
const OVERLAYS = [
  'deploy/kubernetes/base',
  'deploy/kubernetes/openshift',
  'deploy/kubernetes/examples/openshift-with-components',
];
const renders = Object.fromEntries(OVERLAYS.map((dir) => [dir, renderKustomizationWithWarnings(dir)]));
const rendered = Object.fromEntries(OVERLAYS.map((dir) => [dir, renders[dir].objects]));
const openshift = rendered['deploy/kubernetes/openshift'];
const withComponents = rendered['deploy/kubernetes/examples/openshift-with-components'];
/** Kinds with no offline schema here (CRDs of OpenShift, KEDA, External Secrets): their fields are checked below. */
const UNVALIDATED = [
  'route.openshift.io/v1 Route',
  'keda.sh/v1alpha1 ScaledObject',
  'external-secrets.io/v1 ExternalSecret',
];
const byKind = (objects: KubeObject[], kind: string) => objects.filter((object) => object.kind === kind);
type PodSpec = { securityContext?: Record<string, unknown>; [field: string]: unknown };
type PodTemplate = { metadata: { labels: Record<string, string> }; spec: PodSpec };
/** The pod template of a Deployment, Job or CronJob. */
const template = (object: KubeObject): PodTemplate =>
  object.kind === 'CronJob'
    ? (object.spec as { jobTemplate: { spec: { template: PodTemplate } } }).jobTemplate.spec.template
    : (object.spec as { template: PodTemplate }).template;
const podSpec = (object: KubeObject) => template(object).spec;
const labels = (object: KubeObject) => template(object).metadata.labels;
const workloads = (objects: KubeObject[]) =>
  objects.filter((object) => ['Deployment', 'Job', 'CronJob'].includes(object.kind));
type Container = { name: string; [field: string]: unknown };
const containersOf = (object: KubeObject) => (podSpec(object) as unknown as { containers: Container[] }).containers;
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

  it.each(OVERLAYS)("%s renders with the machine's kubectl (kustomize v5) and no warning", (dir) => {
    expect(renders[dir].stderr).toBe('');
    expect(renders[dir].objects.length).toBeGreaterThan(15);
  });

  it('uses kustomize v5 syntax only: no bases, patchesStrategicMerge, commonLabels or other deprecated fields', () => {
    const deprecated = /^(bases|patchesStrategicMerge|patchesJson6902|commonLabels|vars|imageTags):/m;
    const kustomizations = yamlFiles('deploy').filter((file) => file.endsWith('kustomization.yaml'));
    expect(kustomizations.length).toBeGreaterThanOrEqual(6);
    for (const file of kustomizations)
      expect({ file, deprecated: deprecated.exec(readFileSync(file, 'utf8'))?.[0] }).toEqual({
        file,
        deprecated: undefined,
      });
  });

  it.each(OVERLAYS)('%s: each object validates against its schema', (dir) => {
    const objects = rendered[dir];
    const kinds = objects.map((object) => object.kind).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
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
      if (UNVALIDATED.includes(`${object.apiVersion} ${object.kind}`)) continue;
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
    for (const workload of workloads(openshift))
      for (const container of containersOf(workload)) {
        images.add(container.image as string);
        commands[workload.metadata.name] = container.args;
      }
    expect([...images]).toEqual(['registry.example.com/oshift/self-service:0.1.0']);
    expect(commands).toEqual({
      'oshift-gateway': ['gateway'],
      'oshift-worker': ['worker'],
      'oshift-migrate': ['migrate'],
    });
    // Retention is the workers' (RETENTION_DAYS, AUDIT_RETENTION_DAYS): no CronJob prunes with a cutoff of its own.
    expect(byKind(openshift, 'CronJob')).toEqual([]);
  });

  it('gives gateway and worker probes, resources and a disruption budget, and the gateway a Service', () => {
    for (const deployment of byKind(openshift, 'Deployment')) {
      const [container] = containersOf(deployment);
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
    expect(service.spec).toMatchObject({
      ports: [
        { name: 'http', port: 8080, targetPort: 'http' },
        { name: 'metrics', port: 9464, targetPort: 'metrics' },
      ],
    });
  });

  it('spreads gateways and workers over zones and nodes, scales gateways with an HPA, and drains them with a preStop', () => {
    for (const name of ['oshift-gateway', 'oshift-worker']) {
      const deployment = openshift.find((object) => object.kind === 'Deployment' && object.metadata.name === name)!;
      const spread = podSpec(deployment).topologySpreadConstraints as {
        topologyKey: string;
        labelSelector: { matchLabels: Record<string, string> };
      }[];
      expect(spread.map((constraint) => constraint.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
      for (const constraint of spread)
        expect(selects(constraint.labelSelector.matchLabels, labels(deployment))).toBe(true);
    }
    const gateway = openshift.find(
      (object) => object.kind === 'Deployment' && object.metadata.name === 'oshift-gateway',
    )!;
    // The HPA owns the count: a replica count here would reset it on every apply.
    expect(gateway.spec).not.toHaveProperty('replicas');
    const [hpa] = byKind(openshift, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'oshift-gateway' },
      minReplicas: 2,
    });
    // The endpoints drop the pod during the preStop sleep; the rest of the grace period is for in-flight requests.
    const [container] = containersOf(gateway);
    expect(container.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(podSpec(gateway).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(5 + 10);
  });

  it('labels every object with the app.kubernetes.io labels, and the migrate selection holds all the Job needs', () => {
    for (const dir of OVERLAYS)
      for (const object of rendered[dir]) {
        const found = object.metadata.labels ?? {};
        expect({ object: `${object.kind} ${object.metadata.name}`, labels: found }).toEqual({
          object: `${object.kind} ${object.metadata.name}`,
          labels: {
            'app.kubernetes.io/name': 'oshift',
            'app.kubernetes.io/instance': 'oshift',
            'app.kubernetes.io/part-of': 'oshift-self-service',
            'app.kubernetes.io/version': '0.1.0',
            'app.kubernetes.io/managed-by': 'kustomize',
            'app.kubernetes.io/component': expect.stringMatching(/^(gateway|worker|migrate|server|monitoring)$/),
          },
        });
      }
    // Pods carry the same labels (the version follows the image), their selectors only name and component.
    for (const workload of workloads(openshift))
      expect(labels(workload)).toMatchObject({
        'app.kubernetes.io/version': '0.1.0',
        'app.kubernetes.io/component': workload.metadata.labels?.['app.kubernetes.io/component'],
      });
    // First install: `apply -l app.kubernetes.io/component=migrate` creates the Job and the ServiceAccount it runs as.
    const migrate = openshift.filter((object) => object.metadata.labels?.['app.kubernetes.io/component'] === 'migrate');
    expect(migrate.map((object) => `${object.kind} ${object.metadata.name}`).sort()).toEqual([
      'Job oshift-migrate',
      'NetworkPolicy oshift-migrate',
      'ServiceAccount oshift-migrate',
    ]);
    const [job] = byKind(migrate, 'Job');
    expect(podSpec(job).serviceAccountName).toBe('oshift-migrate');
  });

  it('runs the migrate Job again on every upgrade: an Argo CD PreSync hook, recreated by Flux', () => {
    const [job] = byKind(openshift, 'Job');
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      'kustomize.toolkit.fluxcd.io/force': 'enabled',
    });
    // Its ServiceAccount is created before it in the same PreSync phase.
    const account = openshift.find(
      (object) => object.kind === 'ServiceAccount' && object.metadata.name === 'oshift-migrate',
    )!;
    expect(account.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/sync-wave': '-1',
    });
  });

  it('optional components: KEDA scales the workers on queue depth, External Secrets makes oshift-secrets', () => {
    expect(byKind(openshift, 'ScaledObject')).toEqual([]);
    expect(byKind(openshift, 'ExternalSecret')).toEqual([]);
    const [scaled] = byKind(withComponents, 'ScaledObject');
    expect(scaled.spec).toMatchObject({
      scaleTargetRef: { name: 'oshift-worker' },
      minReplicaCount: 2,
      triggers: [{ type: 'prometheus', metadata: { query: 'max(oshift_queue_jobs{queue="reboot",state="waiting"})' } }],
    });
    // KEDA's HPA owns the workers' count there.
    const worker = withComponents.find(
      (object) => object.kind === 'Deployment' && object.metadata.name === 'oshift-worker',
    )!;
    expect(worker.spec).not.toHaveProperty('replicas');
    const [external] = byKind(withComponents, 'ExternalSecret');
    const spec = external.spec as { target: { name: string }; data: { secretKey: string }[] };
    expect(spec.target.name).toBe('oshift-secrets');
    // Every key of oshift-secrets that a pod requires (optional ones aside).
    const required = new Set<string>();
    for (const workload of workloads(openshift))
      for (const container of containersOf(workload))
        for (const variable of (container.env ?? []) as {
          valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
        }[]) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref?.name === 'oshift-secrets' && !ref.optional) required.add(ref.key);
        }
    expect(spec.data.map((entry) => entry.secretKey).sort()).toEqual(
      [...required, 'CLUSTER_SECRET_KEY'].filter((key, i, all) => all.indexOf(key) === i).sort(),
    );
  });

  it('scrapes both apps on their metrics port with the metrics token and alerts on the metrics the apps export', () => {
    const [monitor] = byKind(openshift, 'ServiceMonitor');
    const endpoints = (monitor.spec as { endpoints: { port: string; authorization: object }[] }).endpoints;
    expect(endpoints.map((endpoint) => endpoint.port)).toEqual(['metrics']);
    // Each Service the monitor selects has that port, and it is never the API port.
    const scraped = byKind(openshift, 'Service').filter((service) =>
      selects(
        (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
        service.metadata.labels ?? {},
      ),
    );
    expect(scraped.map((service) => service.metadata.name).sort()).toEqual(['oshift-gateway', 'oshift-worker']);
    for (const service of scraped)
      expect((service.spec as { ports: { name: string; port: number }[] }).ports).toContainEqual(
        expect.objectContaining({ name: 'metrics', port: 9464 }),
      );
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
        'OshiftJobsPastDeadline',
        'OshiftNoReadyGateway',
        'OshiftNoReadyWorker',
      ]),
    );
    // Prometheus scrapes unready pods too, so availability comes from kube-state-metrics, not `up`.
    const byName = Object.fromEntries(rules.map((entry) => [entry.alert, entry.expr]));
    expect(byName.OshiftNoReadyGateway).toBe(
      'max(kube_deployment_status_replicas_available{deployment="oshift-gateway"}) < 1',
    );
    expect(byName.OshiftNoReadyWorker).toBe(
      'max(kube_deployment_status_replicas_available{deployment="oshift-worker"}) < 1',
    );
    const anchors = markdownAnchors(readFileSync(join(ROOT, 'docs/operators.md'), 'utf8'));
    for (const entry of rules) {
      expect(entry.labels).toHaveProperty('severity');
      expect(entry.annotations).toHaveProperty('summary');
      // A runbook per alert, at an anchor that exists in docs/operators.md.
      const runbook = (entry.annotations as { runbook_url?: string }).runbook_url ?? '';
      const anchor = /\/operators\.md#([\w-]+)$/.exec(runbook)?.[1];
      expect({ alert: entry.alert, anchor, exists: anchor !== undefined && anchors.has(anchor) }).toEqual({
        alert: entry.alert,
        anchor: entry.alert.toLowerCase(),
        exists: true,
      });
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
    for (const workload of workloads(openshift)) {
      const pod = podSpec(workload);
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod).not.toHaveProperty('hostNetwork');
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of containersOf(workload))
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

  it('lets only the gateway API port in from anywhere, and the metrics ports only from monitoring', () => {
    const policies = byKind(openshift, 'NetworkPolicy');
    for (const workload of workloads(openshift)) {
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
    const fromMonitoring = {
      from: [{ namespaceSelector: { matchLabels: { 'network.openshift.io/policy-group': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 9464 }],
    };
    const worker = policies.find((policy) => policy.metadata.name === 'oshift-worker')!;
    expect(worker.spec).toMatchObject({ ingress: [fromMonitoring] });
    const gateway = policies.find((policy) => policy.metadata.name === 'oshift-gateway')!;
    expect(gateway.spec).toMatchObject({ ingress: [{ ports: [{ protocol: 'TCP', port: 8080 }] }, fromMonitoring] });
    expect((gateway.spec as { ingress: object[] }).ingress).toHaveLength(2);
    // The Route leads to the API port only.
    const [route] = byKind(openshift, 'Route');
    expect(route.spec).toMatchObject({ port: { targetPort: 'http' } });
  });
});

/** The anchors of a Markdown document's headings, as GitHub makes them. */
function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm))
    anchors.add(
      heading
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    );
  return anchors;
}

function sourceText(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /(?<!spec)\.ts$/.test(entry.name))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}
