// The Dockerfile, its entrypoint and docker-compose.yml checked for shape and wiring: one multi-stage image
// running dist/ on Node 24 LTS with production dependencies only. CI builds and runs the image itself with
// podman (.ci/image.sh).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse } from 'yaml';
import { demoProject, OpenStackSimulator } from '@oshift/openstack-sim';

const ROOT = resolve(__dirname, '../../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const dockerfile = DockerfileParser.parse(read('Dockerfile'));
const instructions = dockerfile.getInstructions();
const stages = dockerfile.getFROMs();
const runtimeStart = stages[stages.length - 1].getRange().start.line;
const runtime = instructions.filter((instruction) => instruction.getRange().start.line >= runtimeStart);
const args = (instruction: Instruction) => instruction.getArguments().map((arg) => arg.getValue());
const keyword = (list: Instruction[], word: string) => list.filter((instruction) => instruction.getKeyword() === word);

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
  container_name?: string;
}
const services = (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }).services;
const appServices = Object.entries(services).filter(([, service]) => service.build);
/** Apps with an Nx build target: what dist/apps holds, so what the entrypoint can start. */
const builtApps = ['gateway', 'worker', 'admin', 'openstack-sim', 'demo', 'cli'].filter((app) => {
  const project = join(ROOT, 'apps', app, 'project.json');
  return existsSync(project) && 'build' in (JSON.parse(readFileSync(project, 'utf8')).targets ?? {});
});

describe('Dockerfile', () => {
  it('builds dist/ and the production dependencies in their own stages, and runs them on Node 24 LTS slim', () => {
    expect(stages.map((stage) => stage.getBuildStage())).toEqual(['build', 'deps', 'runtime']);
    expect(read('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:24-[\w-]*slim$/m);
    // Only the runtime stage stands on NODE_IMAGE: what CI adds to BUILD_IMAGE (its registry, its CA) stays out.
    expect(stages.map((stage) => stage.getImageName())).toEqual(['${BUILD_IMAGE}', '${BUILD_IMAGE}', '${NODE_IMAGE}']);
    expect(
      keyword(instructions, 'RUN')
        .map(args)
        .map((words) => words.join(' ')),
    ).toEqual(expect.arrayContaining(['npm run build']));
    // Production dependencies with no install script (no telemetry postinstall), without swagger-ui-dist or
    // TypeScript; the runtime stage runs no npm at all.
    const depsStart = stages[1].getRange().start.line;
    const install = keyword(instructions, 'RUN')
      .filter(
        (instruction) =>
          instruction.getRange().start.line > depsStart && instruction.getRange().start.line < runtimeStart,
      )
      .map((instruction) => args(instruction).join(' '))
      .join(' ');
    expect(install).toMatch(/^npm ci --omit=dev .*--ignore-scripts/);
    expect(install).toContain('rm -rf node_modules/swagger-ui-dist node_modules/@scarf');
    expect(install).toContain('test ! -e node_modules/typescript');
    expect(keyword(runtime, 'RUN')).toEqual([]);
    const copies = keyword(runtime, 'COPY').map((instruction) => instruction.getTextContent());
    expect(copies).toEqual(
      expect.arrayContaining([
        'COPY --from=deps /srv/node_modules ./node_modules',
        'COPY --from=build /src/dist ./dist',
      ]),
    );
    // Nothing but dist/, the dependencies, the manifest files and the entrypoint: no sources at run time.
    expect(copies.every((line) => /dist|node_modules|package|entrypoint/.test(line))).toBe(true);
  });

  it('says where it comes from (OCI labels) and names the TypeScript sources in stack traces', () => {
    const labels = keyword(runtime, 'LABEL').flatMap(args).join(' ');
    for (const [label, arg] of [
      ['source', 'SOURCE'],
      ['version', 'VERSION'],
      ['revision', 'REVISION'],
    ])
      expect(labels).toContain(`org.opencontainers.image.${label}="\${${arg}}"`);
    const env = Object.fromEntries(
      keyword(runtime, 'ENV').flatMap((instruction) => args(instruction).map((pair) => pair.split('='))),
    );
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('runs as a numeric non-root user, listens beyond loopback, and starts the app it is given', () => {
    const [user] = keyword(runtime, 'USER').map(args);
    expect(user[0]).toMatch(/^[1-9]\d*$/);
    const env = Object.fromEntries(
      keyword(runtime, 'ENV').flatMap((instruction) => args(instruction).map((pair) => pair.split('='))),
    );
    expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', WORKER_HTTP_HOST: '0.0.0.0' });
    expect(keyword(runtime, 'ENTRYPOINT').map(args)).toEqual([['["oshift"]']]);
    expect(read('.dockerignore').split('\n')).toEqual(
      expect.arrayContaining(['node_modules', '.data', '.git', 'dist']),
    );
  });
});

describe('the image entrypoint', () => {
  const dist = mkdtempSync(join(tmpdir(), 'oshift-entrypoint-'));
  afterAll(() => rmSync(dist, { recursive: true, force: true }));
  const oshift = (...words: string[]) =>
    spawnSync('sh', [join(ROOT, 'deploy/docker/entrypoint.sh'), ...words], {
      env: { PATH: process.env.PATH ?? '', OSHIFT_DIST: dist },
      encoding: 'utf8',
    });

  it('runs dist/apps/<app>/main.js with the arguments, `migrate` as `admin migrate`, and refuses anything else', () => {
    for (const app of ['admin', 'gateway']) {
      mkdirSync(join(dist, app));
      writeFileSync(join(dist, app, 'main.js'), `console.log(${JSON.stringify(app)}, process.argv.slice(2).join(' '))`);
    }
    // The web page's folder (dist/apps/web) is no app: it has no main.js.
    mkdirSync(join(dist, 'web'));
    writeFileSync(join(dist, 'web', 'index.html'), '<!doctype html>');
    expect(oshift('admin', 'user', 'add', 'alice')).toMatchObject({ status: 0, stdout: 'admin user add alice\n' });
    expect(oshift('migrate')).toMatchObject({ status: 0, stdout: 'admin migrate\n' });
    expect(oshift('gateway')).toMatchObject({ status: 0, stdout: 'gateway \n' });
    for (const wrong of ['nope', '../gateway', '', 'web'])
      expect(oshift(wrong)).toMatchObject({ status: 2, stderr: expect.stringContaining('apps: admin gateway') });
  });
});

describe('docker-compose.yml', () => {
  it('runs every app from the one image, with a command its entrypoint knows', () => {
    expect(appServices.map(([name]) => name).sort()).toEqual([
      'admin',
      'demo-seed',
      'gateway',
      'migrate',
      'openstack-sim',
      'worker',
    ]);
    for (const [name, service] of appServices) {
      expect({ name, build: service.build, image: service.image }).toEqual({
        name,
        build: { context: '.', dockerfile: 'Dockerfile' },
        image: '${OSHIFT_IMAGE:-oshift-self-service:local}',
      });
      const [app] = [...(service.entrypoint?.slice(1) ?? []), ...(service.command ?? [])];
      expect({ name, app: app === 'migrate' || builtApps.includes(app) }).toEqual({ name, app: true });
    }
  });

  it('gives the gateway a health check, restarts long-running services, and runs Redis as BullMQ needs', () => {
    expect(services.gateway.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:8080/readyz');
    expect(services.worker.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:9464/readyz');
    for (const name of ['postgres', 'redis', 'gateway', 'worker', 'openstack-sim'])
      expect({ name, restart: services[name].restart }).toEqual({ name, restart: 'unless-stopped' });
    for (const name of ['migrate', 'demo-seed']) expect(services[name].restart).toBe('no');
    expect(services.redis.command?.join(' ')).toMatch(/--appendonly yes.*--maxmemory-policy noeviction/);
  });

  it('wires the gateway and workers to the same Postgres and Redis, after the migrations', () => {
    for (const name of ['gateway', 'worker']) {
      const env = services[name].environment ?? {};
      expect(new URL(env.DATABASE_URL.replace(/\$\{\w+:-(\w+)\}/, '$1')).hostname).toBe('postgres');
      expect(new URL(env.REDIS_URL).hostname).toBe('redis');
      expect(env.REDIS_PREFIX).toBe(services.gateway.environment?.REDIS_PREFIX);
      expect(services[name].depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
    expect(services.migrate.command).toEqual(['migrate']);
  });

  it('has the operator CLI as a service that `up` leaves alone, and a demo profile that seeds the demo', () => {
    expect(services.admin).toMatchObject({ entrypoint: ['oshift', 'admin'], profiles: ['tools'] });
    expect(services['openstack-sim'].profiles).toEqual(['demo']);
    expect(services['demo-seed']).toMatchObject({
      profiles: ['demo'],
      command: ['demo', 'seed'],
      depends_on: { migrate: { condition: 'service_completed_successfully' } },
    });
    const identity = new URL(services['demo-seed'].environment?.DEMO_IDENTITY_URL ?? '');
    expect(identity.host).toBe(new URL(services['openstack-sim'].environment?.SIM_PUBLIC_URL ?? '').host);
    for (const name of ['postgres', 'redis', 'gateway', 'worker', 'migrate'])
      expect(services[name].profiles).toBeUndefined();
  });

  it("connects the demo cluster to the simulator's Kubernetes API, with the token the simulator gives it", async () => {
    const simulator = await OpenStackSimulator.start({ projects: [demoProject()] });
    try {
      const kube = simulator.kubernetes();
      const url = new URL(services['demo-seed'].environment?.DEMO_KUBE_API_URL ?? '');
      expect(url.host).toBe(new URL(services['openstack-sim'].environment?.SIM_PUBLIC_URL ?? '').host);
      expect(url.pathname).toBe(new URL(kube.url).pathname);
      for (const name of ['gateway', 'worker']) {
        expect(services[name].environment?.OSHIFT_SECRET_DEMO_KUBE).toBe(kube.token);
      }
    } finally {
      await simulator.close();
    }
  });

  it('lets workers scale (no fixed name, no published port) and publishes the gateway on loopback only', () => {
    expect(services.worker.container_name).toBeUndefined();
    expect(services.worker.ports).toBeUndefined();
    expect(services.gateway.ports).toEqual(['127.0.0.1:8080:8080']);
  });
});

describe('package.json', () => {
  const manifest = JSON.parse(read('package.json')) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
    allowScripts: Record<string, boolean>;
  };

  it('supports Node 22 and 24 from the floors CI tests (.ci/run), with the types of the lowest', () => {
    const floors = manifest.engines.node.match(/\d+\.\d+\.\d+/g) ?? [];
    expect(floors.map((version) => version.split('.')[0])).toEqual(['22', '24']);
    expect(manifest.devDependencies['@types/node']).toBe(`^${floors[0]}`);
    expect(read('.ci/run')).toContain('require("./package.json").engines.node');
  });

  it('denies the telemetry postinstall of @scarf/scarf', () => {
    expect(manifest.allowScripts['@scarf/scarf']).toBe(false);
  });
});
