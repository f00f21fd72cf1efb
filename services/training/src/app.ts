import { createHttpApp, runtimeHealthChecks, type HttpApp, type ServiceRuntime } from '@npq/service-kit';

/** The training service's HTTP API (never listens; server.ts does). */
export function buildTrainingApp(runtime: ServiceRuntime): HttpApp {
  return createHttpApp({
    logger: runtime.logger,
    bodyLimit: runtime.config.BODY_LIMIT_BYTES,
    internalSecret: runtime.config.INTERNAL_API_SECRET,
    orm: runtime.orm,
    healthChecks: runtimeHealthChecks(runtime),
  });
}
