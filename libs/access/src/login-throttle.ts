import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { withinTimeout } from '@oshift/observability';
import { scanKeys } from '@oshift/redis';

export interface LoginThrottleOptions {
  /** Redis key prefix of the deployment (`REDIS_PREFIX`): every gateway of it shares the counters. */
  redisPrefix: string;
  /** Failures are counted in fixed windows this long, starting at the first failure. */
  windowMs: number;
  /** Failures of one username from one client address per window; more are refused until it ends. */
  maxPerUserAddress: number;
  /** Failures from one client address (any username) per window. */
  maxPerAddress: number;
  /** A Redis call slower than this lets the attempt through. */
  timeoutMs?: number;
}

/** May this login be attempted? When not, when may it be tried again. */
export type ThrottleDecision =
  | { allowed: true; userAddressFailures: number }
  | { allowed: false; retryAfterSeconds: number; scope: 'user-address' | 'address'; key: string };

const DEFAULT_TIMEOUT_MS = 500;

/**
 * Failed-login throttling, counted in Redis so it holds across gateway replicas: per username and
 * client address, and per client address alone. Over a limit, attempts are refused without
 * verifying the password until the window ends: a window always ends, so no lockout is permanent.
 * Only the username+address counter is cleared by a successful login; the address counter is not,
 * so a valid account cannot be used to reset an address that is guessing at others.
 * When Redis does not answer, attempts are allowed (with a warning): throttling must not become
 * an outage for everyone.
 */
export class LoginThrottle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LoginThrottle.name);
  private redisDown = false;
  /**
   * Counters with failures in their window, as every gateway records them (fed over pub/sub). A caller
   * with none needs no Redis round trip to be allowed; only while the feed is live is this trusted.
   */
  private readonly failing = new Map<string, number>();
  private feedLive = false;
  private sweeper?: NodeJS.Timeout;

  constructor(
    /** The process's `commands` connection: counters, fail fast. */
    private readonly redis: Redis,
    private readonly options: LoginThrottleOptions,
    /** The process's `subscriber` connection (shared with other channels); without one, every check asks Redis. */
    private readonly feed?: Redis,
  ) {}

  private get channel(): string {
    return `${this.options.redisPrefix}:login-failures-feed`;
  }

  /** Follows the failures every gateway records, starting from the counters already in Redis. */
  async onModuleInit(): Promise<void> {
    const feed = this.feed;
    // Windows end: forget their counters, so the map stays as small as the failures of one window.
    this.sweeper = setInterval(() => this.sweep(), Math.min(this.options.windowMs, 60_000));
    this.sweeper.unref();
    if (!feed) return;
    feed.on('close', () => (this.feedLive = false));
    feed.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const { keys, untilMs } = JSON.parse(message) as { keys: string[]; untilMs: number };
      for (const key of keys) this.failing.set(key, untilMs);
    });
    // Subscribed first, then the existing counters read: no failure falls in between. Again after every
    // reconnect of either connection (failures may have been missed meanwhile).
    const start = () => {
      if (feed.status === 'ready' && this.redis.status === 'ready') void this.startFeed(feed);
    };
    feed.on('ready', start);
    this.redis.on('ready', start);
    start();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    this.feedLive = false;
    if (this.feed?.status === 'ready') await this.feed.unsubscribe(this.channel).catch(() => undefined);
  }

  private async startFeed(feed: Redis): Promise<void> {
    try {
      await feed.subscribe(this.channel);
      for (const key of await scanKeys(this.redis, `${this.options.redisPrefix}:login-failures:*`)) {
        const ttl = await this.redis.pttl(key);
        if (ttl > 0 && !key.endsWith(':refused')) this.failing.set(key, Date.now() + ttl);
        else if (ttl === -1) this.failing.set(key, Number.MAX_SAFE_INTEGER);
      }
      this.feedLive = true;
    } catch {
      this.feedLive = false;
    }
  }

  private sweep(now = Date.now()): void {
    for (const [key, until] of this.failing) if (until <= now) this.failing.delete(key);
  }

  /** True when a counter of these keys may hold failures (or the feed cannot tell). */
  private mayHaveFailures(keys: string[], now = Date.now()): boolean {
    if (!this.feedLive) return true;
    return keys.some((key) => {
      const until = this.failing.get(key);
      if (until === undefined) return false;
      if (until > now) return true;
      this.failing.delete(key);
      return false;
    });
  }

  /**
   * True when `username` (null for a bearer token) has no failures from `address` in any window, known from
   * memory while the feed is live: the common case, which needs no Redis round trip (nor a promise).
   */
  knownClean(username: string | null, address: string): boolean {
    if (!this.feedLive) return false;
    // No failures anywhere in any window: nothing to look up (not even the counter names).
    if (this.failing.size === 0) return true;
    return !this.mayHaveFailures(this.keys(username, address).all);
  }

  /** Whether `username` (null for a bearer token) may try to log in from `address` now. */
  async check(username: string | null, address: string): Promise<ThrottleDecision> {
    if (this.knownClean(username, address)) return { allowed: true, userAddressFailures: 0 };
    const keys = this.keys(username, address);
    const pipeline = this.redis.multi();
    for (const key of keys.all) pipeline.get(key).pttl(key);
    const results = await this.call(() => pipeline.exec());
    if (!results) return { allowed: true, userAddressFailures: 0 };
    const values = results.map(([error, value]) => (error ? null : value));
    const counters = keys.all.map((key, index) => ({
      key,
      count: Number(values[index * 2] ?? 0),
      ttlMs: Number(values[index * 2 + 1] ?? -2),
    }));
    const [byAddress, userAddress] = counters;
    const limits: [(typeof counters)[number] | undefined, number, 'user-address' | 'address'][] = [
      [userAddress, this.options.maxPerUserAddress, 'user-address'],
      [byAddress, this.options.maxPerAddress, 'address'],
    ];
    for (const [counter, limit, scope] of limits) {
      if (!counter || counter.count < limit) continue;
      if (counter.ttlMs < 0) {
        // A counter without expiry would lock out for ever: give it its window back and let this one try.
        await this.call(() => this.redis.pexpire(counter.key, this.options.windowMs));
        continue;
      }
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(counter.ttlMs / 1000)),
        scope,
        key: counter.key,
      };
    }
    return { allowed: true, userAddressFailures: userAddress?.count ?? 0 };
  }

  /** Counts a failed attempt against both counters; a window starts at its first failure and is not extended. */
  async recordFailure(username: string | null, address: string): Promise<void> {
    const keys = this.keys(username, address).all;
    const pipeline = this.redis.multi();
    for (const key of keys) pipeline.set(key, 0, 'PX', this.options.windowMs, 'NX').incr(key);
    // Every gateway (this one included) learns that these counters now hold failures.
    const untilMs = Date.now() + this.options.windowMs;
    for (const key of keys) this.failing.set(key, untilMs);
    pipeline.publish(this.channel, JSON.stringify({ keys, untilMs }));
    await this.call(() => pipeline.exec());
  }

  /** A successful login clears the failures of that username from that address only. */
  async recordSuccess(username: string, address: string): Promise<void> {
    const key = this.keys(username, address).userAddress;
    if (key) await this.call(() => this.redis.del(key));
  }

  /**
   * True for the first refusal of a throttled counter in its window, so a refused flood leaves one
   * audit record instead of one per request.
   */
  async firstRefusal(decision: Extract<ThrottleDecision, { allowed: false }>): Promise<boolean> {
    const noted = await this.call(() =>
      this.redis.set(`${decision.key}:refused`, 1, 'PX', decision.retryAfterSeconds * 1000, 'NX'),
    );
    return noted === 'OK';
  }

  private keys(username: string | null, address: string): { all: string[]; userAddress?: string } {
    const base = `${this.options.redisPrefix}:login-failures`;
    const bucket = addressBucket(address);
    const byAddress = `${base}:addr:${bucket}`;
    if (username === null) return { all: [byAddress] };
    // Hashed: a username field sometimes holds a password typed in the wrong box.
    const user = createHash('sha256').update(username).digest('base64url').slice(0, 22);
    const userAddress = `${base}:user-addr:${user}:${bucket}`;
    return { all: [byAddress, userAddress], userAddress };
  }

  /** Runs a Redis call; on failure or timeout logs (once per outage) and answers undefined. */
  private async call<T>(work: () => Promise<T>): Promise<T | undefined> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      const result = await withinTimeout(work(), timeoutMs, () => new Error('Redis did not answer in time'));
      if (this.redisDown) {
        this.redisDown = false;
        this.logger.log({ msg: 'login throttling is back: Redis answers again' });
      }
      return result;
    } catch (error) {
      if (!this.redisDown) {
        this.redisDown = true;
        this.logger.warn({
          msg: 'login throttling is off while Redis is unavailable: attempts are allowed',
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return undefined;
    }
  }
}

/**
 * The address a counter is kept for: an IPv4 address as it is (IPv4-mapped IPv6 included), an IPv6
 * address by its /64 (one customer usually holds a whole /64, and could otherwise rotate through it).
 */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(address)) return address;
  const plain = address.replace(/%.*$/, '');
  if (!isIPv6(plain)) return address;
  return `${expandIPv6(plain).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  let text = address;
  // A trailing dotted quad (e.g. ::1.2.3.4) is two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => parseInt(group || '0', 16).toString(16));
}

/** Too many failed logins from this address (for this username): refused unverified until the window ends. */
export class TooManyLoginFailuresError extends Error {
  override readonly name = 'TooManyLoginFailuresError';
  constructor(readonly retryAfterSeconds: number) {
    super('too many failed logins');
  }
}
