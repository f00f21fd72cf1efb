import { LockMode } from '@mikro-orm/postgresql';
import type { EntityManager } from '@npq/service-kit';
import {
  ApplicationOwnerSchema,
  SubscriptionSchema,
  type Subscription,
  type SubscriptionState,
} from './entity';

export class SubscriptionRepository {
  constructor(private readonly em: EntityManager) {}

  /** One of the provider's subscriptions (another provider's is not found). */
  async findOwned(leadProviderId: string, id: string, lock = false): Promise<Subscription | null> {
    return this.em.findOne(
      SubscriptionSchema,
      { id, leadProviderId },
      lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
    );
  }

  async findById(id: string, lock = false): Promise<Subscription | null> {
    return this.em.findOne(SubscriptionSchema, { id }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  }

  async list(q: {
    leadProviderId?: string;
    state?: SubscriptionState;
    limit: number;
    offset: number;
  }): Promise<Subscription[]> {
    return this.em.find(
      SubscriptionSchema,
      {
        ...(q.leadProviderId ? { leadProviderId: q.leadProviderId } : {}),
        ...(q.state ? { state: q.state } : {}),
      },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit: q.limit, offset: q.offset },
    );
  }

  /** The provider's subscriptions that take `type` and are not disabled. */
  /** Subscriptions per state (the operators' status page, docs/operations.md "System status"). */
  async countByState(): Promise<{ active: number; failing: number; disabled: number }> {
    const [active, failing, disabled] = await Promise.all(
      (['active', 'failing', 'disabled'] as const).map((state) =>
        this.em.count(SubscriptionSchema, { state }),
      ),
    );
    return { active: active!, failing: failing!, disabled: disabled! };
  }

  async receiving(leadProviderId: string, type: string): Promise<Subscription[]> {
    const subs = await this.em.find(SubscriptionSchema, { leadProviderId, state: { $ne: 'disabled' } });
    return subs.filter((s) => s.eventTypes.includes(type));
  }
}

export async function recordApplicationOwner(
  em: EntityManager,
  applicationId: string,
  leadProviderId: string,
): Promise<void> {
  await em.upsert(ApplicationOwnerSchema, { applicationId, leadProviderId });
}

/** The distinct providers owning any of the applications. */
export async function ownersOfApplications(em: EntityManager, applicationIds: string[]): Promise<string[]> {
  if (applicationIds.length === 0) return [];
  const rows = await em.find(ApplicationOwnerSchema, { applicationId: { $in: applicationIds } });
  return [...new Set(rows.map((r) => r.leadProviderId))].sort();
}
