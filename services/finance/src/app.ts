import { createHttpApp, runtimeHealthChecks, type HttpApp, type ServiceRuntime } from '@npq/service-kit';

/** The finance service's HTTP API (never listens; server.ts does). */
export function buildFinanceApp(runtime: ServiceRuntime): HttpApp {
  return createHttpApp({
    logger: runtime.logger,
    bodyLimit: runtime.config.BODY_LIMIT_BYTES,
    internalSecret: runtime.config.INTERNAL_API_SECRET,
    orm: runtime.orm,
    healthChecks: runtimeHealthChecks(runtime),
  });
}
