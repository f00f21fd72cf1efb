import { cohortByIdentifier, type EventEnvelope } from '@npq/contracts';
import type { EntityManager, HandlersOf } from '@npq/service-kit';

async function applyDeclaration(
  em: EntityManager,
  envelope: EventEnvelope<'declaration.created' | 'declaration.voided' | 'declaration.state-changed'>,
) {
  const d = envelope.data.declaration;
  // Upsert, ignoring a snapshot older than the one already applied (events may arrive out of order).
  await em.execute(
    `insert into applications.declarations (declaration_id, application_id, declaration_type, state, version, updated_at)
     values (?, ?, ?, ?, ?, ?)
     on conflict (declaration_id) do update set application_id = excluded.application_id, state = excluded.state,
       declaration_type = excluded.declaration_type, version = excluded.version, updated_at = excluded.updated_at
     where applications.declarations.version < excluded.version`,
    [
      d.declarationId,
      d.applicationId,
      d.declarationType,
      d.state,
      envelope.aggregateVersion,
      new Date(d.updatedAt),
    ],
  );
}

/**
 * Projections applications keeps to enforce its own rules: live declarations per application (reject,
 * change-funded-place) and the enrolment's training status, schedule, cohort and funded place, which
 * training owns after acceptance but the application resource shows.
 */
export const applicationsHandlers: HandlersOf<'applications'> = {
  'declaration.created': applyDeclaration,
  'declaration.voided': applyDeclaration,
  'declaration.state-changed': applyDeclaration,

  'enrolment.training-status-changed': async (em, envelope) => {
    const e = envelope.data;
    await em.execute(
      `update applications.applications set training_status = ?, enrolment_version = ?, updated_at = greatest(updated_at, ?)
       where id = ? and enrolment_version < ?`,
      [
        e.trainingStatus,
        envelope.aggregateVersion,
        new Date(e.changedAt),
        e.applicationId,
        envelope.aggregateVersion,
      ],
    );
  },

  'enrolment.schedule-changed': async (em, envelope) => {
    const e = envelope.data;
    const cohort = cohortByIdentifier(e.cohortIdentifier);
    if (!cohort) throw new Error(`unknown cohort ${e.cohortIdentifier}`);
    await em.execute(
      `update applications.applications set schedule_identifier = ?, cohort_identifier = ?, cohort_start_year = ?,
         cohort_suffix = ?, funded_place = ?, enrolment_version = ?, updated_at = greatest(updated_at, ?)
       where id = ? and enrolment_version < ?`,
      [
        e.scheduleIdentifier,
        cohort.identifier,
        cohort.startYear,
        cohort.suffix,
        e.fundedPlace,
        envelope.aggregateVersion,
        new Date(e.changedAt),
        e.applicationId,
        envelope.aggregateVersion,
      ],
    );
  },
};
