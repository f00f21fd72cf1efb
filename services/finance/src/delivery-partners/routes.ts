import type { FastifyInstance } from 'fastify';
import {
  assertFilterShape,
  isUuid,
  list,
  ListQuery,
  notFound,
  requireAdmin,
  requireLeadProvider,
  readAdminAttributes,
  rubyToInt,
  runIdempotent,
  type Query,
  type ServiceRuntime,
} from '@npq/service-kit';
import { createDeliveryPartner, createDeliveryPartnership } from './commands';
import { DELIVERY_PARTNER_SORT_COLUMNS, DeliveryPartnerRepository } from './repository';
import {
  serializeAdminDeliveryPartner,
  serializeDeliveryPartner,
  serializeDeliveryPartnership,
} from './serializer';

/** v3: the caller's delivery partners (partnered in any cohort); admin: every partner, and creating them. */
export function deliveryPartnerRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  app.get('/api/v3/delivery-partners', async (req) => {
    const q = ListQuery.forProvider(req);
    const leadProviderId = q.leadProviderId;
    // A single start year; "2023,2024" reads as 2023 (DfE integer-casts the value).
    const cohort = q.scalar('cohort');
    const { limit, offset } = q.page();
    const sort = q.sort(DELIVERY_PARTNER_SORT_COLUMNS, [{ column: 'name', direction: 'asc' }]);
    const repo = new DeliveryPartnerRepository(req.em);
    const rows = await repo.listForProvider({
      leadProviderId,
      cohortYear: cohort === undefined ? undefined : rubyToInt(cohort),
      sort,
      limit,
      offset,
    });
    const years = await repo.cohortYears(
      rows.map((r) => r.id),
      leadProviderId,
    );
    return list(rows.map((r) => serializeDeliveryPartner(r, years.get(r.id) ?? [])));
  });

  app.get<{ Params: { id: string } }>('/api/v3/delivery-partners/:id', async (req) => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    if (!isUuid(req.params.id)) throw notFound();
    const repo = new DeliveryPartnerRepository(req.em);
    const row = await repo.findForProvider(req.params.id.toLowerCase(), leadProviderId);
    if (!row) throw notFound();
    const years = await repo.cohortYears([row.id], leadProviderId);
    return { data: serializeDeliveryPartner(row, years.get(row.id) ?? []) };
  });

  app.get('/admin/v1/delivery-partners', async (req) => {
    const { limit, offset } = ListQuery.forAdmin(req).page();
    const rows = await new DeliveryPartnerRepository(req.em).listAll({ limit, offset });
    return list(rows.map(serializeAdminDeliveryPartner));
  });

  app.post('/admin/v1/delivery-partners', async (req, reply) => {
    requireAdmin(req);
    return runIdempotent(req, reply, runtime, async (em) => {
      const attrs = readAdminAttributes(req.body, ['name']);
      const created = await createDeliveryPartner(em, attrs);
      return { status: 201, body: { data: serializeAdminDeliveryPartner(created) } };
    });
  });

  app.post<{ Params: { id: string } }>('/admin/v1/delivery-partners/:id/partnerships', async (req, reply) => {
    requireAdmin(req);
    return runIdempotent(req, reply, runtime, async (em) => {
      const attrs = readAdminAttributes(req.body, ['lead_provider_id', 'cohort', 'cohort_suffix']);
      const created = await createDeliveryPartnership(em, req.params.id, attrs);
      return { status: 201, body: { data: serializeDeliveryPartnership(created) } };
    });
  });
}
