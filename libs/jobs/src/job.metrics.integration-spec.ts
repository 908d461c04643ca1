import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { MetricsRegistry } from '@oshift/observability';
import { dataSourceOptions } from '@oshift/persistence';
import { connectRedis } from '@oshift/redis';
import { testServices, uniqueName } from '@oshift/testing';
import { jobEntities } from './job.entities';
import { JobMetrics } from './job.metrics';

/** The value of one sample of a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('JobMetrics: depth and age of each queue', () => {
  let dataSource: DataSource;
  const queues: Queue[] = [];
  const connection = connectRedis(testServices().redisUrl, 'commands', { maxRetriesPerRequest: null });

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testServices().databaseUrl, poolSize: 2 }, jobEntities));
    await dataSource.initialize();
  });

  afterAll(async () => {
    for (const queue of queues) await queue.obliterate({ force: true }).finally(() => queue.close());
    await connection.quit();
    await dataSource?.destroy();
  });

  it('exports each queue’s waiting messages and how long the oldest has waited, by queue', async () => {
    const prefix = `${testServices().redisPrefix}:${uniqueName('metrics')}`;
    const [reboot, webhook] = ['reboot', 'webhook'].map((name) => new Queue(name, { connection, prefix }));
    queues.push(reboot, webhook);
    await webhook.add('deliver', { n: 1 });
    await webhook.add('deliver', { n: 2 });
    // No worker takes them: they wait. Scrapes are cached 5 s, so this registry's first scrape comes after the wait.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const metrics = new MetricsRegistry({ processMetrics: false });
    new JobMetrics(metrics, dataSource, reboot, [webhook]);
    const text = await metrics.exposition();

    expect(sample(text, 'oshift_queue_jobs{queue="webhook",state="waiting"}')).toBe(2);
    expect(sample(text, 'oshift_queue_jobs{queue="reboot",state="waiting"}')).toBe(0);
    expect(sample(text, 'oshift_queue_oldest_waiting_seconds{queue="reboot"}')).toBe(0);
    const age = sample(text, 'oshift_queue_oldest_waiting_seconds{queue="webhook"}')!;
    expect(age).toBeGreaterThanOrEqual(1.2);
    expect(age).toBeLessThan(30);
  });
});
