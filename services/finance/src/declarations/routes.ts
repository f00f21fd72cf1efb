import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  assertFilterShape,
  isUuid,
  list,
  ListQuery,
  notFound,
  readAttributes,
  requireLeadProvider,
  type EntityManager,
  type Query,
  type ServiceRuntime,
} from '@npq/service-kit';
import {
  assertModifiable,
  changeDeliveryPartner,
  createDeclaration,
  voidDeclaration,
  type DeclarationCommandResult,
} from './commands';
import { DeclarationRepository, participantDeclarations } from './repository';
import {
  serializeDeclaration,
  serializeParticipantDeclaration,
  type DeclarationResource,
} from './serializer';
import { validateCreate } from './validation';

type WithId = FastifyRequest<{ Params: { id: string } }>;

const CREATE_ATTRIBUTES = [
  'participant_id',
  'declaration_type',
  'declaration_date',
  'course_identifier',
  'has_passed',
  'delivery_partner_id',
  'secondary_delivery_partner_id',
] as const;

/**
 * Rails strong parameters' `permit(:x)` keeps only scalar values: an array or object given for a permitted
 * attribute is dropped, so DfE treats it as absent (`participant_id: []` is "must be present").
 */
export async function loadDeclarationResource(em: EntityManager, id: string): Promise<DeclarationResource> {
  const repo = new DeclarationRepository(em);
  const view = await repo.findById(id);
  if (!view) throw notFound();
  const extras = await repo.extras([view]);
  return serializeDeclaration(view, extras.get(view.id)!);
}

/** The v3 declaration endpoints: thin; rules live in validation.ts and commands.ts. */
export function declarationRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  /** Waits until the consumers of the command's events applied them, then answers from a fresh read. */
  const respond = async (req: FastifyRequest, result: DeclarationCommandResult) => {
    await runtime.readYourWrites.publishAndWait(result.events);
    return { data: await loadDeclarationResource(req.em.fork(), result.declarationId) };
  };

  app.get('/api/v3/participant-declarations', async (req) => {
    const q = ListQuery.forProvider(req);
    // DfE reads updated_since before participant_id (each 400s on its own), then the page.
    const updatedSince = q.date('updated_since');
    const participantIds = q.uuids('participant_id');
    const cohorts = q.cohorts();
    const { limit, offset } = q.page();
    const repo = new DeclarationRepository(req.em);
    const views = await repo.list({
      leadProviderId: q.leadProviderId,
      participantIds,
      cohorts,
      updatedSince,
      limit,
      offset,
    });
    const extras = await repo.extras(views);
    return list(views.map((v) => serializeDeclaration(v, extras.get(v.id)!)));
  });

  app.get<{ Params: { id: string } }>('/api/v3/participant-declarations/:id', async (req) => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    if (!isUuid(req.params.id)) throw notFound();
    const repo = new DeclarationRepository(req.em);
    const view = await repo.findVisible(req.params.id.toLowerCase(), leadProviderId);
    if (!view) throw notFound();
    const extras = await repo.extras([view]);
    return { data: serializeDeclaration(view, extras.get(view.id)!) };
  });

  app.post('/api/v3/participant-declarations', async (req) => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    const attrs = readAttributes(req.body, { permitted: CREATE_ATTRIBUTES })!;
    const valid = await validateCreate(req.em, leadProviderId, attrs);
    return respond(req, await createDeclaration(req.em, runtime.naming, valid));
  });

  /** 404/403 before anything else (DfE's controller checks ownership before reading the body). */
  const target = async (req: WithId): Promise<{ leadProviderId: string; id: string }> => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    if (!isUuid(req.params.id)) throw notFound();
    const id = req.params.id.toLowerCase();
    await assertModifiable(req.em, id, leadProviderId);
    return { leadProviderId, id };
  };

  app.put<{ Params: { id: string } }>('/api/v3/participant-declarations/:id/void', async (req) => {
    const { leadProviderId, id } = await target(req);
    return respond(req, await voidDeclaration(req.em, runtime.naming, leadProviderId, id));
  });

  app.put<{ Params: { id: string } }>(
    '/api/v3/participant-declarations/:id/change-delivery-partner',
    async (req) => {
      const { leadProviderId, id } = await target(req);
      const attrs = readAttributes(req.body, {
        permitted: ['delivery_partner_id', 'secondary_delivery_partner_id'],
      })!;
      return respond(req, await changeDeliveryPartner(req.em, leadProviderId, id, attrs));
    },
  );
}

/** `GET /admin/v1/participants/{id}/declarations`: a person's declarations across providers (operators). */
export function adminDeclarationRoutes(app: FastifyInstance): void {
  app.get<{ Params: { id: string } }>('/admin/v1/participants/:id/declarations', async (req) => {
    const q = ListQuery.forAdmin(req);
    const page = q.page();
    if (!isUuid(req.params.id)) return list([]);
    const rows = await participantDeclarations(req.em, req.params.id.toLowerCase(), page);
    return list(rows.map(serializeParticipantDeclaration));
  });
}
