import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfigOrExit } from '@oshift/config';
import { OpenStackSimulator, demoProject } from '@oshift/openstack-sim';
import { EmbeddedPostgres, dataSourceOptions, migrate } from '@oshift/persistence';
import { AppProcess } from './app-process';
import { loadDemoConfig } from './demo.config';
import { demoSecretKey } from './demo-secret-key';
import {
  DEMO_CLUSTER,
  DEMO_KUBE_TOKEN_VARIABLE,
  DEMO_SECRET_VARIABLE,
  DEMO_USERS,
  demoEntities,
  seedDemoData,
} from './demo-data';
import { seedDemo } from './demo-seed';
import { LocalRedis } from './local-redis';

/**
 * `npm start`: the whole system on one machine — Postgres (embedded unless DATABASE_URL is set),
 * Redis, the OpenStack simulator with the demo cluster, a worker and the gateway. Ctrl-C stops it all.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadDemoConfig());
  if (process.argv[2] === 'seed') {
    await seedDemo(config).then(say, (error: Error) => {
      process.stderr.write(`demo seed failed: ${error.message}\n`);
      process.exitCode = 1;
    });
    return;
  }
  const stack: { name: string; stop: () => Promise<unknown> | void }[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const part of stack.reverse()) await Promise.resolve(part.stop()).catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    say('starting Postgres…');
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const embedded = await EmbeddedPostgres.start({ dataDir: join(config.dataDir, 'pglite') });
      stack.push({ name: 'postgres', stop: () => embedded.stop() });
      databaseUrl = embedded.url;
    }
    await migrate({ url: databaseUrl });

    const redis = await LocalRedis.start(config.redis.url);
    stack.push({ name: 'redis', stop: () => redis.stop() });
    say(`Redis at ${redis.url}${redis.private ? ' (private, started for this run)' : ''}`);

    const project = demoProject();
    const simulator = await OpenStackSimulator.start({
      port: config.simulator.port,
      projects: [project],
      knobs: {
        rebootDurationMs: config.simulator.rebootDurationMs,
        nodeReadyDelayMs: config.simulator.nodeReadyDelayMs,
      },
    });
    stack.push({ name: 'openstack-sim', stop: () => simulator.close() });
    // The demo cluster is connected to its (simulated) Kubernetes API, so reboots drain and wait for Ready.
    const kube = config.simulator.kube ? simulator.kubernetes(project.id) : undefined;
    say(`OpenStack simulator at ${simulator.url}${kube ? `, the cluster's Kubernetes API at ${kube.url}` : ''}`);

    const dataSource = new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 1 }, demoEntities));
    await dataSource.initialize();
    await seedDemoData(dataSource, project, simulator.identityUrl, kube?.url);
    await dataSource.destroy();

    const shared = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: config.redis.prefix,
      LOG_LEVEL: config.logLevel,
      [DEMO_SECRET_VARIABLE]: project.users[0].password,
      // Opens the webhooks' sealed signing secrets (the worker signs deliveries with them).
      CLUSTER_SECRET_KEY: demoSecretKey(config.clusterSecretKey, config.dataDir),
      ...(kube ? { [DEMO_KUBE_TOKEN_VARIABLE]: kube.token } : {}),
    };
    const worker = AppProcess.start(
      'worker',
      'apps/worker/src/main.ts',
      {
        ...shared,
        DATABASE_POOL_SIZE: '4',
        POLL_INTERVAL_MS: String(config.pollIntervalMs),
        OUTPUT_LINE_SECONDS: String(config.outputLineSeconds),
        // Health and metrics on any free port (printed when the worker is ready), so a demo never collides.
        WORKER_HTTP_PORT: '0',
        // Webhook events link to the demo's gateway, and may go to a receiver on this machine (http://127.0.0.1:…).
        PUBLIC_URL: `http://${config.http.host}:${config.http.port}`,
        WEBHOOK_ALLOW_LOOPBACK: 'true',
      },
      config.path,
    );
    stack.push({ name: 'worker', stop: () => worker.stop() });
    const gateway = AppProcess.start(
      'gateway',
      'apps/gateway/src/main.ts',
      {
        ...shared,
        DATABASE_POOL_SIZE: '4',
        HOST: config.http.host,
        PORT: String(config.http.port),
        // Metrics on any free port too (printed in its "listening" line).
        METRICS_PORT: '0',
      },
      config.path,
    );
    stack.push({ name: 'gateway', stop: () => gateway.stop() });
    await Promise.all([worker.ready(/consuming reboot jobs/), gateway.ready(/"listening"/)]);

    const base = `http://${config.http.host}:${config.http.port}`;
    say('');
    say(`OpenShift self-service API on ${base} with demo cluster ${DEMO_CLUSTER}`);
    for (const user of DEMO_USERS)
      say(
        `  user ${user.username} / password ${user.password} (${user.role === 'reboot' ? 'may reboot' : 'read-only'})`,
      );
    say(`Open ${base}/ in a browser and sign in as operator / operator, or use the command line:`);
    say(`  export OSHIFT_URL=${base} OSHIFT_CLUSTER=${DEMO_CLUSTER} OSHIFT_USER=operator OSHIFT_PASSWORD=operator`);
    say('  npm run -s oshift -- nodes');
    say('  npm run -s oshift -- reboot worker-0.openstacklocal --follow');
    say('or curl:');
    say(`  curl -u viewer:viewer ${base}/api/openshift/${DEMO_CLUSTER}/nodestatus`);
    say(`  curl -u operator:operator -d target=worker-0.openstacklocal ${base}/api/openshift/${DEMO_CLUSTER}/reboot`);
    say(`  curl -u viewer:viewer ${base}/api/openshift/${DEMO_CLUSTER}/job/<job_id>`);
    say('The operator CLI reaches this demo with (in another terminal):');
    say(
      `  export DATABASE_URL='${databaseUrl}' REDIS_URL=${redis.url} REDIS_PREFIX=${config.redis.prefix} ` +
        `CLUSTER_SECRET_KEY='${shared.CLUSTER_SECRET_KEY}' WEBHOOK_ALLOW_LOOPBACK=true`,
    );
    say('  npm run admin -- user list');
    say(`  npm run admin -- webhook add ${DEMO_CLUSTER} http://127.0.0.1:9000/hook   # a receiver there gets job ends`);
    say('Ctrl-C stops everything.');
    await Promise.any([worker.exited, gateway.exited]);
    if (stopping) return;
    say('a process stopped unexpectedly; stopping the demo');
    await stopAll(1);
  } catch (error) {
    process.stderr.write(`demo failed to start: ${(error as Error).message}\n`);
    await stopAll(1);
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

void main();
