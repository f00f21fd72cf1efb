import { EntitySchema } from '@mikro-orm/postgresql';

/**
 * What finance keeps from other services' events (it never reads their tables; docs/domain.md#what-finance-keeps).
 * Written only by events/handlers.ts; read through queries.ts.
 */

/** A participant as far as finance needs one: the TRN for duplicate detection, and retirement by merges. */
export interface PersonRow {
  id: string;
  trn: string | null;
  trnVerified: boolean;
  retiredIntoId: string | null;
  significantlyUpdatedAt: Date;
  /** The person's aggregate version from the snapshot (0 when a snapshot carried none). */
  version: number;
}

export const PersonSchema = new EntitySchema<PersonRow>({
  name: 'PersonRow',
  tableName: 'people',
  properties: {
    id: { type: 'uuid', primary: true },
    trn: { type: 'string', length: 20, nullable: true, index: 'people_trn_idx' },
    trnVerified: { type: 'boolean', default: false },
    retiredIntoId: { type: 'uuid', nullable: true },
    significantlyUpdatedAt: { type: 'Date', columnType: 'timestamptz' },
    version: { type: 'integer', default: 0 },
  },
});

/** ApplicationSnapshotV1 as last applied, plus the enrolment's schedule/cohort/funded place from training. */
export interface ApplicationRow {
  id: string;
  participantId: string;
  leadProviderId: string;
  courseIdentifier: string;
  cohortIdentifier: string;
  cohortStartYear: number;
  status: string;
  reasonForRejection: string | null;
  scheduleIdentifier: string | null;
  fundedPlace: boolean | null;
  eligibleForFunding: boolean;
  eligibleForDfeFunding: boolean;
  /** The snapshot's own `fundable`, kept for audit; finance recomputes fundability (applications/rules.ts). */
  fundableSnapshot: boolean;
  targetedDeliveryFundingEligibility: boolean;
  teacherCatchment: string | null;
  schoolUrn: string | null;
  acceptedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** aggregateVersion of the last application event applied. */
  version: number;
  /** aggregateVersion of the last enrolment.schedule-changed applied. */
  enrolmentVersion: number;
  /** When schedule/cohort/funded place last changed through the enrolment (training owns them after accept). */
  placementChangedAt: Date | null;
}

export const ApplicationSchema = new EntitySchema<ApplicationRow>({
  name: 'ApplicationRow',
  tableName: 'applications',
  properties: {
    id: { type: 'uuid', primary: true },
    participantId: { type: 'uuid' },
    leadProviderId: { type: 'uuid' },
    courseIdentifier: { type: 'string', length: 60 },
    cohortIdentifier: { type: 'string', length: 5 },
    cohortStartYear: { type: 'integer' },
    status: { type: 'string', length: 20 },
    reasonForRejection: { type: 'string', length: 60, nullable: true },
    scheduleIdentifier: { type: 'string', length: 40, nullable: true },
    fundedPlace: { type: 'boolean', nullable: true },
    eligibleForFunding: { type: 'boolean' },
    eligibleForDfeFunding: { type: 'boolean' },
    fundableSnapshot: { type: 'boolean' },
    targetedDeliveryFundingEligibility: { type: 'boolean' },
    teacherCatchment: { type: 'string', length: 40, nullable: true },
    schoolUrn: { type: 'string', length: 20, nullable: true },
    acceptedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
    version: { type: 'integer' },
    enrolmentVersion: { type: 'integer', default: 0 },
    placementChangedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
  },
  indexes: [
    // Participant resolution for a provider (declaration create) and the participant_id filter.
    { name: 'applications_participant_lp_idx', properties: ['participantId', 'leadProviderId'] },
    // The "visible through the application" half of the declaration scope.
    { name: 'applications_lp_idx', properties: ['leadProviderId'] },
  ],
});

/** Training-status history (DfE's application_states), from enrolment.training-status-changed. */
export interface ApplicationStateRow {
  id: string;
  applicationId: string;
  leadProviderId: string;
  state: string;
  reason: string | null;
  changedAt: Date;
  version: number;
}

export const ApplicationStateSchema = new EntitySchema<ApplicationStateRow>({
  name: 'ApplicationStateRow',
  tableName: 'application_states',
  properties: {
    id: { type: 'uuid', primary: true },
    applicationId: { type: 'uuid' },
    leadProviderId: { type: 'uuid' },
    state: { type: 'string', length: 20 },
    reason: { type: 'string', length: 100, nullable: true },
    changedAt: { type: 'Date', columnType: 'timestamptz' },
    version: { type: 'integer' },
  },
  indexes: [
    { name: 'application_states_latest_idx', properties: ['applicationId', 'leadProviderId', 'changedAt'] },
  ],
});

/** Retired participant ids (participant.merged). */
export interface ParticipantIdChangeRow {
  id: string;
  fromParticipantId: string;
  toParticipantId: string;
  changedAt: Date;
}

export const ParticipantIdChangeSchema = new EntitySchema<ParticipantIdChangeRow>({
  name: 'ParticipantIdChangeRow',
  tableName: 'participant_id_changes',
  properties: {
    id: { type: 'uuid', primary: true },
    fromParticipantId: { type: 'uuid', index: 'participant_id_changes_from_idx' },
    toParticipantId: { type: 'uuid' },
    changedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});

/**
 * Outcomes of declarations. `source = 'training'` rows come from outcome.recorded (the record of truth);
 * `source = 'declaration'` rows are written by finance in the same transaction as a completed declaration's
 * create or void, so `has_passed` is right at once, and are dropped when training's matching outcome arrives.
 */
export interface OutcomeRow {
  id: string;
  declarationId: string;
  state: string;
  completionDate: string;
  source: string;
  createdAt: Date;
  /** Training's position of the outcome among the declaration's outcomes (0 for finance's own rows). */
  ordinal: number;
}

export const OutcomeSchema = new EntitySchema<OutcomeRow>({
  name: 'OutcomeRow',
  tableName: 'outcomes',
  properties: {
    id: { type: 'uuid', primary: true },
    declarationId: { type: 'uuid' },
    state: { type: 'string', length: 20 },
    completionDate: { type: 'date' },
    source: { type: 'string', length: 20 },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    ordinal: { type: 'integer', default: 0 },
  },
  indexes: [
    { name: 'outcomes_declaration_latest_idx', properties: ['declarationId', 'createdAt', 'ordinal'] },
  ],
});

export const PROJECTION_ENTITIES = [
  PersonSchema,
  ApplicationSchema,
  ApplicationStateSchema,
  ParticipantIdChangeSchema,
  OutcomeSchema,
];
