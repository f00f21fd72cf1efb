import { BigIntType, EntitySchema, OptionalProps } from '@mikro-orm/postgresql';

/**
 * Finance's declarations as far as training's rules need them (projection of DeclarationSnapshotV1):
 * defer needs one, withdraw a `started` one, change-schedule checks the live ones, outcomes need a
 * completed one. `seq` is the local insertion order: DfE breaks `created_at` ties with its integer id.
 */
export class DeclarationRecord {
  /** Assigned by the database on insert. */
  [OptionalProps]?: 'seq';
  seq!: string;
  id!: string;
  applicationId!: string;
  /** The provider that submitted it. */
  leadProviderId!: string;
  courseIdentifier!: string;
  declarationType!: string;
  declarationDate!: Date;
  state!: string;
  createdAt!: Date;
  updatedAt!: Date;
  version!: number;
}

export const DeclarationRecordSchema = new EntitySchema<DeclarationRecord>({
  class: DeclarationRecord,
  tableName: 'declarations',
  properties: {
    seq: { type: new BigIntType('string'), primary: true, autoincrement: true },
    id: { type: 'uuid', unique: 'declarations_id_unique' },
    applicationId: { type: 'uuid' },
    leadProviderId: { type: 'uuid' },
    courseIdentifier: { type: 'string', length: 60 },
    declarationType: { type: 'string', length: 20 },
    declarationDate: { type: 'Date', columnType: 'timestamptz' },
    state: { type: 'string', length: 30 },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
    version: { type: 'integer' },
  },
  indexes: [
    { name: 'declarations_application_idx', properties: ['applicationId', 'declarationType', 'state'] },
  ],
});
