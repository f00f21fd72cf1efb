import type { Delivery, DeliveryAttempt } from './entity';

export function serializeDelivery(d: Delivery) {
  return {
    id: d.id,
    type: 'webhook-delivery' as const,
    attributes: {
      event_id: d.eventId,
      event_type: d.eventType,
      resource_id: d.resourceId,
      state: d.state,
      attempts: d.attempts,
      last_status_code: d.lastStatusCode,
      next_attempt_at: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
      delivered_at: d.deliveredAt?.toISOString() ?? null,
      created_at: d.createdAt.toISOString(),
      updated_at: d.updatedAt.toISOString(),
    },
  };
}

export function serializeAttempt(a: DeliveryAttempt) {
  return {
    attempted_at: a.attemptedAt.toISOString(),
    status_code: a.statusCode,
    latency_ms: a.latencyMs,
    response_excerpt: a.responseExcerpt,
    error: a.error,
  };
}
