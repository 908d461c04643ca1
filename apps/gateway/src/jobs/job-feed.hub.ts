import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { type JobEvent, type JobLine, JobViews, jobEventsChannel, parseJobEvent } from '@oshift/jobs';
import { type Counter, MetricsRegistry } from '@oshift/observability';
import { RedisConnections } from '@oshift/redis';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import type { GatewayConfig } from '../gateway.config';

/** How often every follower gets a comment heartbeat, and a feed that heard nothing for as long is checked. */
export const HEARTBEAT_MS = 15000;

/** What the hub needs from one follower's stream. */
export interface JobFollower {
  /** The `n` of the last line this follower has been sent. */
  sent: number;
  /** Sends the stream's headers: the job exists and its lines follow. */
  open(): void;
  line(line: JobLine): void;
  end(state: 'done' | 'failed', errors: string): void;
  heartbeat(): void;
  /** Ends the stream without an `end` event (the gateway is stopping; the client resumes elsewhere). */
  close(): void;
}

/** The followers of one job and what the hub heard about it. */
interface JobFeed {
  jobId: string;
  clusterId: string;
  followers: Set<JobFollower>;
  /** Followers still reading their replay from Postgres, with the live events that arrived meanwhile. */
  pending: Map<JobFollower, JobEvent[]>;
  subscribed: Promise<unknown>;
  heardAt: number;
  catchingUp: boolean;
}

/**
 * Live job output for event-stream followers. One Redis subscriber connection per gateway, one channel
 * subscription per followed job, whatever the number of followers: the workers publish each line once
 * Postgres committed it, and the hub hands it to every follower. Postgres is read when a follower arrives
 * (its replay), and per job (not per follower) when a gap shows, at the end, after Redis reconnected, or
 * when a feed stayed silent a whole heartbeat: so no line is lost to a dropped message.
 */
@Injectable()
export class JobFeedHub implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(JobFeedHub.name);
  private readonly feeds = new Map<string, JobFeed>();
  private readonly subscriber: Redis;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly prefix: string;
  private connectedBefore = false;
  private readonly reads: Counter<'reason'>;

  constructor(
    private readonly views: JobViews,
    @Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'redis'>,
    metrics: MetricsRegistry,
    redis: RedisConnections,
  ) {
    this.reads = metrics.counter({
      name: 'oshift_job_stream_reads_total',
      help: 'Postgres reads of the job event streams: a follower arriving (replay), or a job catching up (catch_up)',
      labelNames: ['reason'],
    });
    const feeds = this.feeds;
    metrics.gauge({
      name: 'oshift_job_stream_followers',
      help: 'Event-stream followers connected to this gateway',
      collect() {
        this.set([...feeds.values()].reduce((sum, feed) => sum + feed.followers.size, 0));
      },
    });
    this.prefix = config.redis.prefix;
    // The process's one pub/sub connection (shared with the access-change notices): it resubscribes by itself.
    this.subscriber = redis.subscriber;
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // After a reconnection (ioredis subscribes again by itself), whatever was published meanwhile is read.
    this.connectedBefore = this.subscriber.status === 'ready';
    this.subscriber.on('ready', () => {
      if (this.connectedBefore) for (const feed of this.feeds.values()) void this.catchUp(feed);
      this.connectedBefore = true;
    });
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Number of jobs followed right now (for tests and metrics). */
  get followedJobs(): number {
    return this.feeds.size;
  }

  /**
   * Streams a job to `follower`: subscribes, reads the lines after `follower.sent` from Postgres, opens the
   * follower's stream and sends them, then live ones, then the end. Answers the function that detaches the
   * follower (call it when the client goes away), or null (nothing opened) when the cluster has no such job.
   */
  async follow(clusterId: string, jobId: string, follower: JobFollower): Promise<(() => void) | null> {
    const feed = this.feedOf(clusterId, jobId);
    feed.followers.add(follower);
    feed.pending.set(follower, []);
    const detach = () => this.detach(feed, follower);
    try {
      await feed.subscribed;
      this.reads.inc({ reason: 'replay' });
      const replay = await this.views.linesSince(clusterId, jobId, follower.sent);
      if (!replay) {
        detach();
        return null;
      }
      follower.open();
      this.deliver(follower, replay.lines);
      if (isEnded(replay.state)) {
        this.finish(feed, follower, replay.state, replay.errors);
        return detach;
      }
      const buffered = feed.pending.get(follower) ?? [];
      feed.pending.delete(follower);
      for (const event of buffered) this.apply(feed, follower, event);
    } catch (error) {
      detach();
      throw error;
    }
    return detach;
  }

  /**
   * Stopping: open streams are closed before the HTTP server waits for its connections, so that followers
   * reconnect (to another gateway) with their Last-Event-ID instead of holding this one up.
   */
  beforeApplicationShutdown(): void {
    for (const feed of [...this.feeds.values()]) {
      for (const follower of [...feed.followers]) {
        follower.close();
        this.detach(feed, follower);
      }
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
  }

  private feedOf(clusterId: string, jobId: string): JobFeed {
    let feed = this.feeds.get(jobId);
    if (!feed) {
      const channel = jobEventsChannel(this.prefix, jobId);
      const subscribed = (this.subscriber.status === 'wait' ? this.subscriber.connect() : Promise.resolve()).then(() =>
        this.subscriber.subscribe(channel),
      );
      feed = {
        jobId,
        clusterId,
        followers: new Set(),
        pending: new Map(),
        subscribed,
        heardAt: Date.now(),
        catchingUp: false,
      };
      this.feeds.set(jobId, feed);
    }
    return feed;
  }

  private detach(feed: JobFeed, follower: JobFollower): void {
    feed.followers.delete(follower);
    feed.pending.delete(follower);
    if (feed.followers.size > 0 || this.feeds.get(feed.jobId) !== feed) return;
    this.feeds.delete(feed.jobId);
    void feed.subscribed
      .then(() => this.subscriber.unsubscribe(jobEventsChannel(this.prefix, feed.jobId)))
      .catch(() => undefined);
  }

  private onMessage(channel: string, message: string): void {
    const ours = jobEventsChannel(this.prefix, '');
    if (!channel.startsWith(ours)) return;
    const jobId = channel.slice(ours.length);
    const feed = this.feeds.get(jobId);
    const event = parseJobEvent(message);
    if (!feed || !event) return;
    feed.heardAt = Date.now();
    for (const follower of [...feed.followers]) {
      const buffer = feed.pending.get(follower);
      if (buffer) buffer.push(event);
      else this.apply(feed, follower, event);
    }
  }

  /** A live event for a follower that has its replay: in order, or a gap (read from Postgres), or the end. */
  private apply(feed: JobFeed, follower: JobFollower, event: JobEvent): void {
    if (event.type === 'line') {
      if (event.n <= follower.sent) return;
      if (event.n === follower.sent + 1) follower.line({ n: event.n, time: event.time, text: event.text });
      else void this.catchUp(feed);
      return;
    }
    // The end follows the last line; make sure each follower had every line before it.
    void this.catchUp(feed);
  }

  /** Reads, once for every follower of the job, what they have not been sent, and ends them if it ended. */
  private async catchUp(feed: JobFeed): Promise<void> {
    if (feed.catchingUp) return;
    feed.catchingUp = true;
    try {
      const ready = [...feed.followers].filter((follower) => !feed.pending.has(follower));
      if (ready.length === 0) return;
      const from = Math.min(...ready.map((follower) => follower.sent));
      this.reads.inc({ reason: 'catch_up' });
      const since = await this.views.linesSince(feed.clusterId, feed.jobId, from);
      feed.heardAt = Date.now();
      if (!since) return;
      for (const follower of ready) {
        if (!feed.followers.has(follower)) continue;
        this.deliver(follower, since.lines);
        if (isEnded(since.state)) this.finish(feed, follower, since.state, since.errors);
      }
    } catch (error) {
      this.logger.warn({ msg: 'job feed could not catch up', jobId: feed.jobId, error: String(error) });
    } finally {
      feed.catchingUp = false;
    }
  }

  private deliver(follower: JobFollower, lines: JobLine[]): void {
    for (const line of lines) if (line.n === follower.sent + 1) follower.line(line);
  }

  private finish(feed: JobFeed, follower: JobFollower, state: 'done' | 'failed', errors: string): void {
    follower.end(state, errors);
    this.detach(feed, follower);
  }

  private beat(): void {
    const now = Date.now();
    for (const feed of this.feeds.values()) {
      for (const follower of feed.followers) follower.heartbeat();
      if (now - feed.heardAt >= HEARTBEAT_MS) void this.catchUp(feed);
    }
  }
}

function isEnded(state: string): state is 'done' | 'failed' {
  return state === 'done' || state === 'failed';
}
