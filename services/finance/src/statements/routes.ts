import type { FastifyInstance } from 'fastify';
import {
  assertFilterShape,
  isUuid,
  list,
  notFound,
  parseCohortFilter,
  parseDateFilter,
  parsePagination,
  requireLeadProvider,
  type Query,
} from '@npq/service-kit';
import { StatementRepository } from './repository';
import { serializeStatement } from './serializer';

/** GET /api/v3/statements[/{id}]: the caller's output-fee statements only (others are invisible: 404). */
export function statementRoutes(app: FastifyInstance): void {
  app.get('/api/v3/statements', async (req) => {
    const leadProviderId = requireLeadProvider(req);
    const query = req.query as Query;
    assertFilterShape(query);
    const cohorts = parseCohortFilter(query);
    const updatedSince = parseDateFilter(query, 'updated_since');
    const { limit, offset } = parsePagination(query);
    const rows = await new StatementRepository(req.em).listForProvider({
      leadProviderId,
      cohorts,
      updatedSince,
      limit,
      offset,
    });
    return list(rows.map(serializeStatement));
  });

  app.get<{ Params: { id: string } }>('/api/v3/statements/:id', async (req) => {
    const leadProviderId = requireLeadProvider(req);
    const query = req.query as Query;
    assertFilterShape(query);
    // DfE applies the list's filters to the show lookup as well.
    const cohorts = parseCohortFilter(query);
    const updatedSince = parseDateFilter(query, 'updated_since');
    if (!isUuid(req.params.id)) throw notFound();
    const row = await new StatementRepository(req.em).findForProvider(
      req.params.id.toLowerCase(),
      leadProviderId,
      { cohorts, updatedSince },
    );
    if (!row) throw notFound();
    return { data: serializeStatement(row) };
  });
}
