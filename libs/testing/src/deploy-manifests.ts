import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '../../..');

/** One object of a rendered manifest. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [field: string]: unknown;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  [field: string]: unknown;
}

/**
 * Values standing in for the keys of the Secrets the manifests reference (the manifests never hold a value):
 * what an operator puts there, in the form the apps' config schemas expect.
 */
export const SAMPLE_SECRET_VALUES: Readonly<Record<string, string>> = {
  DATABASE_URL: 'postgres://oshift:secret@postgres.example.internal:5432/oshift',
  REDIS_URL: 'redis://:secret@redis.example.internal:6379',
  CLUSTER_SECRET_KEY: randomBytes(32).toString('base64'),
  CLUSTER_SECRET_KEY_PREVIOUS: randomBytes(32).toString('base64'),
  METRICS_TOKEN: randomBytes(24).toString('hex'),
  AUDIT_HASH_KEY: randomBytes(24).toString('hex'),
};

/**
 * Renders a kustomization of the repository (`deploy/kubernetes/openshift`…) offline with `kubectl kustomize`
 * (kustomize v5): its objects, and what kubectl wrote on stderr (a deprecation warning, say).
 */
export function renderKustomizationWithWarnings(dir: string): { objects: KubeObject[]; stderr: string } {
  const rendered = spawnSync('kubectl', ['kustomize', resolve(ROOT, dir)], { encoding: 'utf8' });
  if (rendered.error) throw rendered.error;
  if (rendered.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${rendered.stderr}`);
  const objects = parseAllDocuments(rendered.stdout).map((document) => document.toJS() as KubeObject);
  return { objects, stderr: rendered.stderr };
}

/** The objects of {@link renderKustomizationWithWarnings}. */
export function renderKustomization(dir: string): KubeObject[] {
  return renderKustomizationWithWarnings(dir).objects;
}

/** The pod template's containers of a rendered Deployment or Job. */
export function podContainers(objects: KubeObject[], workload: string): Container[] {
  const object = objects.find((candidate) => candidate.metadata.name === workload && candidate.spec?.template);
  if (!object) throw new Error(`no workload ${workload}`);
  return (object.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
}

/**
 * The environment a container gets: its literal values, the data of the ConfigMaps it names, and
 * {@link SAMPLE_SECRET_VALUES} for the keys of Secrets (optional Secrets wholly absent).
 */
export function containerEnvironment(objects: KubeObject[], workload: string, container: string) {
  const spec = podContainers(objects, workload).find((candidate) => candidate.name === container);
  if (!spec) throw new Error(`no container ${container} in ${workload}`);
  const configMap = (name: string) => {
    const found = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === name);
    if (!found) throw new Error(`ConfigMap ${name} is referenced but not defined`);
    return found.data ?? {};
  };
  const env: Record<string, string> = {};
  for (const source of spec.envFrom ?? [])
    if (source.configMapRef) Object.assign(env, configMap(source.configMapRef.name));
  for (const variable of spec.env ?? []) {
    const ref = variable.valueFrom;
    const value = ref?.secretKeyRef
      ? SAMPLE_SECRET_VALUES[ref.secretKeyRef.key]
      : ref?.configMapKeyRef
        ? configMap(ref.configMapKeyRef.name)[ref.configMapKeyRef.key]
        : variable.value;
    if (value === undefined) throw new Error(`${workload}/${container}: no value for ${variable.name}`);
    env[variable.name] = value;
  }
  return env;
}

/**
 * The environment docker-compose.yml gives a service, `${VAR:-default}` taken at its default; the variables it
 * passes through from the shell are left out (unset, as when the shell has none).
 */
export function composeEnvironment(service: string): Record<string, string> {
  return Object.fromEntries(Object.entries(composeVariables(service)).filter(([, value]) => value !== null)) as Record<
    string,
    string
  >;
}

/**
 * The variables a compose service names, with their values (`${VAR:-default}` as its default), and `null` for
 * those it passes through from the shell (`VAR:` with no value: unset in the container when the shell has none).
 */
export function composeVariables(service: string): Record<string, string | null> {
  const text = readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8').replace(
    /\$\{\w+:-([^}]*)\}/g,
    (_match, fallback: string) => fallback,
  );
  const compose = parse(text, { merge: true }) as { services: Record<string, { environment?: object }> };
  const environment = compose.services[service]?.environment;
  if (!environment) throw new Error(`compose service ${service} has no environment`);
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, value === null ? null : String(value)]),
  );
}

/** Variables Node itself reads, which no app's schema holds (the worker's heap ceiling is set through one). */
const NODE_VARIABLES = ['NODE_OPTIONS'];

/** Variables of `env` that are not among `known` (an app's config schema keys) nor Node's own. */
export function unknownVariables(env: Record<string, string>, known: readonly string[]): string[] {
  return Object.keys(env).filter((name) => !known.includes(name) && !NODE_VARIABLES.includes(name));
}
