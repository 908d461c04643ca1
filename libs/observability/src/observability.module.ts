import { type DynamicModule, Module } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

/** Makes the process's {@link MetricsRegistry} injectable. */
@Module({})
export class ObservabilityModule {
  static forRoot(metrics: MetricsRegistry): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      providers: [{ provide: MetricsRegistry, useValue: metrics }],
      exports: [MetricsRegistry],
    };
  }
}
