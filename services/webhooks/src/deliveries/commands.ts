import { randomUUID } from 'node:crypto';
import { now, type EntityManager } from '@npq/service-kit';
import type { WebhookMessage } from '../events/handlers';
import { SubscriptionSchema, type Subscription } from '../subscriptions/entity';
import { SubscriptionRepository } from '../subscriptions/repository';
import { PING_EVENT_TYPE } from '../subscriptions/rules';
import { DeliveryAttemptSchema, DeliverySchema, type Delivery } from './entity';

/** The body every receiver gets: `{ id, type, timestamp, data }` (docs/webhooks.md, "Payload"). */
export function payloadOf(eventId: string, type: string, occurredAt: string, data: Record<string, unknown>) {
  return { id: eventId, type, timestamp: occurredAt, data };
}

function newDelivery(
  sub: Subscription,
  eventId: string,
  eventType: string,
  resourceId: string,
  payload: string,
): Delivery {
  const at = new Date();
  return Object.assign(new (DeliverySchema.meta.class as new () => Delivery)(), {
    id: randomUUID(),
    subscriptionId: sub.id,
    leadProviderId: sub.leadProviderId,
    eventId,
    eventType,
    resourceId,
    payload,
    state: 'pending' as const,
    attempts: 0,
    nextAttemptAt: at,
    claimedUntil: null,
    lastStatusCode: null,
    deliveredAt: null,
    createdAt: at,
    updatedAt: at,
  });
}

/**
 * One delivery per subscription of the message's provider that takes its type, in the inbox's
 * transaction: a redelivered event finds the inbox row and queues nothing twice (and the unique
 * (subscription, event) index is the backstop).
 */
export async function queueForSubscribers(
  em: EntityManager,
  eventId: string,
  occurredAt: string,
  message: WebhookMessage,
): Promise<number> {
  const subs = await new SubscriptionRepository(em).receiving(message.leadProviderId, message.type);
  const schema = em.config.get('schema');
  // The webhook's own id is the platform event id: receivers dedupe on it (at-least-once).
  const payload = JSON.stringify(payloadOf(eventId, message.type, occurredAt, message.data));
  for (const sub of subs) {
    await em.execute(
      `insert into "${schema}"."deliveries" (id, subscription_id, lead_provider_id, event_id, event_type, resource_id,
         payload, state, attempts, next_attempt_at, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, 'pending', 0, now(), now(), now())
       on conflict (subscription_id, event_id) do nothing`,
      [randomUUID(), sub.id, sub.leadProviderId, eventId, message.type, message.resourceId, payload],
    );
  }
  return subs.length;
}

/** A test ping to one subscription (whatever its event types), delivered like any other message. */
export async function queuePing(em: EntityManager, sub: Subscription): Promise<Delivery> {
  const eventId = randomUUID();
  const d = newDelivery(
    sub,
    eventId,
    PING_EVENT_TYPE,
    sub.id,
    JSON.stringify(
      payloadOf(eventId, PING_EVENT_TYPE, now().toISOString(), {
        id: sub.id,
        type: 'webhook-subscription',
        attributes: { url: sub.url },
      }),
    ),
  );
  em.persist(d);
  await em.flush();
  return d;
}

/** Sends a delivery again: a new attempt series, due now, with the same webhook id (receivers dedupe). */
export async function redeliver(em: EntityManager, d: Delivery): Promise<Delivery> {
  d.state = 'pending';
  d.nextAttemptAt = new Date();
  d.claimedUntil = null;
  d.createdAt = new Date();
  d.updatedAt = new Date();
  await em.flush();
  return d;
}

export interface AttemptResult {
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/** Records one attempt and its effect on the delivery (and the subscription's state). */
export async function recordAttempt(
  em: EntityManager,
  d: Delivery,
  result: AttemptResult,
  outcome: { delivered: true } | { delivered: false; retryAt: Date | null },
): Promise<void> {
  em.persist(
    Object.assign(new (DeliveryAttemptSchema.meta.class as new () => object)(), {
      deliveryId: d.id,
      subscriptionId: d.subscriptionId,
      attemptedAt: new Date(Date.now() - result.latencyMs),
      ...result,
    }),
  );
  d.attempts += 1;
  d.lastStatusCode = result.statusCode;
  d.claimedUntil = null;
  d.updatedAt = new Date();
  const sub = await em.findOne(SubscriptionSchema, { id: d.subscriptionId });
  if (outcome.delivered) {
    d.state = 'delivered';
    d.deliveredAt = new Date();
    if (sub?.state === 'failing') {
      sub.state = 'active';
      sub.failingSince = null;
      sub.updatedAt = new Date();
    }
  } else if (outcome.retryAt) {
    d.nextAttemptAt = outcome.retryAt;
  } else {
    // Gave up after the retry window: the subscription is failing until a delivery succeeds again.
    d.state = 'failed';
    if (sub?.state === 'active') {
      sub.state = 'failing';
      sub.failingSince = new Date();
      sub.updatedAt = new Date();
    }
  }
  await em.flush();
}
