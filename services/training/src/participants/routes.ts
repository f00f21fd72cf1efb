import type { FastifyInstance } from 'fastify';
import { isTrainingStatus, TRAINING_STATUSES, type TrainingStatus } from '@npq/contracts';
import {
  assertFilterShape,
  gone,
  isUuid,
  list,
  ListQuery,
  notFound,
  requireLeadProvider,
  unprocessable,
  type ApiError,
  type EntityManager,
  type Query,
} from '@npq/service-kit';
import { PARTICIPANT_SORT_COLUMNS, ParticipantRepository, type ParticipantIdChangeView } from './repository';
import { serializeParticipant, serializeParticipantIdChange } from './serializer';

/** DfE's 410 for a retired participant id (docs/domain.md, "Participant merges"). */
export function participantIdChanged(change: ParticipantIdChangeView): ApiError {
  return gone([
    {
      title: 'Participant ID has been changed',
      detail: `The participant_id '${change.fromParticipantId}' has been replaced with '${change.toParticipantId}'.`,
      participant_id_changes: [serializeParticipantIdChange(change)],
    },
  ]);
}

/**
 * Resolves `{id}` for participant show and outcome index: a retired id is a 410 (global lookup, before the
 * provider-scoped one), then anything the provider cannot see is a 404.
 */
export async function resolveVisibleParticipant(
  em: EntityManager,
  rawId: string,
  leadProviderId: string,
): Promise<string> {
  if (!isUuid(rawId)) throw notFound();
  const id = rawId.toLowerCase();
  const repo = new ParticipantRepository(em);
  const change = await repo.changeFrom(id);
  if (change) throw participantIdChanged(change);
  if (!(await repo.isVisible(id, leadProviderId))) throw notFound();
  return id;
}

// Ruby's Array#to_s of the allowed values, as DfE prints it.
const TRAINING_STATUS_LIST = `[${TRAINING_STATUSES.map((s) => `"${s}"`).join(', ')}]`;

/** `filter[training_status]`: DfE answers anything but a training status with a 422 (not a 400). */
function parseTrainingStatusFilter(raw: string | undefined): TrainingStatus | undefined {
  if (raw === undefined) return undefined;
  if (!isTrainingStatus(raw)) {
    throw unprocessable([
      {
        title: 'Unpermitted parameters',
        detail: `The filter '#/training_status' must be ${TRAINING_STATUS_LIST}`,
      },
    ]);
  }
  return raw;
}

export function participantReadRoutes(app: FastifyInstance): void {
  app.get('/api/v3/participants/npq', async (req) => {
    const q = ListQuery.forProvider(req);
    const updatedSince = q.date('updated_since');
    const trainingStatus = parseTrainingStatusFilter(q.scalar('training_status'));
    const fromParticipantId = q.scalar('from_participant_id');
    const { limit, offset } = q.page();
    // Not validated by DfE: a value that cannot be a participant id simply matches nobody.
    if (fromParticipantId !== undefined && !isUuid(fromParticipantId)) return list([]);
    const sort = q.sort(PARTICIPANT_SORT_COLUMNS, [{ column: 'p.created_at', direction: 'asc' }]);
    const participants = await new ParticipantRepository(req.em).list({
      leadProviderId: q.leadProviderId,
      updatedSince,
      trainingStatus,
      fromParticipantId: fromParticipantId?.toLowerCase(),
      sort,
      limit,
      offset,
    });
    return list(participants.map(serializeParticipant));
  });

  app.get<{ Params: { id: string } }>('/api/v3/participants/npq/:id', async (req) => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    const id = await resolveVisibleParticipant(req.em, req.params.id, leadProviderId);
    const participant = await new ParticipantRepository(req.em).findVisible(id, leadProviderId);
    if (!participant) throw notFound();
    return { data: serializeParticipant(participant) };
  });
}
