import { z } from 'zod';
import { ConfigError, parseConfig } from '@oshift/config';
import { redisEnvironment, redisSettings } from './redis-settings';

const schema = z.object(redisEnvironment).transform((env, ctx) => redisSettings(env, ctx, 'redis://127.0.0.1:6379'));
const load = (env: Record<string, string>) => parseConfig(schema, env);

describe('the Redis settings of a process', () => {
  it('defaults to one local server, keys under oshift', () => {
    expect(load({})).toEqual({ target: { kind: 'standalone', url: 'redis://127.0.0.1:6379' }, prefix: 'oshift' });
  });

  it('takes REDIS_PASSWORD into a URL without one', () => {
    expect(load({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD: 'pw' }).target).toEqual({
      kind: 'standalone',
      url: 'redis://:pw@redis:6379',
    });
  });

  it('reaches the primary Sentinel names, mymaster unless told otherwise', () => {
    expect(
      load({
        REDIS_SENTINELS: 'sentinel-0:26379, sentinel-1:26379,[fd00::2]:26380',
        REDIS_SENTINEL_PASSWORD: 'sp',
        REDIS_PASSWORD: 'rp',
        REDIS_PREFIX: 'fleet',
      }),
    ).toEqual({
      target: {
        kind: 'sentinel',
        sentinels: [
          { host: 'sentinel-0', port: 26379 },
          { host: 'sentinel-1', port: 26379 },
          { host: 'fd00::2', port: 26380 },
        ],
        name: 'mymaster',
        sentinelPassword: 'sp',
        password: 'rp',
      },
      prefix: 'fleet',
    });
  });

  it('hash-tags the prefix on a Cluster, so every key of the deployment lands in one slot', () => {
    expect(load({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000', REDIS_PREFIX: 'oshift' })).toEqual({
      target: {
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7000 },
        ],
      },
      prefix: '{oshift}',
    });
  });

  it.each([
    [
      { REDIS_URL: 'redis://a:6379', REDIS_SENTINELS: 'b:26379' },
      'REDIS_SENTINELS: set only one of REDIS_URL and REDIS_SENTINELS',
    ],
    [
      { REDIS_SENTINELS: 'b:26379', REDIS_CLUSTER_NODES: 'c:7000' },
      'REDIS_CLUSTER_NODES: set only one of REDIS_SENTINELS and REDIS_CLUSTER_NODES',
    ],
    [{ REDIS_SENTINELS: 'b:263790' }, 'REDIS_SENTINELS: "b:263790" is not host:port, expected host:port,…'],
    [{ REDIS_CLUSTER_NODES: 'c' }, 'REDIS_CLUSTER_NODES: "c" is not host:port, expected host:port,…'],
  ])('refuses %j with one clear line', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(`invalid configuration: ${message}`);
  });
});
