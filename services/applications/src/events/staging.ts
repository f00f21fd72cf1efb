import type { ApplicationSnapshotV1, EventEnvelope, EventName, PersonSnapshotV1 } from '@npq/contracts';
import { stageEvent, type EntityManager, type Naming } from '@npq/service-kit';
import type { Application } from '../applications/entity';
import { eligibleForDfeFunding, isFundable } from '../applications/rules';
import type { Person } from '../people/entity';

export function personSnapshot(p: Person): PersonSnapshotV1 {
  return {
    participantId: p.id,
    fullName: p.fullName,
    email: p.email,
    trn: p.trn,
    trnVerified: p.trnVerified,
    previousNames: [...p.previousNames],
    retiredIntoParticipantId: p.retiredIntoId,
    createdAt: p.createdAt.toISOString(),
    significantlyUpdatedAt: p.significantlyUpdatedAt.toISOString(),
    version: p.version,
  };
}

export function applicationSnapshot(a: Application, previouslyFunded: boolean): ApplicationSnapshotV1 {
  const eligible = eligibleForDfeFunding({
    previouslyFunded,
    fundingEligibilityStatusCode: a.fundingEligibilityStatusCode,
    eligibleForFunding: a.eligibleForFunding,
  });
  return {
    applicationId: a.id,
    participantId: a.personId,
    leadProviderId: a.leadProviderId,
    courseIdentifier: a.courseIdentifier,
    cohortIdentifier: a.cohortIdentifier,
    status: a.status,
    reasonForRejection: a.reasonForRejection,
    scheduleIdentifier: a.scheduleIdentifier,
    fundedPlace: a.fundedPlace,
    eligibleForFunding: a.eligibleForFunding,
    eligibleForDfeFunding: eligible,
    fundable: isFundable(eligible, a.fundedPlace),
    targetedDeliveryFundingEligibility: a.targetedDeliveryFundingEligibility,
    teacherCatchment: a.teacherCatchment,
    schoolUrn: a.schoolUrn,
    acceptedAt: a.acceptedAt ? a.acceptedAt.toISOString() : null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export type ApplicationEventName = Extract<
  EventName,
  'application.created' | 'application.accepted' | 'application.rejected' | 'application.funded-place-changed'
>;

/** Stages an application event (full snapshot) in the caller's transaction. */
export function stageApplicationEvent(
  em: EntityManager,
  naming: Naming,
  name: ApplicationEventName,
  application: Application,
  person: Person,
  previouslyFunded: boolean,
  relatedApplicationIds?: string[],
): Promise<EventEnvelope> {
  return stageEvent(em, 'applications', naming, {
    name,
    aggregateId: application.id,
    aggregateVersion: application.version,
    data: {
      application: applicationSnapshot(application, previouslyFunded),
      person: personSnapshot(person),
      ...(relatedApplicationIds ? { relatedApplicationIds } : {}),
    },
  });
}

export function stagePersonUpdated(
  em: EntityManager,
  naming: Naming,
  person: Person,
): Promise<EventEnvelope> {
  return stageEvent(em, 'applications', naming, {
    name: 'person.updated',
    aggregateId: person.id,
    aggregateVersion: person.version,
    data: { person: personSnapshot(person) },
  });
}

export function stageParticipantMerged(
  em: EntityManager,
  naming: Naming,
  change: { id: string; createdAt: Date },
  kept: Person,
  retired: Person,
  moved: { id: string; leadProviderId: string }[],
): Promise<EventEnvelope> {
  return stageEvent(em, 'applications', naming, {
    name: 'participant.merged',
    // The kept person is the aggregate: its version orders this against its other events.
    aggregateId: kept.id,
    aggregateVersion: kept.version,
    data: {
      changeId: change.id,
      fromParticipantId: retired.id,
      toParticipantId: kept.id,
      changedAt: change.createdAt.toISOString(),
      movedApplicationIds: moved.map((a) => a.id),
      movedApplications: moved.map((a) => ({ applicationId: a.id, leadProviderId: a.leadProviderId })),
      keptPerson: personSnapshot(kept),
      retiredPerson: personSnapshot(retired),
    },
  });
}
