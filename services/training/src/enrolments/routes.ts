import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  assertFilterShape,
  isUuid,
  notFound,
  readAttributes,
  requireLeadProvider,
  type Query,
  type ServiceRuntime,
} from '@npq/service-kit';
import { ParticipantRepository } from '../participants/repository';
import { serializeParticipant } from '../participants/serializer';
import { runParticipantAction, type ActionName } from './commands';

type WithId = FastifyRequest<{ Params: { id: string } }>;

/** The attributes DfE permits on every participant action; each action reads the ones it declares. */
const PERMITTED = ['course_identifier', 'reason', 'schedule_identifier', 'cohort'];

/**
 * Defer, resume, withdraw and change-schedule. Each answers 200 with the participant, reloaded, once the
 * services consuming its event (applications, finance) have applied it.
 */
export function participantActionRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  const route = (action: ActionName) => async (req: WithId) => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    // The body is checked before the participant is looked up (DfE's order).
    const attrs = readAttributes(req.body, { permitted: PERMITTED })!;
    if (!isUuid(req.params.id)) throw notFound();
    const participantId = req.params.id.toLowerCase();
    const participants = new ParticipantRepository(req.em);
    // A retired id no longer resolves to anyone the provider can see: 404, as DfE.
    if (!(await participants.isVisible(participantId, leadProviderId))) throw notFound();
    const result = await runParticipantAction(req.em, runtime.naming, action, leadProviderId, participantId, {
      courseIdentifier: attrs.course_identifier,
      reason: attrs.reason,
      scheduleIdentifier: attrs.schedule_identifier,
      cohort: attrs.cohort,
    });
    await runtime.readYourWrites.publishAndWait(result.events);
    const participant = await new ParticipantRepository(req.em.fork()).findVisible(
      participantId,
      leadProviderId,
    );
    if (!participant) throw notFound();
    return { data: serializeParticipant(participant) };
  };

  for (const action of ['defer', 'resume', 'withdraw', 'change-schedule'] as const) {
    app.put<{ Params: { id: string } }>(`/api/v3/participants/npq/:id/${action}`, route(action));
  }
}
