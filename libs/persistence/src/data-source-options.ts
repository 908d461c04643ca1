import type { DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';
import { TimeoutClosingPgClient } from './timeout-closing-pg.client';

export interface DatabaseSettings {
  url: string;
  /** Connections in this process's pool. */
  poolSize?: number;
  /** Milliseconds to wait for a connection before failing the query (a down database answers 503, not a hang). */
  connectTimeoutMs?: number;
  /** Milliseconds a single statement may run. */
  statementTimeoutMs?: number;
}

/** The entity classes a process uses: each domain lib exports its own list (`jobEntities`, …). */
export type EntityList = NonNullable<DataSourceOptions['entities']>;

/**
 * TypeORM options for the service's schema: the explicit entities the process hands in (the domain libs
 * own them; the migrations, not the entities, define the schema), migrations, never `synchronize`.
 */
export function dataSourceOptions(settings: DatabaseSettings, entities: EntityList = []): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: ['error'],
    extra: {
      max: settings.poolSize ?? 10,
      connectionTimeoutMillis: settings.connectTimeoutMs ?? 3000,
      statement_timeout: settings.statementTimeoutMs ?? 10000,
      // The client's own limit, a moment after the server's: when the network to Postgres drops packets, the
      // server can neither cancel nor answer, and without it a query on an open connection waits forever.
      query_timeout: (settings.statementTimeoutMs ?? 10000) + 1000,
      // …and such a connection is closed rather than handed to the next query.
      Client: TimeoutClosingPgClient,
      application_name: 'oshift-self-service',
    },
  };
}
