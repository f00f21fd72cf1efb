import { randomUUID } from 'node:crypto';
import { notFound, unprocessable, type EntityManager } from '@npq/service-kit';
import { DeliverySchema } from '../deliveries/entity';
import { SubscriptionSchema, type Subscription } from './entity';
import { SubscriptionRepository } from './repository';
import { addressRefusal, eventTypesRefusal, newSecret, urlRefusal, type Resolver } from './rules';

export interface CreateSubscription {
  url: unknown;
  eventTypes: unknown;
}

/** Creates a subscription after the URL (incl. its addresses: SSRF) and event types are checked. */
export async function createSubscription(
  em: EntityManager,
  leadProviderId: string,
  input: CreateSubscription,
  options: { sandbox: boolean; resolve?: Resolver },
): Promise<Subscription> {
  const items = [];
  let urlProblem = urlRefusal(input.url, options.sandbox);
  if (!urlProblem) urlProblem = await addressRefusal(input.url as string, options.sandbox, options.resolve);
  if (urlProblem) items.push({ title: 'url', detail: `The url ${urlProblem}` });
  const typesProblem = eventTypesRefusal(input.eventTypes);
  if (typesProblem) items.push({ title: 'event_types', detail: `The event_types ${typesProblem}` });
  if (items.length > 0) throw unprocessable(items);
  const at = new Date();
  const sub = Object.assign(new (SubscriptionSchema.meta.class as new () => Subscription)(), {
    id: randomUUID(),
    leadProviderId,
    url: input.url as string,
    eventTypes: input.eventTypes as string[],
    secret: newSecret(),
    state: 'active' as const,
    failingSince: null,
    disabledAt: null,
    createdAt: at,
    updatedAt: at,
  });
  em.persist(sub);
  await em.flush();
  return sub;
}

export async function rotateSecret(
  em: EntityManager,
  leadProviderId: string,
  id: string,
): Promise<Subscription> {
  return em.transactional(async (tx) => {
    const sub = await new SubscriptionRepository(tx).findOwned(leadProviderId, id, true);
    if (!sub) throw notFound();
    sub.secret = newSecret();
    sub.updatedAt = new Date();
    return sub;
  });
}

/** Deletes the subscription and everything queued for it (its attempts go with its deliveries). */
export async function deleteSubscription(
  em: EntityManager,
  leadProviderId: string,
  id: string,
): Promise<void> {
  await em.transactional(async (tx) => {
    const sub = await new SubscriptionRepository(tx).findOwned(leadProviderId, id, true);
    if (!sub) throw notFound();
    const schema = tx.config.get('schema');
    await tx.execute(`delete from "${schema}"."delivery_attempts" where subscription_id = ?`, [sub.id]);
    await tx.nativeDelete(DeliverySchema, { subscriptionId: sub.id });
    tx.remove(sub);
  });
}

/** Admin: stops every delivery to the subscription (it stays listed, `disabled`). */
export async function disableSubscription(em: EntityManager, id: string): Promise<Subscription> {
  return em.transactional(async (tx) => {
    const sub = await new SubscriptionRepository(tx).findById(id, true);
    if (!sub) throw notFound();
    if (sub.state !== 'disabled') {
      sub.state = 'disabled';
      sub.disabledAt = new Date();
      sub.updatedAt = new Date();
    }
    return sub;
  });
}
