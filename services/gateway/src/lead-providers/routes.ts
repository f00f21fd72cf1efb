import type { FastifyInstance } from 'fastify';
import { list, parsePagination, single, toRfc3339 } from '@npq/service-kit';
import type { LeadProvider } from './entity';
import { LeadProviderRepository } from './repository';

export function serializeLeadProvider(lp: LeadProvider) {
  return single(lp.id, 'lead-provider' as const, {
    name: lp.name,
    created_at: toRfc3339(lp.createdAt),
    updated_at: toRfc3339(lp.updatedAt),
  }).data;
}

export function leadProviderRoutes(app: FastifyInstance): void {
  app.get('/admin/v1/lead-providers', async (req) => {
    const { limit, offset } = parsePagination(req.query as Record<string, unknown>);
    const rows = await new LeadProviderRepository(req.em).list(limit, offset);
    return list(rows.map(serializeLeadProvider));
  });
}
