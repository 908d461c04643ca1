import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, type DatabaseSettings } from './data-source-options';

/** The TypeORM data source of a process, from its validated configuration. */
@Module({})
export class PersistenceModule {
  static forRoot(settings: DatabaseSettings): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(settings),
          // Fail fast at boot, then let the pool reconnect by itself: no restart after an outage.
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
