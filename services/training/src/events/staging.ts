import type { EventEnvelope, TrainingStatus } from '@npq/contracts';
import { stageEvent, type EntityManager, type Naming } from '@npq/service-kit';
import type { OutcomeView } from '../outcomes/repository';

export interface EnrolmentRef {
  applicationId: string;
  participantId: string;
  leadProviderId: string;
  /** The enrolment's version after the change: consumers ignore anything older than what they applied. */
  version: number;
}

export function stageTrainingStatusChanged(
  em: EntityManager,
  naming: Naming,
  enrolment: EnrolmentRef,
  change: { trainingStatus: TrainingStatus; reason: string | null; changedAt: Date },
): Promise<EventEnvelope> {
  return stageEvent(em, 'training', naming, {
    name: 'enrolment.training-status-changed',
    aggregateId: enrolment.applicationId,
    aggregateVersion: enrolment.version,
    data: {
      applicationId: enrolment.applicationId,
      participantId: enrolment.participantId,
      leadProviderId: enrolment.leadProviderId,
      trainingStatus: change.trainingStatus,
      reason: change.reason,
      changedAt: change.changedAt.toISOString(),
    },
  });
}

export function stageScheduleChanged(
  em: EntityManager,
  naming: Naming,
  enrolment: EnrolmentRef,
  change: {
    scheduleIdentifier: string;
    cohortIdentifier: string;
    fundedPlace: boolean | null;
    changedAt: Date;
  },
): Promise<EventEnvelope> {
  return stageEvent(em, 'training', naming, {
    name: 'enrolment.schedule-changed',
    aggregateId: enrolment.applicationId,
    aggregateVersion: enrolment.version,
    data: {
      applicationId: enrolment.applicationId,
      participantId: enrolment.participantId,
      leadProviderId: enrolment.leadProviderId,
      scheduleIdentifier: change.scheduleIdentifier,
      cohortIdentifier: change.cohortIdentifier,
      fundedPlace: change.fundedPlace,
      changedAt: change.changedAt.toISOString(),
    },
  });
}

/**
 * `outcome.recorded`. The aggregate is the declaration and the version its number of outcomes, so a
 * consumer deriving the declaration's `has_passed` from the latest outcome can order them even when
 * several share a `createdAt` (the sandbox clock).
 */
export function stageOutcomeRecorded(
  em: EntityManager,
  naming: Naming,
  outcome: OutcomeView,
  ordinal: number,
): Promise<EventEnvelope> {
  return stageEvent(em, 'training', naming, {
    name: 'outcome.recorded',
    aggregateId: outcome.declarationId,
    aggregateVersion: ordinal,
    data: {
      outcomeId: outcome.id,
      declarationId: outcome.declarationId,
      applicationId: outcome.applicationId,
      participantId: outcome.participantId,
      leadProviderId: outcome.leadProviderId,
      courseIdentifier: outcome.courseIdentifier,
      state: outcome.state,
      completionDate: outcome.completionDate,
      createdAt: outcome.createdAt.toISOString(),
    },
  });
}
