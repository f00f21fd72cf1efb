import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  assertFilterShape,
  isUuid,
  list,
  ListQuery,
  notFound,
  readAttributes,
  requireLeadProvider,
  type Query,
  type ServiceRuntime,
} from '@npq/service-kit';
import { acceptApplication, changeFundedPlace, rejectApplication, type CommandResult } from './commands';
import { APPLICATION_SORT_COLUMNS, ApplicationQueries } from './queries';
import { serializeApplication } from './serializer';

type WithId = FastifyRequest<{ Params: { id: string } }>;

/**
 * DfE's `accept_permitted_params`, shared by accept and change-funded-place: no `data` means no attributes;
 * `data` whose attributes hold neither `funded_place` nor `schedule_identifier` is the 400.
 */
const ACCEPT_BODY = {
  allowMissingData: true,
  permitted: ['funded_place', 'schedule_identifier'],
  requirePermittedKey: true,
} as const;

function readRoutes(app: FastifyInstance): void {
  app.get('/api/v3/npq-applications', async (req) => {
    // The shared list opening (docs/domain.md, "Lists"), filters in DfE's order.
    const q = ListQuery.forProvider(req);
    const cohorts = q.cohorts();
    const participantIds = q.uuids('participant_id');
    const updatedSince = q.date('updated_since');
    const { limit, offset } = q.page();
    const sort = q.sort(APPLICATION_SORT_COLUMNS, [{ column: 'a.created_at', direction: 'asc' }]);
    const rows = await new ApplicationQueries(req.em).list({
      leadProviderId: q.leadProviderId,
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
    const view = await new ApplicationQueries(req.em).findForProvider(
      req.params.id.toLowerCase(),
      leadProviderId,
    );
    if (!view) throw notFound();
    return { data: serializeApplication(view) };
  });
}

/** Resolves the caller and the application before the body is read (DfE looks the application up first). */
async function target(req: WithId): Promise<{ leadProviderId: string; applicationId: string }> {
  const leadProviderId = requireLeadProvider(req);
  assertFilterShape(req.query as Query);
  const applicationId = req.params.id.toLowerCase();
  if (!isUuid(applicationId)) throw notFound();
  if (!(await new ApplicationQueries(req.em).existsForProvider(applicationId, leadProviderId)))
    throw notFound();
  return { leadProviderId, applicationId };
}

/**
 * Accept, reject and change-funded-place. Each answers only once the services that consume its events have
 * applied them, so the provider's next request (participants, declarations) already sees the change.
 */
function commandRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  const respond = async (req: WithId, result: CommandResult) => {
    await runtime.readYourWrites.publishAndWait(result.events);
    const view = await new ApplicationQueries(req.em.fork()).findById(result.applicationId);
    if (!view) throw notFound();
    return { data: serializeApplication(view) };
  };

  app.post<{ Params: { id: string } }>('/api/v3/npq-applications/:id/accept', async (req) => {
    const { leadProviderId, applicationId } = await target(req);
    const attrs = readAttributes(req.body, ACCEPT_BODY);
    const result = await acceptApplication(req.em, runtime.naming, leadProviderId, applicationId, {
      fundedPlace: attrs?.funded_place,
      scheduleIdentifier: attrs?.schedule_identifier,
    });
    return respond(req, result);
  });

  app.post<{ Params: { id: string } }>('/api/v3/npq-applications/:id/reject', async (req) => {
    const { leadProviderId, applicationId } = await target(req);
    return respond(req, await rejectApplication(req.em, runtime.naming, leadProviderId, applicationId));
  });

  app.put<{ Params: { id: string } }>('/api/v3/npq-applications/:id/change-funded-place', async (req) => {
    const { leadProviderId, applicationId } = await target(req);
    // DfE reads this body with accept's strong params: no `data` at all is not a 400 but "funded_place
    // missing" (reported with the other checks); `attributes` with neither accept attribute is the 400.
    const attrs = readAttributes(req.body, ACCEPT_BODY);
    return respond(
      req,
      await changeFundedPlace(req.em, runtime.naming, leadProviderId, applicationId, attrs?.funded_place),
    );
  });
}

/** The v3 application routes: the provider's list and show, then accept, reject and change-funded-place. */
export function applicationRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  readRoutes(app);
  commandRoutes(app, runtime);
}
