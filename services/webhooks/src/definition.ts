import type { Redis } from 'ioredis';
import type { ServiceDefinition, ServiceRuntime, Worker, WorkerDefinition } from '@npq/service-kit';
import { buildWebhooksApp } from './app';
import { webhooksHandlers } from './events/handlers';
import { WebhookDeliveryService, type DeliveryWorkerOptions } from './jobs/deliver';
import { webhooksOrmSettings } from './orm-settings';
import { internalResourceFetcher } from './jobs/resources';

/** The delivery worker of a webhooks runtime (the worker process; tests build their own with short delays). */
export function createWebhookDeliveryService(
  runtime: ServiceRuntime,
  connection: Redis,
  overrides: Partial<DeliveryWorkerOptions> = {},
): WebhookDeliveryService {
  return new WebhookDeliveryService({
    orm: runtime.orm,
    logger: runtime.logger,
    connection,
    prefix: runtime.naming.queuePrefix,
    sandbox: runtime.config.SANDBOX,
    timeoutMs: runtime.config.WEBHOOK_TIMEOUT_MS,
    fetchResource: internalResourceFetcher(
      {
        applications: runtime.config.APPLICATIONS_URL,
        training: runtime.config.TRAINING_URL,
        finance: runtime.config.FINANCE_URL,
      },
      runtime.config.INTERNAL_API_SECRET,
      runtime.config.WEBHOOK_TIMEOUT_MS,
    ),
    metrics: runtime.metrics,
    ...overrides,
  });
}

export const webhooksService: ServiceDefinition & WorkerDefinition = {
  service: 'webhooks',
  ormSettings: (config) => webhooksOrmSettings(config.DATABASE_URL),
  buildApp: (runtime) => buildWebhooksApp(runtime),
  handlers: webhooksHandlers,
  port: (config) => config.WEBHOOKS_PORT,
  workers: (runtime, connection): Worker[] => createWebhookDeliveryService(runtime, connection).start(),
};
