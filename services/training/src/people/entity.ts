import { EntitySchema } from '@mikro-orm/postgresql';

/**
 * A person as applications last described them (projection of PersonSnapshotV1). `id` is the public
 * participant id. Snapshots are applied in person-version order; a retirement is never undone.
 */
export class Person {
  id!: string;
  fullName!: string;
  email: string | null = null;
  trn: string | null = null;
  trnVerified = false;
  previousNames: string[] = [];
  retiredIntoId: string | null = null;
  createdAt!: Date;
  significantlyUpdatedAt!: Date;
  /** The person's aggregate version of the snapshot applied (0: a snapshot without one). */
  version = 0;
}

export const PersonSchema = new EntitySchema<Person>({
  class: Person,
  tableName: 'people',
  properties: {
    id: { type: 'uuid', primary: true },
    fullName: { type: 'text' },
    email: { type: 'text', nullable: true },
    trn: { type: 'string', length: 20, nullable: true, index: 'people_trn_idx' },
    trnVerified: { type: 'boolean' },
    previousNames: { type: 'text[]' },
    retiredIntoId: { type: 'uuid', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    significantlyUpdatedAt: {
      type: 'Date',
      columnType: 'timestamptz',
      index: 'people_significantly_updated_at_idx',
    },
    version: { type: 'integer', default: 0 },
  },
  indexes: [
    // The participant list's default order (created_at, id tie-break).
    { name: 'people_created_at_idx', properties: ['createdAt', 'id'] },
  ],
});

/** A retired participant id and the one that replaced it (DfE's participant_id_changes), from merge events. */
export class ParticipantIdChange {
  id!: string;
  /** The person kept (rows of a person later merged away move to the new keeper). */
  personId!: string;
  fromParticipantId!: string;
  toParticipantId!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export const ParticipantIdChangeSchema = new EntitySchema<ParticipantIdChange>({
  class: ParticipantIdChange,
  tableName: 'participant_id_changes',
  properties: {
    id: { type: 'uuid', primary: true },
    personId: { type: 'uuid', index: 'participant_id_changes_person_idx' },
    fromParticipantId: { type: 'uuid', index: 'participant_id_changes_from_idx' },
    toParticipantId: { type: 'uuid' },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', index: 'participant_id_changes_updated_at_idx' },
  },
});
