import type { FastifyInstance } from 'fastify';
import {
  isUuid,
  list,
  ListQuery,
  notFound,
  readAttributes,
  requireAdmin,
  runIdempotent,
  type ServiceRuntime,
} from '@npq/service-kit';
import { mergeParticipants, previewMerge, updateParticipant } from './commands';
import { PersonSchema } from './entity';
import { applicationsOfPerson, idChangesOfPerson, searchPeople } from './queries';
import {
  serializeAdminParticipant,
  serializeMergePreview,
  serializeParticipantDetail,
  serializeParticipantIdChange,
  serializeParticipantSummary,
} from './serializer';

/** DfE operations on people: identity changes and merges. Both wait for training and finance to apply them. */
export function peopleRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  /** The operators' search by id, TRN or email (people/queries.ts `searchPeople`). */
  app.get('/admin/v1/participants', async (req) => {
    const q = ListQuery.forAdmin(req);
    const page = q.page();
    const term = (req.query as Record<string, unknown>).q;
    const people = await searchPeople(
      req.em,
      typeof term === 'string' && term !== '' ? term : undefined,
      page,
    );
    return list(people.map(serializeParticipantSummary));
  });

  /** A person, their applications and id-change trail; a retired id is a 404 (its trail is on the survivor). */
  app.get<{ Params: { id: string } }>('/admin/v1/participants/:id', async (req) => {
    requireAdmin(req);
    if (!isUuid(req.params.id)) throw notFound();
    const person = await req.em.findOne(PersonSchema, {
      id: req.params.id.toLowerCase(),
      retiredIntoId: null,
    });
    if (!person) throw notFound();
    const [applications, changes] = await Promise.all([
      applicationsOfPerson(req.em, person.id),
      idChangesOfPerson(req.em, person.id),
    ]);
    return { data: serializeParticipantDetail(person, applications, changes) };
  });

  /** What merging `{id}` into `into_participant_id` would do (people/commands.ts `previewMerge`). */
  app.get<{ Params: { id: string } }>('/admin/v1/participants/:id/merge-preview', async (req) => {
    requireAdmin(req);
    if (!isUuid(req.params.id)) throw notFound();
    const into = (req.query as Record<string, unknown>).into_participant_id;
    return { data: serializeMergePreview(await previewMerge(req.em, req.params.id.toLowerCase(), into)) };
  });

  app.patch<{ Params: { id: string } }>('/admin/v1/participants/:id', async (req) => {
    requireAdmin(req);
    if (!isUuid(req.params.id)) throw notFound();
    const attrs = readAttributes(req.body)!;
    const { person, events } = await updateParticipant(
      req.em,
      runtime.naming,
      req.params.id.toLowerCase(),
      attrs,
    );
    await runtime.readYourWrites.publishAndWait(events);
    return { data: serializeAdminParticipant(person) };
  });

  app.post<{ Params: { id: string } }>('/admin/v1/participants/:id/merge', async (req, reply) => {
    requireAdmin(req);
    if (!isUuid(req.params.id)) throw notFound();
    return runIdempotent(req, reply, runtime, async (em) => {
      const attrs = readAttributes(req.body, { permitted: ['into_participant_id'] })!;
      const { change, events } = await mergeParticipants(
        em,
        runtime.naming,
        req.params.id.toLowerCase(),
        attrs.into_participant_id,
      );
      return { status: 200, body: { data: serializeParticipantIdChange(change) }, events };
    });
  });
}
