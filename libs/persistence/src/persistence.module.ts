import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, type DatabaseSettings, type EntityList } from './data-source-options';

/** The TypeORM data source of a process, from its validated configuration and the entities its libs own. */
@Module({})
export class PersistenceModule {
  static forRoot(settings: DatabaseSettings, entities: EntityList): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(settings, entities),
          // Fail fast at boot, then let the pool reconnect by itself: no restart after an outage.
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
