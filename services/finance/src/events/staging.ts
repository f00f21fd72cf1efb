import type { DeclarationSnapshotV1, DeclarationState, EventEnvelope } from '@npq/contracts';
import { stageEvent, type EntityManager, type Naming } from '@npq/service-kit';

/** What the declaration events carry; read from finance's own rows inside the command's transaction. */
export interface DeclarationEventSource {
  id: string;
  applicationId: string;
  participantId: string;
  leadProviderId: string;
  courseIdentifier: string;
  declarationType: string;
  declarationDate: Date;
  state: DeclarationState;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** The event source of a declaration as read back (course and participant are its application's). */
export function declarationEventSource(v: DeclarationEventSource): DeclarationEventSource {
  return {
    id: v.id,
    applicationId: v.applicationId,
    participantId: v.participantId,
    leadProviderId: v.leadProviderId,
    courseIdentifier: v.courseIdentifier,
    declarationType: v.declarationType,
    declarationDate: v.declarationDate,
    state: v.state,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    version: v.version,
  };
}

export function declarationSnapshot(
  d: DeclarationEventSource,
  hasPassed: boolean | null,
): DeclarationSnapshotV1 {
  return {
    declarationId: d.id,
    applicationId: d.applicationId,
    participantId: d.participantId,
    leadProviderId: d.leadProviderId,
    courseIdentifier: d.courseIdentifier,
    declarationType: d.declarationType as DeclarationSnapshotV1['declarationType'],
    declarationDate: d.declarationDate.toISOString(),
    state: d.state,
    hasPassed,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

type DeclarationEventName = 'declaration.created' | 'declaration.voided' | 'declaration.state-changed';

/**
 * Stages a declaration event (a full snapshot at `version`) in the caller's transaction. `hasPassed` is
 * only set on the creation of a completed leadership/specialist declaration: training records that outcome.
 */
export function stageDeclarationEvent(
  em: EntityManager,
  naming: Naming,
  name: DeclarationEventName,
  declaration: DeclarationEventSource,
  hasPassed: boolean | null = null,
): Promise<EventEnvelope> {
  return stageEvent(em, 'finance', naming, {
    name,
    aggregateId: declaration.id,
    aggregateVersion: declaration.version,
    data: { declaration: declarationSnapshot(declaration, hasPassed) },
  });
}

export function stageStatementStateChanged(
  em: EntityManager,
  naming: Naming,
  statement: {
    id: string;
    leadProviderId: string;
    cohortIdentifier: string;
    state: 'open' | 'payable' | 'paid';
    version: number;
  },
  changedAt: Date,
): Promise<EventEnvelope> {
  return stageEvent(em, 'finance', naming, {
    name: 'statement.state-changed',
    aggregateId: statement.id,
    aggregateVersion: statement.version,
    data: {
      statementId: statement.id,
      leadProviderId: statement.leadProviderId,
      cohortIdentifier: statement.cohortIdentifier,
      state: statement.state,
      changedAt: changedAt.toISOString(),
    },
  });
}
