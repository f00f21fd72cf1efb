import { raw } from '@mikro-orm/postgresql';
import type { EntityManager } from '@npq/service-kit';
import {
  DeliveryAttemptSchema,
  DeliverySchema,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryState,
} from './entity';

export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'failed'];

export class DeliveryRepository {
  constructor(private readonly em: EntityManager) {}

  async findById(id: string): Promise<Delivery | null> {
    return this.em.findOne(DeliverySchema, { id });
  }

  async findOfSubscription(subscriptionId: string, id: string): Promise<Delivery | null> {
    return this.em.findOne(DeliverySchema, { id, subscriptionId });
  }

  async listOfSubscription(
    subscriptionId: string,
    q: { state?: DeliveryState; limit: number; offset: number },
  ): Promise<Delivery[]> {
    return this.em.find(
      DeliverySchema,
      { subscriptionId, ...(q.state ? { state: q.state } : {}) },
      { orderBy: { seq: 'asc' }, limit: q.limit, offset: q.offset },
    );
  }

  async attemptsOf(deliveryId: string, page: { limit: number; offset: number }): Promise<DeliveryAttempt[]> {
    return this.em.find(
      DeliveryAttemptSchema,
      { deliveryId },
      { orderBy: { seq: 'asc' }, limit: page.limit, offset: page.offset },
    );
  }

  /**
   * Deliveries due now that may be sent: the oldest pending one of each (subscription, resource), not held
   * by a run, of a subscription that is not disabled, at most `perSubscription` per subscription (so one
   * subscription cannot take every worker slot; docs/webhooks.md, "Delivery").
   */
  async due(limit: number, perSubscription: number): Promise<{ id: string; attempts: number }[]> {
    const schema = this.em.config.get('schema');
    return this.em.execute(
      `select id, attempts from (
         select d.id, d.attempts, d.seq,
                row_number() over (partition by d.subscription_id order by d.seq) as n
           from "${schema}"."deliveries" d
           join "${schema}"."subscriptions" s on s.id = d.subscription_id and s.state <> 'disabled'
          where d.state = 'pending'
            and d.seq = (select min(o.seq) from "${schema}"."deliveries" o
                          where o.subscription_id = d.subscription_id and o.resource_id = d.resource_id
                            and o.state = 'pending')
       ) x
       where x.n <= ? and exists (select 1 from "${schema}"."deliveries" y where y.id = x.id and y.next_attempt_at <= now()
         and (y.claimed_until is null or y.claimed_until < now()))
       order by x.seq limit ?`,
      [perSubscription, limit],
    );
  }

  /** Claims a pending delivery for one run for `leaseMs` (database clock); false if another run holds it. */
  async claim(id: string, leaseMs: number): Promise<boolean> {
    const claimed = await this.em
      .createQueryBuilder(DeliverySchema)
      .update({ claimedUntil: raw('now() + make_interval(secs => ?)', [leaseMs / 1000]) })
      .where({
        id,
        state: 'pending',
        $or: [{ claimedUntil: null }, { claimedUntil: { $lt: raw('now()') } }],
      })
      .execute('run');
    return claimed.affectedRows > 0;
  }

  /** True when an older delivery of the same resource to the same subscription is still pending. */
  async hasOlderPending(d: Delivery): Promise<boolean> {
    const older = await this.em.count(DeliverySchema, {
      subscriptionId: d.subscriptionId,
      resourceId: d.resourceId,
      state: 'pending',
      seq: { $lt: d.seq },
    });
    return older > 0;
  }
}
