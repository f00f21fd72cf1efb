import type { ApplicationEventV1, EventEnvelope, PersonSnapshotV1 } from '@npq/contracts';
import { pgArray, type EntityManager, type HandlersOf } from '@npq/service-kit';
import { cohortOrFail } from '../applications/rules';

/**
 * Follows participant id changes (A→B, B→C) to the id in use, so a snapshot that still names a retired
 * participant (emitted before the merge, delivered after it) lands on the kept person.
 */
async function resolveParticipantId(em: EntityManager, participantId: string): Promise<string> {
  let current = participantId;
  for (let hops = 0; hops < 10; hops++) {
    const rows: { to_participant_id: string }[] = await em.execute(
      `select to_participant_id from finance.participant_id_changes where from_participant_id = ? order by changed_at desc limit 1`,
      [current],
    );
    const next = rows[0]?.to_participant_id;
    if (!next || next === current) return current;
    current = next;
  }
  return current;
}

/**
 * Person snapshots arrive through several events (application events, person.updated, merges). They are
 * ordered by the person's version when the snapshot carries one; a stale one is ignored. (Timestamps cannot
 * order them: the sandbox clock may move them backwards.) A retirement is never undone by a later snapshot.
 */
async function applyPerson(em: EntityManager, p: PersonSnapshotV1): Promise<void> {
  const version = p.version ?? 0;
  await em.execute(
    `insert into finance.people as x (id, trn, trn_verified, retired_into_id, significantly_updated_at, version) values (?, ?, ?, ?, ?, ?)
     on conflict (id) do update set trn = excluded.trn, trn_verified = excluded.trn_verified,
       retired_into_id = coalesce(x.retired_into_id, excluded.retired_into_id),
       significantly_updated_at = excluded.significantly_updated_at, version = excluded.version
     where (excluded.version > 0 and x.version <= excluded.version)
        or (excluded.version = 0 and x.version = 0 and x.significantly_updated_at <= excluded.significantly_updated_at)`,
    [
      p.participantId,
      p.trn,
      p.trnVerified,
      p.retiredIntoParticipantId,
      new Date(p.significantlyUpdatedAt),
      version,
    ],
  );
}

async function applyApplication(em: EntityManager, envelope: EventEnvelope): Promise<void> {
  const { application: a, person } = envelope.data as ApplicationEventV1;
  await applyPerson(em, person);
  const cohort = cohortOrFail(a.cohortIdentifier);
  const participantId = await resolveParticipantId(em, a.participantId);
  // Upsert, ignoring an older snapshot. After acceptance training owns schedule, cohort and funded place
  // (change-schedule); a later enrolment change is not overwritten by an application snapshot older than it.
  const keepPlacement = `x.placement_changed_at is not null and x.placement_changed_at > excluded.updated_at`;
  await em.execute(
    `insert into finance.applications as x (id, participant_id, lead_provider_id, course_identifier, cohort_identifier,
       cohort_start_year, status, reason_for_rejection, schedule_identifier, funded_place, eligible_for_funding,
       eligible_for_dfe_funding, fundable_snapshot, targeted_delivery_funding_eligibility, teacher_catchment, school_urn,
       accepted_at, created_at, updated_at, version, enrolment_version, placement_changed_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, null)
     on conflict (id) do update set participant_id = excluded.participant_id, lead_provider_id = excluded.lead_provider_id,
       course_identifier = excluded.course_identifier, status = excluded.status,
       reason_for_rejection = excluded.reason_for_rejection, eligible_for_funding = excluded.eligible_for_funding,
       eligible_for_dfe_funding = excluded.eligible_for_dfe_funding, fundable_snapshot = excluded.fundable_snapshot,
       targeted_delivery_funding_eligibility = excluded.targeted_delivery_funding_eligibility,
       teacher_catchment = excluded.teacher_catchment, school_urn = excluded.school_urn, accepted_at = excluded.accepted_at,
       created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version,
       schedule_identifier = case when ${keepPlacement} then x.schedule_identifier else excluded.schedule_identifier end,
       cohort_identifier = case when ${keepPlacement} then x.cohort_identifier else excluded.cohort_identifier end,
       cohort_start_year = case when ${keepPlacement} then x.cohort_start_year else excluded.cohort_start_year end,
       funded_place = case when ${keepPlacement} then x.funded_place else excluded.funded_place end
     where x.version < excluded.version`,
    [
      a.applicationId,
      participantId,
      a.leadProviderId,
      a.courseIdentifier,
      cohort.identifier,
      cohort.startYear,
      a.status,
      a.reasonForRejection,
      a.scheduleIdentifier,
      a.fundedPlace,
      a.eligibleForFunding,
      a.eligibleForDfeFunding,
      a.fundable,
      a.targetedDeliveryFundingEligibility,
      a.teacherCatchment,
      a.schoolUrn,
      a.acceptedAt ? new Date(a.acceptedAt) : null,
      new Date(a.createdAt),
      new Date(a.updatedAt),
      envelope.aggregateVersion,
    ],
  );
  // A transferred application takes its declarations into the new provider's scope (read-only there).
  await em.execute(
    `update finance.declarations d set application_lead_provider_id = a.lead_provider_id from finance.applications a
     where a.id = ? and d.application_id = a.id and d.application_lead_provider_id <> a.lead_provider_id`,
    [a.applicationId],
  );
}

/**
 * What finance keeps of other services' data: people (TRN for duplicate detection), applications (funding,
 * schedule, catchment, provider), training-status history (the withdrawal rule), participant id changes and
 * outcomes (`has_passed`). Each handler runs in the consumer's inbox transaction, so it applies once.
 */
export const financeHandlers: HandlersOf<'finance'> = {
  // Not `application.created`: finance only ever reads accepted applications (the catalogue agrees).
  'application.accepted': applyApplication,
  'application.rejected': applyApplication,
  'application.funded-place-changed': applyApplication,

  'person.updated': async (em, envelope) => {
    await applyPerson(em, envelope.data.person);
  },

  'participant.merged': async (em, envelope) => {
    const m = envelope.data;
    await em.execute(
      `insert into finance.participant_id_changes (id, from_participant_id, to_participant_id, changed_at) values (?, ?, ?, ?)
       on conflict (id) do nothing`,
      [m.changeId, m.fromParticipantId, m.toParticipantId, new Date(m.changedAt)],
    );
    await applyPerson(em, m.keptPerson);
    await applyPerson(em, m.retiredPerson);
    await em.execute(`update finance.people set retired_into_id = ? where id = ?`, [
      m.toParticipantId,
      m.fromParticipantId,
    ]);
    // The moved applications carry their declarations, statement items and outcomes with them (DfE moves
    // applications, so finance is otherwise unaffected).
    await em.execute(
      `update finance.applications set participant_id = ? where id = any(?::uuid[]) or participant_id = ?`,
      [m.toParticipantId, pgArray(m.movedApplicationIds), m.fromParticipantId],
    );
  },

  'enrolment.training-status-changed': async (em, envelope) => {
    const e = envelope.data;
    // Append-only history, like DfE's application_states; the event id keeps a redelivery from duplicating it.
    await em.execute(
      `insert into finance.application_states (id, application_id, lead_provider_id, state, reason, changed_at, version)
       values (?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing`,
      [
        envelope.id,
        e.applicationId,
        e.leadProviderId,
        e.trainingStatus,
        e.reason,
        new Date(e.changedAt),
        envelope.aggregateVersion,
      ],
    );
  },

  'enrolment.schedule-changed': async (em, envelope) => {
    const e = envelope.data;
    const cohort = cohortOrFail(e.cohortIdentifier);
    await em.execute(
      `update finance.applications set schedule_identifier = ?, cohort_identifier = ?, cohort_start_year = ?, funded_place = ?,
         enrolment_version = ?, placement_changed_at = ?
       where id = ? and enrolment_version < ?`,
      [
        e.scheduleIdentifier,
        cohort.identifier,
        cohort.startYear,
        e.fundedPlace,
        envelope.aggregateVersion,
        new Date(e.changedAt),
        e.applicationId,
        envelope.aggregateVersion,
      ],
    );
  },

  'outcome.recorded': async (em, envelope) => {
    const o = envelope.data;
    const createdAt = new Date(o.createdAt);
    // The envelope's version is the outcome's position among the declaration's outcomes: it orders outcomes
    // that share a created_at (the sandbox clock).
    await em.execute(
      `insert into finance.outcomes (id, declaration_id, state, completion_date, source, created_at, ordinal)
       values (?, ?, ?, ?, 'training', ?, ?) on conflict (id) do nothing`,
      [
        o.outcomeId,
        o.declarationId,
        o.state,
        o.completionDate.slice(0, 10),
        createdAt,
        envelope.aggregateVersion,
      ],
    );
    // Training's record replaces the provisional row finance wrote for the same outcome.
    await em.execute(
      `delete from finance.outcomes where declaration_id = ? and source = 'declaration' and state = ?`,
      [o.declarationId, o.state],
    );
    // DfE touches the declaration when an outcome is recorded, so it shows in updated_since feeds.
    await em.execute(`update finance.declarations set updated_at = greatest(updated_at, ?) where id = ?`, [
      createdAt,
      o.declarationId,
    ]);
  },
};
