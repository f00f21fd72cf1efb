import { BigIntType, EntitySchema, OptionalProps } from '@mikro-orm/postgresql';
import type { OutcomeState } from '@npq/contracts';

/**
 * A participant outcome (DfE's participant_outcomes): append-only, the latest per declaration is current.
 * `seq` is the insertion order that breaks `created_at` ties (DfE orders by its integer id). The
 * participant is not stored: it is the declaration's application's person, which a merge can change.
 */
export class Outcome {
  /** Assigned by the database on insert. */
  [OptionalProps]?: 'seq';
  seq!: string;
  id!: string;
  declarationId!: string;
  applicationId!: string;
  /** The declaration's (submitting) provider: the outcome lists are scoped by it. */
  leadProviderId!: string;
  courseIdentifier!: string;
  state!: OutcomeState;
  /** `YYYY-MM-DD`. */
  completionDate!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export const OutcomeSchema = new EntitySchema<Outcome>({
  class: Outcome,
  tableName: 'outcomes',
  properties: {
    seq: { type: new BigIntType('string'), primary: true, autoincrement: true },
    id: { type: 'uuid', unique: 'outcomes_id_unique' },
    declarationId: { type: 'uuid' },
    applicationId: { type: 'uuid', index: 'outcomes_application_idx' },
    leadProviderId: { type: 'uuid' },
    courseIdentifier: { type: 'string', length: 60 },
    state: { type: 'string', length: 20 },
    completionDate: { type: 'date' },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
  indexes: [
    { name: 'outcomes_provider_created_idx', properties: ['leadProviderId', 'createdAt', 'seq'] },
    { name: 'outcomes_declaration_idx', properties: ['declarationId', 'seq'] },
  ],
});
