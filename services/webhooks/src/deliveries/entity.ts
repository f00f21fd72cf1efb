import { BigIntType, EntitySchema, OptionalProps } from '@mikro-orm/postgresql';

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/**
 * One message to one subscription: the `webhook-id` a receiver dedupes on is `id`, the same on every
 * attempt (at-least-once). `resourceId` orders the messages of one resource per subscription: only the
 * oldest pending one of a (subscription, resource) is ever sent (docs/webhooks.md).
 */
export class Delivery {
  [OptionalProps]?: 'seq';
  seq!: string;
  id!: string;
  subscriptionId!: string;
  leadProviderId!: string;
  eventId!: string;
  eventType!: string;
  resourceId!: string;
  /** The exact JSON body sent (text, not jsonb: every attempt signs and sends the same bytes). */
  payload!: string;
  state: DeliveryState = 'pending';
  attempts = 0;
  nextAttemptAt!: Date;
  claimedUntil: Date | null = null;
  lastStatusCode: number | null = null;
  deliveredAt: Date | null = null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const DeliverySchema = new EntitySchema<Delivery>({
  class: Delivery,
  tableName: 'deliveries',
  properties: {
    seq: { type: new BigIntType('string'), primary: true, autoincrement: true },
    id: { type: 'uuid', unique: 'deliveries_id_unique' },
    subscriptionId: { type: 'uuid' },
    leadProviderId: { type: 'uuid' },
    eventId: { type: 'uuid' },
    eventType: { type: 'string', length: 60 },
    resourceId: { type: 'uuid' },
    payload: { type: 'text' },
    state: { type: 'string', length: 20 },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'Date', columnType: 'timestamptz' },
    claimedUntil: { type: 'Date', columnType: 'timestamptz', nullable: true },
    lastStatusCode: { type: 'integer', nullable: true },
    deliveredAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
  uniques: [{ name: 'deliveries_event_unique', properties: ['subscriptionId', 'eventId'] }],
  indexes: [
    { name: 'deliveries_pending_idx', properties: ['state', 'nextAttemptAt'] },
    { name: 'deliveries_resource_idx', properties: ['subscriptionId', 'resourceId', 'state', 'seq'] },
  ],
});

/** One HTTP attempt of a delivery: what the receiver answered and how long it took. */
export class DeliveryAttempt {
  [OptionalProps]?: 'seq';
  seq!: string;
  deliveryId!: string;
  subscriptionId!: string;
  attemptedAt!: Date;
  statusCode: number | null = null;
  latencyMs!: number;
  /** The first 500 characters of the answer, or the network error. */
  responseExcerpt: string | null = null;
  error: string | null = null;
}

export const DeliveryAttemptSchema = new EntitySchema<DeliveryAttempt>({
  class: DeliveryAttempt,
  tableName: 'delivery_attempts',
  properties: {
    seq: { type: new BigIntType('string'), primary: true, autoincrement: true },
    deliveryId: { type: 'uuid', index: 'delivery_attempts_delivery_idx' },
    subscriptionId: { type: 'uuid' },
    attemptedAt: { type: 'Date', columnType: 'timestamptz' },
    statusCode: { type: 'integer', nullable: true },
    latencyMs: { type: 'integer' },
    responseExcerpt: { type: 'text', nullable: true },
    error: { type: 'text', nullable: true },
  },
});
