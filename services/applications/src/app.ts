import { createServiceHttpApp, type HttpApp, type ServiceRuntime } from '@npq/service-kit';
import { applicationCommandRoutes } from './applications/command-routes';
import { applicationReadRoutes } from './applications/routes';
import { intakeRoutes } from './intake/routes';
import { peopleRoutes } from './people/routes';

/** The applications service's HTTP API (never listens; server.ts does). */
export function buildApplicationsApp(runtime: ServiceRuntime): HttpApp {
  const http = createServiceHttpApp(runtime);
  applicationReadRoutes(http.app);
  applicationCommandRoutes(http.app, runtime);
  intakeRoutes(http.app, runtime);
  peopleRoutes(http.app, runtime);
  return http;
}
