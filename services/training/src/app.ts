import { createServiceHttpApp, type HttpApp, type ServiceRuntime } from '@npq/service-kit';
import { DeliveryRepository } from './dqt/repository';
import { outcomeDeliveryRoutes } from './dqt/routes';
import { DQT_PUSH_QUEUE, DQT_SWEEP_QUEUE } from './jobs/dqt-push';
import { participantActionRoutes } from './enrolments/routes';
import { outcomeRoutes } from './outcomes/routes';
import { participantReadRoutes } from './participants/routes';
import { qualificationRoutes } from './qualifications/routes';
import { sandboxRoutes } from './sandbox/routes';

/** The training service's HTTP API (never listens; server.ts does). */
export function buildTrainingApp(runtime: ServiceRuntime): HttpApp {
  // The status page's figures (docs/operations.md, "System status"): the DQT queues and deliveries.
  const http = createServiceHttpApp(runtime, {
    queues: [DQT_PUSH_QUEUE, DQT_SWEEP_QUEUE],
    status: async (em) => ({ outcome_deliveries: await new DeliveryRepository(em).countOpen() }),
  });
  // Fastify matches the static `/participants/npq/outcomes` before `/participants/npq/:id`.
  outcomeRoutes(http.app, runtime);
  participantReadRoutes(http.app);
  participantActionRoutes(http.app, runtime);
  qualificationRoutes(http.app);
  outcomeDeliveryRoutes(http.app, runtime);
  sandboxRoutes(http.app, runtime);
  return http;
}
