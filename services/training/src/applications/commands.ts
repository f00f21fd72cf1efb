import type { ApplicationSnapshotV1, EventEnvelope, EventName } from '@npq/contracts';
import type { EntityManager } from '@npq/service-kit';
import { currentParticipantId } from '../people/commands';

type ApplicationEventName = Extract<
  EventName,
  'application.created' | 'application.accepted' | 'application.rejected' | 'application.funded-place-changed'
>;

/**
 * Applies an application snapshot: the application row (in version order), and the enrolment of an
 * accepted application. The enrolment is opened by the first snapshot that shows the application accepted
 * (normally `application.accepted`, but any later one will do if events cross), with its initial `active`
 * state row. After that, schedule, cohort and training status belong to training and application
 * snapshots only refresh the columns applications owns (funded place only on change-funded-place).
 */
export async function applyApplicationSnapshot(
  em: EntityManager,
  envelope: EventEnvelope<ApplicationEventName>,
): Promise<void> {
  const a: ApplicationSnapshotV1 = envelope.data.application;
  const version = envelope.aggregateVersion;
  await em.execute(
    `insert into training.applications as t (id, participant_id, lead_provider_id, course_identifier, status, created_at, updated_at, version)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (id) do update set participant_id = excluded.participant_id, lead_provider_id = excluded.lead_provider_id,
       course_identifier = excluded.course_identifier, status = excluded.status, updated_at = excluded.updated_at,
       version = excluded.version
     where t.version < excluded.version`,
    [
      a.applicationId,
      await currentParticipantId(em, a.participantId),
      a.leadProviderId,
      a.courseIdentifier,
      a.status,
      new Date(a.createdAt),
      new Date(a.updatedAt),
      version,
    ],
  );

  if (a.status === 'accepted' && a.acceptedAt) {
    const acceptedAt = new Date(a.acceptedAt);
    const opened: unknown[] = await em.execute(
      `insert into training.enrolments (id, schedule_identifier, cohort_identifier, funded_place, eligible_for_funding,
         targeted_delivery_funding_eligibility, school_urn, accepted_at, training_status, application_version, version,
         created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, 1, ?, ?)
       on conflict (id) do nothing returning id`,
      [
        a.applicationId,
        a.scheduleIdentifier,
        a.cohortIdentifier,
        a.fundedPlace,
        a.eligibleForFunding,
        a.targetedDeliveryFundingEligibility,
        a.schoolUrn,
        acceptedAt,
        version,
        acceptedAt,
        acceptedAt,
      ],
    );
    if (opened.length > 0) {
      await em.execute(
        `insert into training.application_states (application_id, lead_provider_id, state, reason, created_at) values (?, ?, 'active', null, ?)`,
        [a.applicationId, a.leadProviderId, acceptedAt],
      );
      return;
    }
  }

  const fundedPlaceChanged = envelope.name === 'application.funded-place-changed';
  await em.execute(
    `update training.enrolments set eligible_for_funding = ?, targeted_delivery_funding_eligibility = ?, school_urn = ?,
       funded_place = case when ? then ? else funded_place end, application_version = ?
     where id = ? and application_version < ?`,
    [
      a.eligibleForFunding,
      a.targetedDeliveryFundingEligibility,
      a.schoolUrn,
      fundedPlaceChanged,
      a.fundedPlace,
      version,
      a.applicationId,
      version,
    ],
  );
}
