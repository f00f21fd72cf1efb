import { isTrainingStatus, type ApiComponents } from '@npq/contracts';
import type { Application } from '../applications/entity';
import type { MergePreview } from './commands';
import { toRfc3339 } from '@npq/service-kit';
import type { ParticipantIdChange, Person } from './entity';

type Schemas = ApiComponents['schemas'];

/** DfE operators' view of a person: the stored TRN whether validated or not. */
export function serializeAdminParticipant(p: Person): Schemas['AdminParticipant'] {
  return {
    id: p.id,
    type: 'participant',
    attributes: {
      full_name: p.fullName,
      email: p.email,
      teacher_reference_number: p.trn,
      teacher_reference_number_validated: p.trnVerified,
      previous_names: [...p.previousNames],
      created_at: toRfc3339(p.createdAt),
      updated_at: toRfc3339(p.significantlyUpdatedAt > p.updatedAt ? p.significantlyUpdatedAt : p.updatedAt),
    },
  };
}

export function serializeParticipantIdChange(c: ParticipantIdChange): Schemas['ParticipantIdChangeResource'] {
  return {
    id: c.id,
    type: 'participant-id-change',
    attributes: {
      from_participant_id: c.fromParticipantId,
      to_participant_id: c.toParticipantId,
      changed_at: toRfc3339(c.createdAt),
    },
  };
}

/** A person as the operators' search lists them. */
export function serializeParticipantSummary(p: Person): Schemas['AdminParticipantSummary'] {
  const { previous_names: _previousNames, ...attributes } = serializeAdminParticipant(p).attributes;
  return { id: p.id, type: 'participant', attributes };
}

/** A person with their applications and the ids merged into them. */
export function serializeParticipantDetail(
  p: Person,
  applications: Application[],
  changes: ParticipantIdChange[],
): Schemas['AdminParticipantDetail'] {
  return {
    id: p.id,
    type: 'participant',
    attributes: {
      ...serializeAdminParticipant(p).attributes,
      applications: applications.map((a) => ({
        id: a.id,
        lead_provider_id: a.leadProviderId,
        course_identifier: a.courseIdentifier as Schemas['CourseIdentifier'],
        cohort: String(a.cohortStartYear),
        status: a.status,
        training_status: isTrainingStatus(a.trainingStatus) ? a.trainingStatus : null,
        funded_place: a.fundedPlace,
        created_at: toRfc3339(a.createdAt),
      })),
      participant_id_changes: changes.map((c) => serializeParticipantIdChange(c).attributes),
    },
  };
}

export function serializeMergePreview(m: MergePreview): Schemas['ParticipantMergePreview'] {
  return {
    id: m.fromParticipantId,
    type: 'participant-merge-preview',
    attributes: {
      from_participant_id: m.fromParticipantId,
      into_participant_id: m.intoParticipantId,
      applications_moving: m.applicationsMoving,
      conflicts: m.conflicts,
      allowed: m.conflicts.length === 0,
    },
  };
}
