import type { EntityManager } from '@npq/service-kit';
import { LEAD_PROVIDERS } from '@npq/contracts';
import { LeadProviderSchema, type LeadProvider } from './entity';

export class LeadProviderRepository {
  constructor(private readonly em: EntityManager) {}

  async list(limit: number, offset: number): Promise<LeadProvider[]> {
    return this.em.find(LeadProviderSchema, {}, { orderBy: { name: 'asc', id: 'asc' }, limit, offset });
  }

  async findById(id: string): Promise<LeadProvider | null> {
    return this.em.findOne(LeadProviderSchema, { id });
  }

  /** Upserts the reference list of lead providers (idempotent; names follow the reference data). */
  async seedReferenceData(): Promise<number> {
    for (const lp of LEAD_PROVIDERS) {
      await this.em.execute(
        `insert into gateway.lead_providers (id, name, created_at, updated_at) values (?, ?, now(), now())
         on conflict (id) do update set name = excluded.name,
           updated_at = case when gateway.lead_providers.name = excluded.name then gateway.lead_providers.updated_at else now() end`,
        [lp.id, lp.name],
      );
    }
    return LEAD_PROVIDERS.length;
  }
}
