import { createServiceHttpApp, type HttpApp, type ServiceRuntime } from '@npq/service-kit';
import { deliveryRoutes } from './deliveries/routes';
import { WEBHOOK_DELIVERY_QUEUE } from './jobs/deliver';
import { SubscriptionRepository } from './subscriptions/repository';
import type { Resolver } from './subscriptions/rules';
import { subscriptionRoutes } from './subscriptions/routes';

/** The webhooks service's HTTP API (never listens; server.ts does). `resolve` replaces DNS in tests. */
export function buildWebhooksApp(runtime: ServiceRuntime, options: { resolve?: Resolver } = {}): HttpApp {
  // The status page's figures (docs/operations.md, "System status"): the delivery queue and subscriptions.
  const http = createServiceHttpApp(runtime, {
    queues: [WEBHOOK_DELIVERY_QUEUE],
    status: async (em) => ({ webhook_subscriptions: await new SubscriptionRepository(em).countByState() }),
  });
  subscriptionRoutes(http.app, runtime, options);
  deliveryRoutes(http.app);
  return http;
}
