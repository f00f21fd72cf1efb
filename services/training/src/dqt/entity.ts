import { BigIntType, EntitySchema, OptionalProps } from '@mikro-orm/postgresql';

export type DeliveryState = 'pending' | 'sent' | 'failed';

/**
 * One push of an outcome to DQT (at most one per outcome). Written in the outcome's transaction, so an
 * outcome that exists always has its delivery; the worker's sweep turns pending rows into BullMQ jobs.
 * `trn` and `completionDate` are snapshots of what is sent (null `completionDate` retracts a pass).
 * `seq` orders the pushes of one participant.
 */
export class OutcomeDelivery {
  /** Assigned by the database on insert. */
  [OptionalProps]?: 'seq';
  seq!: string;
  id!: string;
  outcomeId!: string;
  declarationId!: string;
  participantId!: string;
  trn!: string;
  courseIdentifier!: string;
  qualificationType!: string;
  completionDate: string | null = null;
  state: DeliveryState = 'pending';
  /** BullMQ job id: the outcome id, with a suffix for each admin retry. */
  jobId!: string;
  attempts = 0;
  lastStatusCode: number | null = null;
  lastError: string | null = null;
  lastAttemptAt: Date | null = null;
  sentAt: Date | null = null;
  /** While set and in the future, one job run holds the delivery (it is sending); no other run may send. */
  claimedUntil: Date | null = null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const OutcomeDeliverySchema = new EntitySchema<OutcomeDelivery>({
  class: OutcomeDelivery,
  tableName: 'outcome_deliveries',
  properties: {
    seq: { type: new BigIntType('string'), primary: true, autoincrement: true },
    id: { type: 'uuid', unique: 'outcome_deliveries_id_unique' },
    outcomeId: { type: 'uuid', unique: 'outcome_deliveries_outcome_unique' },
    declarationId: { type: 'uuid', index: 'outcome_deliveries_declaration_idx' },
    participantId: { type: 'uuid' },
    trn: { type: 'string', length: 20 },
    courseIdentifier: { type: 'string', length: 60 },
    qualificationType: { type: 'string', length: 20 },
    completionDate: { type: 'date', nullable: true },
    state: { type: 'string', length: 20 },
    jobId: { type: 'string', length: 80 },
    attempts: { type: 'integer' },
    lastStatusCode: { type: 'integer', nullable: true },
    lastError: { type: 'text', nullable: true },
    lastAttemptAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    sentAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    claimedUntil: { type: 'Date', columnType: 'timestamptz', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
  indexes: [
    { name: 'outcome_deliveries_created_idx', properties: ['createdAt', 'id'] },
    { name: 'outcome_deliveries_state_idx', properties: ['state', 'createdAt', 'id'] },
    {
      name: 'outcome_deliveries_pending_idx',
      // Partial: the sweep only ever scans what is still to send, oldest first.
      expression: (columns, table, indexName) =>
        `create index "${indexName}" on ${String(table)} ("${columns.seq}") where "${columns.state}" = 'pending'`,
    },
    // "Is an older push of this participant still pending?" (ordering).
    { name: 'outcome_deliveries_participant_idx', properties: ['participantId', 'state', 'seq'] },
  ],
});

/**
 * What became of one attempt: `in_flight` from just before the request goes out until its answer is
 * recorded; then the delivery's state it led to (`sent`, `retry`, `failed`). An attempt still in flight
 * when the next run claims the delivery is `interrupted`: its worker died mid-request, so DQT may or may
 * not have received it (docs/operations.md, "Guarantees").
 */
export type AttemptOutcome = 'in_flight' | 'sent' | 'retry' | 'failed' | 'interrupted';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = [
  'in_flight',
  'sent',
  'retry',
  'failed',
  'interrupted',
];

/**
 * Every HTTP attempt of a delivery, for ops: status, time and a short, redacted response excerpt. Written
 * (and committed) before the request is sent, so a worker dying mid-request leaves a trace.
 */
export class OutcomeDeliveryAttempt {
  /** Assigned by the database on insert. */
  [OptionalProps]?: 'seq';
  seq!: string;
  deliveryId!: string;
  attempt!: number;
  outcome!: AttemptOutcome;
  startedAt!: Date;
  /** Null while in flight, and for an interrupted attempt (its end is unknown). */
  finishedAt: Date | null = null;
  statusCode: number | null = null;
  error: string | null = null;
  responseExcerpt: string | null = null;
}

export const OutcomeDeliveryAttemptSchema = new EntitySchema<OutcomeDeliveryAttempt>({
  class: OutcomeDeliveryAttempt,
  tableName: 'outcome_delivery_attempts',
  properties: {
    seq: { type: new BigIntType('string'), primary: true, autoincrement: true },
    deliveryId: { type: 'uuid', index: 'outcome_delivery_attempts_delivery_idx' },
    attempt: { type: 'integer' },
    outcome: { type: 'string', length: 20 },
    startedAt: { type: 'Date', columnType: 'timestamptz' },
    finishedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    statusCode: { type: 'integer', nullable: true },
    error: { type: 'text', nullable: true },
    responseExcerpt: { type: 'text', nullable: true },
  },
});
