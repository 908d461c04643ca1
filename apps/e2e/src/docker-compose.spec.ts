import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

// No Docker engine runs the compose file here, so its shape and wiring are checked instead.
const ROOT = resolve(__dirname, '../../..');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  ports?: string[];
  container_name?: string;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has postgres, redis, migrations, gateway, worker, and the simulator only under the demo profile', () => {
    expect(Object.keys(services).sort()).toEqual([
      'gateway',
      'migrate',
      'openstack-sim',
      'postgres',
      'redis',
      'worker',
    ]);
    expect(services['openstack-sim'].profiles).toEqual(['demo']);
    for (const name of ['postgres', 'redis', 'gateway', 'worker', 'migrate'])
      expect(services[name].profiles).toBeUndefined();
  });

  it('wires the gateway and workers to the same Postgres and Redis, after the migrations', () => {
    for (const name of ['gateway', 'worker']) {
      const env = services[name].environment ?? {};
      expect(new URL(env.DATABASE_URL).hostname).toBe('postgres');
      expect(new URL(env.REDIS_URL).hostname).toBe('redis');
      expect(env.REDIS_PREFIX).toBe(services.gateway.environment?.REDIS_PREFIX);
      expect(services[name].depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
    expect(services.migrate.command?.slice(-1)).toEqual(['migrate']);
  });

  it('lets workers scale (no fixed name, no published port) and publishes the gateway on loopback only', () => {
    expect(services.worker.container_name).toBeUndefined();
    expect(services.worker.ports).toBeUndefined();
    expect(services.gateway.ports).toEqual(['127.0.0.1:8080:8080']);
  });

  it('builds each app from a Dockerfile whose command starts an entry point that exists', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue;
      const dockerfile = readFileSync(join(ROOT, service.build.dockerfile), 'utf8');
      const cmd = service.command ?? JSON.parse(/^CMD (.+)$/m.exec(dockerfile)?.[1] ?? '[]');
      const entry = cmd.find((part: string) => part.endsWith('main.ts'));
      expect({ name, entryExists: existsSync(join(ROOT, entry)) }).toEqual({ name, entryExists: true });
      const copied = /^COPY apps\/([\w-]+) /m.exec(dockerfile)?.[1];
      expect(entry.startsWith(`apps/${copied}/`)).toBe(true);
    }
  });
});
