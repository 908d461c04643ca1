import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { QueryParametersGuard } from './query-parameters.guard';

/**
 * The query-string check as a global guard that runs after the authentication guard: Nest runs global guards in
 * the order their modules are scanned, so the gateway imports this module after `auth` (the module it is given,
 * which provides `RequestAudit`). A caller who is not authenticated is told so (401) before anything about its
 * query, and a refusal is recorded with who asked.
 */
@Module({})
export class QueryParametersModule {
  static after(auth: DynamicModule): DynamicModule {
    return {
      module: QueryParametersModule,
      imports: [auth],
      providers: [{ provide: APP_GUARD, useClass: QueryParametersGuard }],
    };
  }
}
