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
import { ParticipantRepository } from '../participants/repository';
import { resolveVisibleParticipant } from '../participants/routes';
import { createOutcome } from './commands';
import { OutcomeRepository } from './repository';
import { serializeOutcome } from './serializer';

type WithId = FastifyRequest<{ Params: { id: string } }>;

export function outcomeRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  app.get('/api/v3/participants/npq/outcomes', async (req) => {
    const q = ListQuery.forProvider(req);
    const createdSince = q.date('created_since');
    const outcomes = await new OutcomeRepository(req.em).list({
      leadProviderId: q.leadProviderId,
      createdSince,
      ...q.page(),
    });
    return list(outcomes.map(serializeOutcome));
  });

  app.get<{ Params: { id: string } }>('/api/v3/participants/npq/:id/outcomes', async (req: WithId) => {
    const q = ListQuery.forProvider(req);
    const participantId = await resolveVisibleParticipant(req.em, req.params.id, q.leadProviderId);
    const outcomes = await new OutcomeRepository(req.em).list({
      leadProviderId: q.leadProviderId,
      participantId,
      ...q.page(),
    });
    return list(outcomes.map(serializeOutcome));
  });

  /**
   * Answers 200 (not 201) with the outcome, new or existing; a new one is answered only once finance has
   * applied it, so the declaration's `has_passed` agrees on the next request.
   */
  app.post<{ Params: { id: string } }>('/api/v3/participants/npq/:id/outcomes', async (req: WithId) => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    // DfE reads the body before it looks the participant up: a bad body is a 400 even for an unknown id.
    const attrs = readAttributes(req.body, { permitted: ['course_identifier', 'state', 'completion_date'] })!;
    if (!isUuid(req.params.id)) throw notFound();
    const participantId = req.params.id.toLowerCase();
    if (!(await new ParticipantRepository(req.em).isVisible(participantId, leadProviderId))) throw notFound();
    const result = await createOutcome(req.em, runtime.naming, leadProviderId, participantId, {
      courseIdentifier: attrs.course_identifier,
      state: attrs.state,
      completionDate: attrs.completion_date,
    });
    await runtime.readYourWrites.publishAndWait(result.events);
    return { data: serializeOutcome(result.outcome) };
  });
}
