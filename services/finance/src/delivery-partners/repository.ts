import { isUuid, pgArray, type EntityManager, type SortKey } from '@npq/service-kit';
import { DeliveryPartnershipSchema, DeliveryPartnerSchema, type DeliveryPartnerRow } from './entity';

export type DeliveryPartnerView = DeliveryPartnerRow;

export interface DeliveryPartnershipView {
  id: string;
  deliveryPartnerId: string;
  leadProviderId: string;
  cohortStartYear: number;
  cohortSuffix: string;
  createdAt: Date;
}

/** Sortable fields of the v3 list (DfE accepts `delivery_partners` columns; unknown ones are dropped). */
export const DELIVERY_PARTNER_SORT_COLUMNS: Record<string, keyof DeliveryPartnerRow> = {
  name: 'name',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
};

export class DeliveryPartnerRepository {
  constructor(private readonly em: EntityManager) {}

  /** Which of these ids name a delivery partner (any value that is not a UUID names none). */
  async existing(ids: unknown[]): Promise<Set<string>> {
    const uuids = ids.filter(isUuid).map((id) => id.toLowerCase());
    if (uuids.length === 0) return new Set();
    // raw SQL: measured hot path (every declaration create and partner change); an ORM find costs several
    // times the CPU of the statement itself (docs/performance.md, "The ORM's cost per statement").
    const rows: { id: string }[] = await this.em.execute(
      'select id from finance.delivery_partners where id = any(?::uuid[])',
      [pgArray(uuids)],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Which of these partners the provider works with in this cohort (DfE's `delivery_partners_for_cohort`). */
  async partneredFor(leadProviderId: string, cohortIdentifier: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // raw SQL: measured hot path, as `existing`.
    const rows: { delivery_partner_id: string }[] = await this.em.execute(
      `select delivery_partner_id from finance.delivery_partnerships
       where lead_provider_id = ? and cohort_identifier = ? and delivery_partner_id = any(?::uuid[])`,
      [leadProviderId, cohortIdentifier, pgArray(ids)],
    );
    return new Set(rows.map((r) => r.delivery_partner_id));
  }

  /** The ids of the provider's partners (any cohort, or one start year), as a subquery. */
  private partnersOf(leadProviderId: string, cohortYear?: number) {
    return this.em
      .createQueryBuilder(DeliveryPartnershipSchema, 'p')
      .select('p.deliveryPartnerId')
      .where({ leadProviderId, ...(cohortYear === undefined ? {} : { cohortStartYear: cohortYear }) });
  }

  /** Partners of the provider (any cohort, or one start year), de-duplicated, sorted with an id tie-break. */
  listForProvider(q: {
    leadProviderId: string;
    cohortYear?: number;
    sort: SortKey[];
    limit: number;
    offset: number;
  }): Promise<DeliveryPartnerView[]> {
    return this.em.find(
      DeliveryPartnerSchema,
      { id: { $in: this.partnersOf(q.leadProviderId, q.cohortYear) } },
      {
        orderBy: [...q.sort.map((k) => ({ [k.column]: k.direction })), { id: 'asc' }],
        limit: q.limit,
        offset: q.offset,
      },
    );
  }

  findForProvider(id: string, leadProviderId: string): Promise<DeliveryPartnerView | null> {
    return this.em.findOne(DeliveryPartnerSchema, {
      $and: [{ id }, { id: { $in: this.partnersOf(leadProviderId) } }],
    });
  }

  /** Sorted unique start years of each partner's partnerships with the provider, for a page in one query. */
  async cohortYears(ids: string[], leadProviderId: string): Promise<Map<string, number[]>> {
    const result = new Map<string, number[]>();
    if (ids.length === 0) return result;
    const rows = await this.em.find(
      DeliveryPartnershipSchema,
      { leadProviderId, deliveryPartnerId: { $in: ids } },
      { fields: ['deliveryPartnerId', 'cohortStartYear'] },
    );
    for (const r of rows) {
      const years = result.get(r.deliveryPartnerId) ?? [];
      if (!years.includes(r.cohortStartYear)) years.push(r.cohortStartYear);
      result.set(r.deliveryPartnerId, years);
    }
    for (const years of result.values()) years.sort((a, b) => a - b);
    return result;
  }

  listAll(q: { limit: number; offset: number }): Promise<DeliveryPartnerView[]> {
    return this.em.find(
      DeliveryPartnerSchema,
      {},
      { orderBy: { name: 'asc', id: 'asc' }, limit: q.limit, offset: q.offset },
    );
  }

  findById(id: string): Promise<DeliveryPartnerView | null> {
    return this.em.findOne(DeliveryPartnerSchema, { id });
  }
}
