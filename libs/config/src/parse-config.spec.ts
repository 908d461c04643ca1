import { z } from 'zod';
import { ConfigError } from './config.error';
import { clusterSecretKey, flag, port, postgresUrl } from './schema-fragments';
import { parseConfig } from './parse-config';

const schema = z
  .object({ PORT: port(8080), DATABASE_URL: postgresUrl, DEBUG: flag(false) })
  .transform((env) => ({ http: { port: env.PORT }, database: { url: env.DATABASE_URL }, debug: env.DEBUG }));

describe('parseConfig', () => {
  it('returns the grouped, typed configuration with defaults applied', () => {
    expect(parseConfig(schema, { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', DEBUG: 'yes' })).toEqual({
      http: { port: 8080 },
      database: { url: 'postgres://u@127.0.0.1:5432/db' },
      debug: true,
    });
  });

  it('names every offending variable in one line', () => {
    const run = () => parseConfig(schema, { PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    expect(run).toThrow(ConfigError);
    // `.` matches no line break: the whole message is this one line.
    expect(run).toThrow(/^invalid configuration: PORT: .*; DATABASE_URL: must be a postgres:\/\/ URL$/);
  });
});

describe('clusterSecretKey', () => {
  const keySchema = z.object({ CLUSTER_SECRET_KEY: clusterSecretKey });
  it('takes 32 bytes of base64, and treats unset or empty as no key', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(parseConfig(keySchema, { CLUSTER_SECRET_KEY: key })).toEqual({ CLUSTER_SECRET_KEY: key });
    expect(parseConfig(keySchema, { CLUSTER_SECRET_KEY: '' })).toEqual({ CLUSTER_SECRET_KEY: undefined });
    expect(parseConfig(keySchema, {})).toEqual({ CLUSTER_SECRET_KEY: undefined });
  });
  it.each([Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not base64 at all!'])(
    'refuses %j in one line',
    (value) => {
      expect(() => parseConfig(keySchema, { CLUSTER_SECRET_KEY: value })).toThrow(
        new ConfigError('invalid configuration: CLUSTER_SECRET_KEY: must be 32 bytes, base64'),
      );
    },
  );
});
