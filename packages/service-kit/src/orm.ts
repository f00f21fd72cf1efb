import { EntitySchema } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import path from 'node:path';

export type { EntityManager } from '@mikro-orm/postgresql';
export { MikroORM };

/** Transactional outbox: rows written in the same transaction as the state change they announce. */
export interface OutboxRow {
  seq: string;
  id: string;
  name: string;
  subject: string;
  aggregateId: string;
  envelope: unknown;
  createdAt: Date;
  publishedAt: Date | null;
  attempts: number;
}

export const OutboxSchema = new EntitySchema<OutboxRow>({
  name: 'OutboxRow',
  tableName: 'outbox',
  properties: {
    seq: { type: 'bigint', primary: true, autoincrement: true },
    id: { type: 'uuid', unique: 'outbox_id_unique' },
    name: { type: 'string', length: 100 },
    subject: { type: 'string', length: 200 },
    aggregateId: { type: 'uuid' },
    envelope: { type: 'json' },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    publishedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    attempts: { type: 'integer', default: 0 },
  },
  indexes: [
    {
      name: 'outbox_unpublished_idx',
      // Partial: the relay only ever scans what is still to publish.
      expression: (columns, table, indexName) =>
        `create index "${indexName}" on ${String(table)} ("${columns.seq}") where "${columns.publishedAt}" is null`,
    },
  ],
});

/** Inbox: one row per applied event, written in the projection's transaction (idempotency). */
export interface InboxRow {
  eventId: string;
  consumer: string;
  name: string;
  appliedAt: Date;
}

export const InboxSchema = new EntitySchema<InboxRow>({
  name: 'InboxRow',
  tableName: 'inbox',
  properties: {
    eventId: { type: 'uuid', primary: true },
    consumer: { type: 'string', length: 100, primary: true },
    name: { type: 'string', length: 100 },
    appliedAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});

/** What became of a parked message (docs/operations.md, "Parked messages"). */
export const PARKED_MESSAGE_STATES = ['parked', 'redriven', 'discarded'] as const;
export type ParkedMessageState = (typeof PARKED_MESSAGE_STATES)[number];

/**
 * Poison messages: delivered too often without being applied; kept for ops to inspect, then redrive
 * (apply again through the consumer's handler) or discard. Resolved rows stay, for audit.
 */
export interface ParkedMessageRow {
  id: string;
  consumer: string;
  subject: string;
  eventId: string | null;
  payload: string;
  error: string;
  deliveries: number;
  parkedAt: Date;
  state: ParkedMessageState;
  resolvedAt: Date | null;
}

export const ParkedMessageSchema = new EntitySchema<ParkedMessageRow>({
  name: 'ParkedMessageRow',
  tableName: 'parked_messages',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    consumer: { type: 'string', length: 100 },
    subject: { type: 'string', length: 200 },
    eventId: { type: 'uuid', nullable: true },
    payload: { type: 'text' },
    error: { type: 'text' },
    deliveries: { type: 'integer' },
    parkedAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    state: { enum: true, items: [...PARKED_MESSAGE_STATES], default: 'parked' },
    resolvedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
  },
  indexes: [{ name: 'parked_messages_state_idx', properties: ['state', 'parkedAt'] }],
});

/**
 * Idempotency keys of write requests (idempotency.ts): inserted, with the answer, in the transaction of
 * the effect. `statusCode` is null only inside that transaction, never once committed.
 */
export interface IdempotencyKeyRow {
  scope: string;
  idempotencyKey: string;
  fingerprint: string;
  statusCode: number | null;
  responseBody: string | null;
  createdAt: Date;
}

export const IdempotencyKeySchema = new EntitySchema<IdempotencyKeyRow>({
  name: 'IdempotencyKeyRow',
  tableName: 'idempotency_keys',
  properties: {
    scope: { type: 'string', length: 120, primary: true },
    idempotencyKey: { type: 'string', length: 255, primary: true },
    fingerprint: { type: 'string', length: 64 },
    statusCode: { type: 'integer', nullable: true },
    responseBody: { type: 'text', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
  indexes: [{ name: 'idempotency_keys_created_idx', properties: ['createdAt'] }],
});

/** The kit's own tables, included in every service's schema (and therefore in its migrations). */
export const KIT_ENTITIES = [OutboxSchema, InboxSchema, ParkedMessageSchema, IdempotencyKeySchema];

export interface OrmSettings {
  /** Postgres schema owned by the service; every table of the service lives in it. */
  schema: string;
  clientUrl: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- schemas of unrelated entity types
  entities: EntitySchema<any, any>[];
  /** Directory holding the service's migrations (src/migrations or dist/migrations). */
  migrationsDir: string;
  poolMax?: number;
  debug?: boolean;
  /**
   * Tooling only (creating migrations, the drift check): read and write the committed schema snapshot.
   * At runtime it stays off, because the migrator would otherwise rewrite the snapshot after every `up`.
   */
  snapshot?: boolean;
  /** Outbox, inbox, parked-message and idempotency-key tables (every service that publishes or consumes events). */
  messagingTables?: boolean;
}

export function ormOptions(settings: OrmSettings): Options {
  const runningTs = __filename.endsWith('.ts');
  return defineConfig({
    clientUrl: settings.clientUrl,
    schema: settings.schema,
    entities: [...(settings.messagingTables === false ? [] : KIT_ENTITIES), ...settings.entities],
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: settings.debug ?? false,
    preferTs: runningTs,
    pool: { min: 0, max: settings.poolMax ?? 10 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: settings.migrationsDir,
      pathTs: settings.migrationsDir,
      glob: runningTs ? '!(*.d).ts' : '!(*.d).js',
      snapshot: settings.snapshot ?? false,
      snapshotName: `.snapshot-${settings.schema}`,
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      silent: true,
    },
  });
}

export async function createOrm(settings: OrmSettings): Promise<MikroORM> {
  return MikroORM.init(ormOptions(settings));
}

/** Brings the service's schema up to date. Safe to run concurrently from several replicas. */
export async function migrateUp(orm: MikroORM): Promise<void> {
  const connection = orm.em.fork().getConnection();
  // One migrator at a time per schema: a second replica waits on the lock, then finds nothing pending.
  await connection.transactional(async (trx) => {
    await connection.execute(
      'select pg_advisory_xact_lock(hashtext(?))',
      [`migrate:${orm.config.get('schema')}`],
      'run',
      trx,
    );
    await orm.migrator.up({ transaction: trx });
  });
}

/** True when the entities describe a schema the committed migrations (snapshot) do not produce. */
export async function hasSchemaDrift(orm: MikroORM): Promise<boolean> {
  return orm.migrator.checkSchema();
}

export function migrationsDirFor(serviceSrcDir: string): string {
  return path.join(serviceSrcDir, 'migrations');
}

/** Runs `fn` in a transaction on a fresh fork, for jobs and messages (never the global context). */
export async function inTransaction<T>(orm: MikroORM, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return orm.em.fork().transactional(fn);
}
