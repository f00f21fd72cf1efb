import { BigIntType, EntitySchema, OptionalProps } from '@mikro-orm/postgresql';
import type { TrainingStatus } from '@npq/contracts';

/**
 * The training side of an accepted application (DfE keeps these columns on the application). Created from
 * the first snapshot that shows the application accepted; afterwards schedule, cohort, training status
 * and (through change-schedule) funded place belong to training. `version` is the optimistic lock: it
 * starts at 1 and every write moves it on; training's `enrolment.*` events carry it, so consumers can order
 * them (docs/domain.md, "Projections").
 */
export class Enrolment {
  /** The application id. */
  id!: string;
  scheduleIdentifier: string | null = null;
  /** e.g. "2025a". */
  cohortIdentifier!: string;
  fundedPlace: boolean | null = null;
  /** The raw `eligible_for_funding` column (no previously-funded override). */
  eligibleForFunding!: boolean;
  targetedDeliveryFundingEligibility!: boolean;
  schoolUrn: string | null = null;
  acceptedAt!: Date;
  trainingStatus: TrainingStatus = 'active';
  /** aggregateVersion of the last applications snapshot applied to the application-owned columns. */
  applicationVersion!: number;
  version = 1;
  createdAt!: Date;
  updatedAt!: Date;
}

export const EnrolmentSchema = new EntitySchema<Enrolment>({
  class: Enrolment,
  tableName: 'enrolments',
  properties: {
    id: { type: 'uuid', primary: true },
    scheduleIdentifier: { type: 'string', length: 40, nullable: true },
    cohortIdentifier: { type: 'string', length: 5 },
    fundedPlace: { type: 'boolean', nullable: true },
    eligibleForFunding: { type: 'boolean' },
    targetedDeliveryFundingEligibility: { type: 'boolean' },
    schoolUrn: { type: 'string', length: 20, nullable: true },
    acceptedAt: { type: 'Date', columnType: 'timestamptz' },
    trainingStatus: { type: 'string', length: 20, index: 'enrolments_training_status_idx' },
    applicationVersion: { type: 'integer' },
    version: { type: 'integer', version: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});

/**
 * One row per training-status change of an enrolment (DfE's application_states), with the provider that
 * made it. `seq` orders rows written in the same second (the sandbox clock freezes time per request).
 */
export class ApplicationState {
  /** Assigned by the database on insert. */
  [OptionalProps]?: 'seq';
  seq!: string;
  applicationId!: string;
  leadProviderId!: string;
  state!: TrainingStatus;
  reason: string | null = null;
  createdAt!: Date;
}

export const ApplicationStateSchema = new EntitySchema<ApplicationState>({
  class: ApplicationState,
  tableName: 'application_states',
  properties: {
    seq: { type: new BigIntType('string'), primary: true, autoincrement: true },
    applicationId: { type: 'uuid' },
    leadProviderId: { type: 'uuid' },
    state: { type: 'string', length: 20 },
    reason: { type: 'string', length: 80, nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
  },
  indexes: [
    {
      name: 'application_states_application_idx',
      properties: ['applicationId', 'state', 'leadProviderId', 'seq'],
    },
  ],
});
