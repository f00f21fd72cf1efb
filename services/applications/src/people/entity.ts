import { EntitySchema } from '@mikro-orm/postgresql';

/**
 * A person (DfE's "user"): the participant identity. `id` is the public participant_id.
 * `significantlyUpdatedAt` moves on every change providers care about; it drives `updated_at` and
 * `updated_since` for applications and participants.
 */
export class Person {
  id!: string;
  fullName!: string;
  email: string | null = null;
  trn: string | null = null;
  trnVerified = false;
  previousNames: string[] = [];
  /** Set when this participant id was retired by a merge into another person. */
  retiredIntoId: string | null = null;
  retiredAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
  significantlyUpdatedAt: Date = new Date();
  /** Aggregate version carried by person events; consumers ignore older snapshots. */
  version = 1;
}

export const PersonSchema = new EntitySchema<Person>({
  class: Person,
  tableName: 'people',
  properties: {
    id: { type: 'uuid', primary: true },
    fullName: { type: 'text' },
    email: { type: 'text', nullable: true },
    trn: { type: 'string', length: 7, nullable: true, index: 'people_trn_idx' },
    trnVerified: { type: 'boolean' },
    previousNames: { type: 'text[]' },
    retiredIntoId: { type: 'uuid', nullable: true },
    retiredAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
    significantlyUpdatedAt: {
      type: 'Date',
      columnType: 'timestamptz',
      index: 'people_significantly_updated_at_idx',
    },
    version: { type: 'integer', version: true },
  },
  indexes: [
    {
      name: 'people_email_unique',
      // Active people only: a retired person keeps their address for the record.
      // raw SQL: a partial unique index over lower(email) has no declarative form.
      expression: (columns, table, indexName) =>
        `create unique index "${indexName}" on ${String(table)} (lower("${columns.email}")) where "${columns.retiredIntoId}" is null and "${columns.email}" is not null`,
    },
  ],
  checks: [
    { name: 'people_trn_verified_check', expression: "not trn_verified or (trn is not null and trn <> '')" },
  ],
});

/** A retired participant id and the one that replaced it (DfE's participant_id_changes). */
export class ParticipantIdChange {
  id!: string;
  /** The person kept. */
  personId!: string;
  fromParticipantId!: string;
  toParticipantId!: string;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const ParticipantIdChangeSchema = new EntitySchema<ParticipantIdChange>({
  class: ParticipantIdChange,
  tableName: 'participant_id_changes',
  properties: {
    id: { type: 'uuid', primary: true },
    personId: { type: 'uuid', index: 'participant_id_changes_person_idx' },
    fromParticipantId: { type: 'uuid', index: 'participant_id_changes_from_idx' },
    toParticipantId: { type: 'uuid', index: 'participant_id_changes_to_idx' },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});
