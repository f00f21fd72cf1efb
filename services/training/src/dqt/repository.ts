import { LockMode, raw } from '@mikro-orm/postgresql';
import type { EntityManager } from '@npq/service-kit';
import {
  OutcomeDeliveryAttemptSchema,
  OutcomeDeliverySchema,
  type DeliveryState,
  type OutcomeDelivery,
  type OutcomeDeliveryAttempt,
} from './entity';

export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'sent', 'failed'];

export class DeliveryRepository {
  constructor(private readonly em: EntityManager) {}

  async findById(id: string): Promise<OutcomeDelivery | null> {
    return this.em.findOne(OutcomeDeliverySchema, { id });
  }

  async lockById(id: string): Promise<OutcomeDelivery | null> {
    return this.em.findOne(OutcomeDeliverySchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  async list(q: { state?: DeliveryState; limit: number; offset: number }): Promise<OutcomeDelivery[]> {
    return this.em.find(OutcomeDeliverySchema, q.state ? { state: q.state } : {}, {
      orderBy: { createdAt: 'asc', id: 'asc' },
      limit: q.limit,
      offset: q.offset,
    });
  }

  /** Pending and failed deliveries (the operators' status page). */
  async countOpen(): Promise<{ pending: number; failed: number }> {
    const [pending, failed] = await Promise.all([
      this.em.count(OutcomeDeliverySchema, { state: 'pending' }),
      this.em.count(OutcomeDeliverySchema, { state: 'failed' }),
    ]);
    return { pending, failed };
  }

  /** Pending deliveries, oldest first: what the sweep (re)queues. */
  async pending(limit: number): Promise<OutcomeDelivery[]> {
    return this.em.find(OutcomeDeliverySchema, { state: 'pending' }, { orderBy: { seq: 'asc' }, limit });
  }

  /** True when an older push of the same participant is still pending (it must go out first). */
  async hasOlderPending(delivery: OutcomeDelivery): Promise<boolean> {
    const older = await this.em.count(OutcomeDeliverySchema, {
      participantId: delivery.participantId,
      state: 'pending',
      seq: { $lt: delivery.seq },
    });
    return older > 0;
  }

  /** A pass of this declaration that went, or is about to go, to DQT (a fail or void must retract it). */
  async passPushed(declarationId: string): Promise<boolean> {
    const passes = await this.em.count(OutcomeDeliverySchema, {
      declarationId,
      completionDate: { $ne: null },
      state: { $in: ['pending', 'sent'] },
    });
    return passes > 0;
  }

  /**
   * Claims a pending delivery for one job run for `leaseMs`: false when it is no longer pending or another
   * run holds it (a job BullMQ thought stalled and restarted while the first run is still sending). The
   * lease outlives one request, so a run that dies mid-request frees it by expiry.
   */
  async claim(id: string, leaseMs: number): Promise<boolean> {
    // raw SQL: fragments only — the lease is taken and tested on the database's clock (replicas' clocks differ).
    const claimed = await this.em
      .createQueryBuilder(OutcomeDeliverySchema)
      .update({ claimedUntil: raw('now() + make_interval(secs => ?)', [leaseMs / 1000]) })
      .where({
        id,
        state: 'pending',
        $or: [{ claimedUntil: null }, { claimedUntil: { $lt: raw('now()') } }],
      })
      .execute('run');
    return claimed.affectedRows > 0;
  }

  /** Every attempt of a delivery, oldest first (ops). */
  async attemptsOf(deliveryId: string, page = { limit: 3000, offset: 0 }): Promise<OutcomeDeliveryAttempt[]> {
    return this.em.find(
      OutcomeDeliveryAttemptSchema,
      { deliveryId },
      { orderBy: { seq: 'asc' }, limit: page.limit, offset: page.offset },
    );
  }
}
