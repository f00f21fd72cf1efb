import type { ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import type { Delivery, DeliveryAttempt } from './entity';

type Schemas = ApiComponents['schemas'];

export function serializeDelivery(d: Delivery): Schemas['WebhookDelivery'] {
  return {
    id: d.id,
    type: 'webhook-delivery',
    attributes: {
      event_id: d.eventId,
      event_type: d.eventType,
      resource_id: d.resourceId,
      state: d.state,
      attempts: d.attempts,
      last_status_code: d.lastStatusCode,
      next_attempt_at: d.state === 'pending' ? toRfc3339(d.nextAttemptAt) : null,
      delivered_at: toRfc3339(d.deliveredAt),
      created_at: toRfc3339(d.createdAt),
      updated_at: toRfc3339(d.updatedAt),
    },
  };
}

export function serializeAttempt(a: DeliveryAttempt): Schemas['WebhookDeliveryAttempt'] {
  return {
    attempted_at: toRfc3339(a.attemptedAt),
    status_code: a.statusCode,
    latency_ms: a.latencyMs,
    response_excerpt: a.responseExcerpt,
    error: a.error,
  };
}
