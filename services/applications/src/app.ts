import { createServiceHttpApp, type HttpApp, type ServiceRuntime } from '@npq/service-kit';
import { applicationRoutes } from './applications/routes';
import { intakeRoutes } from './intake/routes';
import { peopleRoutes } from './people/routes';
import { sandboxRoutes } from './sandbox/routes';

/** The applications service's HTTP API (never listens; server.ts does). */
export function buildApplicationsApp(runtime: ServiceRuntime): HttpApp {
  const http = createServiceHttpApp(runtime);
  applicationRoutes(http.app, runtime);
  intakeRoutes(http.app, runtime);
  peopleRoutes(http.app, runtime);
  sandboxRoutes(http.app, runtime);
  return http;
}
