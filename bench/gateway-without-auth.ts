/**
 * Benchmark only: the gateway exactly as `apps/gateway/src/main.ts` starts it, except that its global auth
 * guard (HTTP Basic + access policy) is replaced by one that admits every request as a fixed principal.
 * It measures what authentication costs. The swap happens here, in the benchmark, so the product has no
 * setting that turns authentication off; and this entry refuses to listen anywhere but on loopback.
 */
import 'reflect-metadata';
import type { CanActivate, DynamicModule, ExecutionContext, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Principal } from '@oshift/access';
import { loadConfigOrExit } from '@oshift/config';
import { ProcessLogger } from '@oshift/observability';
import { AuthGuard } from '../apps/gateway/src/auth/auth.guard';
import { createGatewayApp } from '../apps/gateway/src/gateway.app';
import { loadGatewayConfig } from '../apps/gateway/src/gateway.config';
import { GatewayModule } from '../apps/gateway/src/gateway.module';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const BENCH_PRINCIPAL: Principal = {
  userId: '00000000-0000-0000-0000-000000000000',
  username: 'bench-operator',
  method: 'basic',
  grants: new Map(),
};

/** Admits every request, as the gateway's guard does for a caller it authenticated and authorised. */
class AdmitEveryone implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    context.switchToHttp().getRequest<{ user?: Principal }>().user = BENCH_PRINCIPAL;
    return true;
  }
}

/** The gateway module tree with its auth guard swapped, wherever in the tree the guard is declared. */
function withoutAuthentication(root: DynamicModule): DynamicModule {
  let swapped = 0;
  const isAuthGuard = (provider: Provider) =>
    typeof provider === 'object' && 'provide' in provider && provider.provide === APP_GUARD && 'useClass' in provider
      ? provider.useClass === AuthGuard
      : false;
  // A module imported in two places (auth, imported again by the query check) is swapped once, into one copy.
  const visited = new Map<DynamicModule, DynamicModule>();
  const visit = (module: DynamicModule): DynamicModule => {
    const known = visited.get(module);
    if (known) return known;
    const copy: DynamicModule = {
      ...module,
      imports: module.imports?.map((imported) =>
        typeof imported === 'object' && imported !== null && 'module' in imported ? visit(imported) : imported,
      ),
      providers: module.providers?.map((provider) => {
        if (!isAuthGuard(provider)) return provider;
        swapped += 1;
        return { provide: APP_GUARD, useValue: new AdmitEveryone() };
      }),
    };
    visited.set(module, copy);
    return copy;
  };
  const result = visit(root);
  if (swapped !== 1) throw new Error(`expected one AuthGuard declared as APP_GUARD in the gateway, found ${swapped}`);
  return result;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadGatewayConfig());
  if (!LOOPBACK.has(config.http.host)) {
    process.stderr.write('gateway-without-auth is a benchmark tool: it listens on loopback only\n');
    process.exit(78);
  }
  const forRoot = GatewayModule.forRoot.bind(GatewayModule);
  GatewayModule.forRoot = (given) => withoutAuthentication(forRoot(given));

  const logger = new ProcessLogger({ service: 'gateway-without-auth', level: config.logLevel });
  const app = await createGatewayApp(config, logger);
  await app.listen(config.http.port, config.http.host);
  logger.announce('Gateway', 'listening', { url: await app.getUrl() });
}

void main();
