import type { FastifyInstance } from 'fastify';
import {
  assertFilterShape,
  isUuid,
  list,
  notFound,
  parseCohortFilter,
  parseDateFilter,
  parsePagination,
  parseSort,
  parseUuidListFilter,
  requireLeadProvider,
  type Query,
} from '@npq/service-kit';
import { APPLICATION_SORT_COLUMNS, ApplicationReadRepository } from './repository';
import { serializeApplication } from './serializer';

export function applicationReadRoutes(app: FastifyInstance): void {
  app.get('/api/v3/npq-applications', async (req) => {
    const leadProviderId = requireLeadProvider(req);
    const query = req.query as Query;
    assertFilterShape(query);
    const cohorts = parseCohortFilter(query);
    const participantIds = parseUuidListFilter(query, 'participant_id');
    const updatedSince = parseDateFilter(query, 'updated_since');
    const { limit, offset } = parsePagination(query);
    const sort = parseSort(query, APPLICATION_SORT_COLUMNS, [{ column: 'a.created_at', direction: 'asc' }]);
    const rows = await new ApplicationReadRepository(req.em).list({
      leadProviderId,
      cohorts,
      participantIds,
      updatedSince,
      sort,
      limit,
      offset,
    });
    return list(rows.map(serializeApplication));
  });

  app.get<{ Params: { id: string } }>('/api/v3/npq-applications/:id', async (req) => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    // A malformed id cannot name anything: DfE casts it to NULL and answers 404.
    if (!isUuid(req.params.id)) throw notFound();
    const view = await new ApplicationReadRepository(req.em).findForProvider(
      req.params.id.toLowerCase(),
      leadProviderId,
    );
    if (!view) throw notFound();
    return { data: serializeApplication(view) };
  });
}
