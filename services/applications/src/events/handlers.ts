import { cohortByIdentifier, type EventEnvelope } from '@npq/contracts';
import type { EntityManager, HandlersOf } from '@npq/service-kit';
import { applyEnrolmentChange } from '../applications/commands';
import { applyDeclarationSnapshot } from '../declarations/commands';

function applyDeclaration(
  em: EntityManager,
  envelope: EventEnvelope<'declaration.created' | 'declaration.voided' | 'declaration.state-changed'>,
): Promise<void> {
  return applyDeclarationSnapshot(em, envelope.data.declaration, envelope.aggregateVersion);
}

/**
 * Projections applications keeps to enforce its own rules: live declarations per application (reject,
 * change-funded-place) and the enrolment's training status, schedule, cohort and funded place, which
 * training owns after acceptance but the application resource shows. Each runs in the consumer's
 * transaction, which flushes it.
 */
export const applicationsHandlers: HandlersOf<'applications'> = {
  'declaration.created': applyDeclaration,
  'declaration.voided': applyDeclaration,
  'declaration.state-changed': applyDeclaration,

  'enrolment.training-status-changed': (em, envelope) => {
    const e = envelope.data;
    return applyEnrolmentChange(em, e.applicationId, envelope.aggregateVersion, new Date(e.changedAt), {
      trainingStatus: e.trainingStatus,
    });
  },

  'enrolment.schedule-changed': (em, envelope) => {
    const e = envelope.data;
    const cohort = cohortByIdentifier(e.cohortIdentifier);
    if (!cohort) throw new Error(`unknown cohort ${e.cohortIdentifier}`);
    return applyEnrolmentChange(em, e.applicationId, envelope.aggregateVersion, new Date(e.changedAt), {
      scheduleIdentifier: e.scheduleIdentifier,
      cohortIdentifier: cohort.identifier,
      cohortStartYear: cohort.startYear,
      cohortSuffix: cohort.suffix,
      fundedPlace: e.fundedPlace,
    });
  },
};
