import { isUuid, pgArray, type EntityManager, type SortKey } from '@npq/service-kit';

export interface DeliveryPartnerView {
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeliveryPartnershipView {
  id: string;
  deliveryPartnerId: string;
  leadProviderId: string;
  cohortStartYear: number;
  cohortSuffix: string;
  createdAt: Date;
}

interface Row {
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

const toView = (r: Row): DeliveryPartnerView => ({
  id: r.id,
  name: r.name,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** Sortable columns of the v3 list (DfE accepts `delivery_partners` columns; unknown ones are dropped). */
export const DELIVERY_PARTNER_SORT_COLUMNS: Record<string, string> = {
  name: 'dp.name',
  created_at: 'dp.created_at',
  updated_at: 'dp.updated_at',
};

export class DeliveryPartnerRepository {
  constructor(private readonly em: EntityManager) {}

  /** Which of these ids name a delivery partner (any value that is not a UUID names none). */
  async existing(ids: unknown[]): Promise<Set<string>> {
    const uuids = ids.filter(isUuid).map((id) => id.toLowerCase());
    if (uuids.length === 0) return new Set();
    const rows: { id: string }[] = await this.em.execute(
      `select id from finance.delivery_partners where id = any(?::uuid[])`,
      [pgArray(uuids)],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Which of these partners the provider works with in this cohort (DfE's `delivery_partners_for_cohort`). */
  async partneredFor(leadProviderId: string, cohortIdentifier: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { delivery_partner_id: string }[] = await this.em.execute(
      `select delivery_partner_id from finance.delivery_partnerships
       where lead_provider_id = ? and cohort_identifier = ? and delivery_partner_id = any(?::uuid[])`,
      [leadProviderId, cohortIdentifier, pgArray(ids)],
    );
    return new Set(rows.map((r) => r.delivery_partner_id));
  }

  /** Partners of the provider (any cohort, or one start year), de-duplicated, sorted with an id tie-break. */
  async listForProvider(q: {
    leadProviderId: string;
    cohortYear?: number;
    sort: SortKey[];
    limit: number;
    offset: number;
  }): Promise<DeliveryPartnerView[]> {
    const params: unknown[] = [q.leadProviderId];
    let cohortClause = '';
    if (q.cohortYear !== undefined) {
      cohortClause = 'and p.cohort_start_year = ?';
      params.push(q.cohortYear);
    }
    const order = [...q.sort.map((k) => `${k.column} ${k.direction}`), 'dp.id asc'].join(', ');
    params.push(q.limit, q.offset);
    const rows: Row[] = await this.em.execute(
      `select dp.id, dp.name, dp.created_at, dp.updated_at from finance.delivery_partners dp
       where exists (select 1 from finance.delivery_partnerships p where p.delivery_partner_id = dp.id and p.lead_provider_id = ? ${cohortClause})
       order by ${order} limit ? offset ?`,
      params,
    );
    return rows.map(toView);
  }

  async findForProvider(id: string, leadProviderId: string): Promise<DeliveryPartnerView | null> {
    const rows: Row[] = await this.em.execute(
      `select dp.id, dp.name, dp.created_at, dp.updated_at from finance.delivery_partners dp
       where dp.id = ? and exists (select 1 from finance.delivery_partnerships p where p.delivery_partner_id = dp.id and p.lead_provider_id = ?)`,
      [id, leadProviderId],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  /** Sorted unique start years of each partner's partnerships with the provider, for a page in one query. */
  async cohortYears(ids: string[], leadProviderId: string): Promise<Map<string, number[]>> {
    const result = new Map<string, number[]>();
    if (ids.length === 0) return result;
    const rows: { delivery_partner_id: string; years: number[] }[] = await this.em.execute(
      `select delivery_partner_id, array_agg(distinct cohort_start_year order by cohort_start_year) as years
       from finance.delivery_partnerships where lead_provider_id = ? and delivery_partner_id = any(?::uuid[])
       group by delivery_partner_id`,
      [leadProviderId, pgArray(ids)],
    );
    for (const r of rows) result.set(r.delivery_partner_id, r.years.map(Number));
    return result;
  }

  async listAll(q: { limit: number; offset: number }): Promise<DeliveryPartnerView[]> {
    const rows: Row[] = await this.em.execute(
      `select id, name, created_at, updated_at from finance.delivery_partners order by name asc, id asc limit ? offset ?`,
      [q.limit, q.offset],
    );
    return rows.map(toView);
  }

  async findById(id: string): Promise<DeliveryPartnerView | null> {
    const rows: Row[] = await this.em.execute(
      `select id, name, created_at, updated_at from finance.delivery_partners where id = ?`,
      [id],
    );
    return rows[0] ? toView(rows[0]) : null;
  }
}
