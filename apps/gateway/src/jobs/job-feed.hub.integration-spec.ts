import type Redis from 'ioredis';
import { JobEventPublisher, type JobLine, type JobLinesSince, type JobViews } from '@oshift/jobs';
import { MetricsRegistry } from '@oshift/observability';
import { RedisConnections, connectRedis } from '@oshift/redis';
import { testServices, uniqueName } from '@oshift/testing';
import type { GatewayConfig } from '../gateway.config';
import { JobFeedHub, type JobFollower } from './job-feed.hub';

/** The job's lines and state as Postgres would hold them, and how often the hub read them. */
class FakeJob {
  lines: JobLine[] = [];
  state: JobLinesSince['state'] = 'running';
  errors = '';
  reads = 0;

  write(text: string): JobLine {
    const line = { n: this.lines.length + 1, time: new Date().toISOString(), text };
    this.lines.push(line);
    return line;
  }

  views(): JobViews {
    return {
      linesSince: async (_cluster: string, _job: string, since: number) => {
        this.reads += 1;
        return { state: this.state, errors: this.errors, lines: this.lines.filter((l) => l.n > since), next: 0 };
      },
    } as unknown as JobViews;
  }
}

class RecordingFollower implements JobFollower {
  opened = false;
  texts: string[] = [];
  ended?: string;
  constructor(public sent = 0) {}
  open(): void {
    this.opened = true;
  }
  line(line: JobLine): void {
    this.texts.push(`${line.n}:${line.text}`);
    this.sent = line.n;
  }
  end(state: string, errors: string): void {
    this.ended = `${state}:${errors}`;
  }
  heartbeat(): void {}
  close(): void {
    this.ended = 'closed';
  }
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(check()).toBe(true);
};

describe('JobFeedHub against Redis', () => {
  const { redisUrl, redisPrefix } = testServices();
  const prefix = `${redisPrefix}-${uniqueName('hub')}`;
  const config = { redis: { target: { kind: 'standalone', url: redisUrl }, prefix } } as Pick<GatewayConfig, 'redis'>;
  let redis: Redis;
  let publisher: JobEventPublisher;
  let connections: RedisConnections;

  beforeAll(() => {
    redis = connectRedis(redisUrl, 'one-shot');
    publisher = new JobEventPublisher(redis, prefix);
    connections = new RedisConnections(redisUrl);
  });
  afterAll(() => {
    redis.disconnect();
    connections.onApplicationShutdown();
  });

  it('replays, relays live lines in order, reads a gap once for every follower, and ends them', async () => {
    const job = new FakeJob();
    job.write('n REBOOT');
    const hub = new JobFeedHub(job.views(), config, new MetricsRegistry(), connections);
    try {
      const [a, b] = [new RecordingFollower(), new RecordingFollower(1)];
      expect(await hub.follow('c', 'job-1', a)).not.toBeNull();
      expect(await hub.follow('c', 'job-1', b)).not.toBeNull();
      expect([a.opened, a.texts, b.texts]).toEqual([true, ['1:n REBOOT'], []]);
      const readsAfterReplay = job.reads;

      publisher.line('job-1', job.write('n REBOOT'));
      await until(() => a.texts.length === 2 && b.texts.length === 1);
      expect(job.reads).toBe(readsAfterReplay); // live lines cost Postgres nothing

      job.write('n ACTIVE'); // committed, its message lost
      publisher.line('job-1', job.write('Done'));
      await until(() => a.texts.length === 4 && b.texts.length === 3);
      expect(a.texts).toEqual(['1:n REBOOT', '2:n REBOOT', '3:n ACTIVE', '4:Done']);
      expect(job.reads).toBe(readsAfterReplay + 1); // one read for both followers

      job.state = 'done';
      publisher.end('job-1', 'done', '');
      await until(() => a.ended !== undefined && b.ended !== undefined);
      expect([a.ended, b.ended]).toEqual(['done:', 'done:']);
      expect(hub.followedJobs).toBe(0);
    } finally {
      hub.onApplicationShutdown();
    }
  });

  it('answers null for a job the cluster does not have, and ends a follower of an ended job at once', async () => {
    const missing = new JobFeedHub(
      { linesSince: async () => null } as unknown as JobViews,
      config,
      new MetricsRegistry(),
      connections,
    );
    const job = new FakeJob();
    job.write('Fail');
    job.state = 'failed';
    job.errors = 'n went ERROR';
    const hub = new JobFeedHub(job.views(), config, new MetricsRegistry(), connections);
    try {
      const nobody = new RecordingFollower();
      expect(await missing.follow('c', 'job-2', nobody)).toBeNull();
      expect([nobody.opened, missing.followedJobs]).toEqual([false, 0]);
      const late = new RecordingFollower();
      await hub.follow('c', 'job-3', late);
      expect([late.texts, late.ended, hub.followedJobs]).toEqual([['1:Fail'], 'failed:n went ERROR', 0]);
    } finally {
      missing.onApplicationShutdown();
      hub.onApplicationShutdown();
    }
  });
});
