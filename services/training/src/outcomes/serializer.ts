import type { ApiComponents } from '@npq/contracts';
import { toDateRfc3339, toRfc3339 } from '@npq/service-kit';
import type { OutcomeView } from './repository';

type Schemas = ApiComponents['schemas'];
export type OutcomeResource = Schemas['ParticipantOutcome'];

/** The v3 outcome resource, attributes in DfE's order. */
export function serializeOutcome(o: OutcomeView): OutcomeResource {
  return {
    id: o.id,
    type: 'participant-outcome',
    attributes: {
      state: o.state,
      completion_date: toDateRfc3339(o.completionDate),
      course_identifier: o.courseIdentifier as Schemas['OutcomeCourseIdentifier'],
      participant_id: o.participantId,
      created_at: toRfc3339(o.createdAt),
      updated_at: toRfc3339(o.updatedAt),
    },
  };
}
