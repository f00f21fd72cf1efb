import type { FastifyInstance } from 'fastify';
import {
  isUuid,
  notFound,
  readAttributes,
  requireAdmin,
  runIdempotent,
  type ServiceRuntime,
} from '@npq/service-kit';
import { mergeParticipants, updateParticipant } from './commands';
import { serializeAdminParticipant, serializeParticipantIdChange } from './serializer';

/** DfE operations on people: identity changes and merges. Both wait for training and finance to apply them. */
export function peopleRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
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
