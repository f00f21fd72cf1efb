export { buildWebhooksApp } from './app';
export { webhooksService, createWebhookDeliveryService } from './definition';
export { webhooksOrmSettings, WEBHOOKS_SCHEMA } from './orm-settings';
export { WebhookDeliveryService, WEBHOOK_DELIVERY_QUEUE, type DeliveryWorkerOptions } from './jobs/deliver';
export { sign, retryDelay, DELIVERY_BACKOFF, ONE_DAY_MS, type BackoffSettings } from './deliveries/rules';
export { WEBHOOK_EVENT_TYPES, isPrivate, isLoopback, type Resolver } from './subscriptions/rules';
export { internalResourceFetcher, type ResourceFetcher, type OwningServices } from './jobs/resources';
