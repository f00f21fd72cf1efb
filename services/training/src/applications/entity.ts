import { EntitySchema } from '@mikro-orm/postgresql';

/**
 * Every application of every person, in any status and with any provider (projection of
 * ApplicationSnapshotV1). Training needs all of them: a participant's `updated_at` and `updated_since`
 * look at all their applications, and visibility needs the accepted ones.
 *
 * `updatedAt` is the application's last write, whichever service made it: applications' snapshots (in
 * version order) or training's own enrolment changes (defer, withdraw, change-schedule...), like DfE's
 * single `applications.updated_at` column.
 */
export class ApplicationRecord {
  id!: string;
  participantId!: string;
  leadProviderId!: string;
  courseIdentifier!: string;
  status!: 'pending' | 'accepted' | 'rejected';
  createdAt!: Date;
  updatedAt!: Date;
  /** aggregateVersion of the last applications snapshot applied. */
  version!: number;
}

export const ApplicationRecordSchema = new EntitySchema<ApplicationRecord>({
  class: ApplicationRecord,
  tableName: 'applications',
  properties: {
    id: { type: 'uuid', primary: true },
    participantId: { type: 'uuid' },
    leadProviderId: { type: 'uuid' },
    courseIdentifier: { type: 'string', length: 60 },
    status: { type: 'string', length: 20 },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', index: 'applications_updated_at_idx' },
    version: { type: 'integer' },
  },
  indexes: [
    // Visibility ("accepted with this provider") and the action lookup, per person.
    { name: 'applications_participant_idx', properties: ['participantId', 'leadProviderId', 'status'] },
    // The participant list driven from the provider's accepted applications.
    { name: 'applications_provider_idx', properties: ['leadProviderId', 'status', 'participantId'] },
  ],
});
