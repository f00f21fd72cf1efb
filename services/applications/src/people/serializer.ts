import type { ApiComponents } from '@npq/contracts';
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
