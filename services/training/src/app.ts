import { createServiceHttpApp, type HttpApp, type ServiceRuntime } from '@npq/service-kit';
import { outcomeDeliveryRoutes } from './dqt/routes';
import { participantActionRoutes } from './enrolments/routes';
import { outcomeRoutes } from './outcomes/routes';
import { participantReadRoutes } from './participants/routes';
import { qualificationRoutes } from './qualifications/routes';
import { sandboxRoutes } from './sandbox/routes';

/** The training service's HTTP API (never listens; server.ts does). */
export function buildTrainingApp(runtime: ServiceRuntime): HttpApp {
  const http = createServiceHttpApp(runtime);
  // Fastify matches the static `/participants/npq/outcomes` before `/participants/npq/:id`.
  outcomeRoutes(http.app, runtime);
  participantReadRoutes(http.app);
  participantActionRoutes(http.app, runtime);
  qualificationRoutes(http.app);
  outcomeDeliveryRoutes(http.app, runtime);
  sandboxRoutes(http.app, runtime);
  return http;
}
