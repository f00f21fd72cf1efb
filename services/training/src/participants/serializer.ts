import { cohortByIdentifier, type ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import { shownTrn } from './rules';
import type { EnrolmentView, ParticipantIdChangeView, ParticipantView } from './repository';

type Schemas = ApiComponents['schemas'];
export type ParticipantResource = Schemas['Participant'];

function serializeEnrolment(e: EnrolmentView, email: string | null): Schemas['NpqEnrolment'] {
  const cohort = cohortByIdentifier(e.cohortIdentifier);
  return {
    email,
    course_identifier: e.courseIdentifier as Schemas['CourseIdentifier'],
    schedule_identifier: e.scheduleIdentifier as Schemas['NpqEnrolment']['schedule_identifier'],
    cohort: cohort ? String(cohort.startYear) : null,
    cohort_suffix: cohort ? cohort.suffix : null,
    npq_application_id: e.applicationId,
    eligible_for_funding: e.eligibleForFunding,
    training_status: e.trainingStatus,
    school_urn: e.schoolUrn,
    targeted_delivery_funding_eligibility: e.targetedDeliveryFundingEligibility,
    withdrawal: e.withdrawal
      ? { reason: e.withdrawal.reason as Schemas['WithdrawalReason'], date: toRfc3339(e.withdrawal.date) }
      : null,
    deferral: e.deferral
      ? { reason: e.deferral.reason as Schemas['DeferralReason'], date: toRfc3339(e.deferral.date) }
      : null,
    created_at: toRfc3339(e.acceptedAt),
    funded_place: e.fundedPlace,
  };
}

export function serializeParticipantIdChange(c: ParticipantIdChangeView): Schemas['ParticipantIdChange'] {
  return {
    from_participant_id: c.fromParticipantId,
    to_participant_id: c.toParticipantId,
    changed_at: toRfc3339(c.changedAt),
  };
}

/** The v3 participant resource, attributes and enrolment keys in DfE's order. */
export function serializeParticipant(p: ParticipantView): ParticipantResource {
  return {
    id: p.id,
    type: 'npq-participant',
    attributes: {
      full_name: p.fullName,
      previous_names: p.previousNames,
      teacher_reference_number: shownTrn(p),
      updated_at: toRfc3339(p.updatedAt),
      npq_enrolments: p.enrolments.map((e) => serializeEnrolment(e, p.email)),
      participant_id_changes: p.participantIdChanges.map(serializeParticipantIdChange),
    },
  };
}
