// The migrate Job, run as the manifests write it: its command line (with Kubernetes' $(VAR) expansion) and exactly
// its environment, the Secret's DATABASE_URL pointing at a new database of its own.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { type KubeObject, renderKustomization, testServices } from '@oshift/testing';

const ROOT = resolve(__dirname, '../../../..');
const run = promisify(execFile);

interface Container {
  args: string[];
  env: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { key: string }; configMapKeyRef?: { name: string; key: string } };
  }[];
}

/** The container of a Job, its environment resolved as the kubelet would (Secrets from `secrets`). */
function commandOf(objects: KubeObject[], secrets: Record<string, string>) {
  const object = objects.find((candidate) => candidate.kind === 'Job')!;
  const spec = object.spec as { template: { spec: { containers: Container[] } } };
  const [container] = spec.template.spec.containers;
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    const ref = variable.valueFrom;
    if (ref?.secretKeyRef) env[variable.name] = secrets[ref.secretKeyRef.key];
    else if (ref?.configMapKeyRef) {
      const map = objects.find((candidate) => candidate.metadata.name === ref.configMapKeyRef!.name)!;
      env[variable.name] = map.data![ref.configMapKeyRef.key];
    } else env[variable.name] = variable.value!;
  }
  const args = container.args.map((arg) => arg.replace(/\$\((\w+)\)/g, (_match, name: string) => env[name]));
  return { args, env };
}

/** Runs the image's entrypoint as `oshift <args…>` would, from the sources (`migrate` is `admin migrate`). */
async function entrypoint(args: string[], env: Record<string, string>) {
  const [app, ...rest] = args[0] === 'migrate' ? ['admin', 'migrate'] : args;
  const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', `apps/${app}/src/main.ts`, ...rest], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return stdout;
}

describe("the manifests' migrate Job", () => {
  const objects = renderKustomization('deploy/kubernetes/openshift');
  const server = new URL(testServices().databaseUrl);
  server.pathname = '/postgres';
  const database = `oshift_test_jobs_${randomBytes(4).toString('hex')}`;
  const secrets = { DATABASE_URL: Object.assign(new URL(server), { pathname: `/${database}` }).toString() };
  const admin = new Client({ connectionString: server.toString() });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('migrate: applies the migrations to a new database, and runs again on every upgrade as a no-op', async () => {
    const { args, env } = commandOf(objects, secrets);
    expect(args).toEqual(['migrate']);
    expect(await entrypoint(args, env)).toMatch(/^applied \w+/);
    expect(await entrypoint(args, env)).toBe('schema is up to date\n');
  }, 60000);
});
