import { z } from 'zod';
import { ConfigError } from './config.error';
import { flag, port, postgresUrl } from './schema-fragments';
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
