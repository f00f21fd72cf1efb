import { createServiceHttpApp, type HttpApp, type ServiceRuntime } from '@npq/service-kit';
import { deliveryRoutes } from './deliveries/routes';
import type { Resolver } from './subscriptions/rules';
import { sandboxRoutes } from './sandbox/routes';
import { subscriptionRoutes } from './subscriptions/routes';

/** The webhooks service's HTTP API (never listens; server.ts does). `resolve` replaces DNS in tests. */
export function buildWebhooksApp(runtime: ServiceRuntime, options: { resolve?: Resolver } = {}): HttpApp {
  const http = createServiceHttpApp(runtime);
  subscriptionRoutes(http.app, runtime, options);
  deliveryRoutes(http.app);
  sandboxRoutes(http.app, runtime);
  return http;
}
