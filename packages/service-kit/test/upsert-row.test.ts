import { BigIntType, EntitySchema } from '@mikro-orm/postgresql';
import { upsertRow } from '../src';
import { entitySchemaOrm } from './entity-schema-orm';

/**
 * upsertRow on real Postgres: insert, or update the named columns over an older row only, through the
 * entity's columns and custom types; the same effect as the QueryBuilder's insert … on conflict … merge.
 */
const SCHEMA = 'kit_upsert_row';

class Snapshot {
  id!: string;
  label!: string;
  names: string[] = [];
  payload: Record<string, unknown> = {};
  note: string | null = null;
  version = 0;
  updatedAt!: Date;
}
const SnapshotSchema = new EntitySchema<Snapshot>({
  class: Snapshot,
  tableName: 'snapshots',
  properties: {
    id: { type: 'uuid', primary: true },
    label: { type: 'string', length: 40, fieldName: 'label_text' },
    names: { type: 'text[]' },
    payload: { type: 'json' },
    note: { type: 'string', nullable: true, defaultRaw: "'by default'" },
    version: { type: 'integer' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});

/** Keyed by a database sequence; rows are identified by a unique id. */
class Entry {
  seq!: string;
  id!: string;
  state!: string;
  version!: number;
}
const EntrySchema = new EntitySchema<Entry>({
  class: Entry,
  tableName: 'entries',
  properties: {
    seq: { type: new BigIntType('string'), primary: true, autoincrement: true },
    id: { type: 'uuid', unique: 'entries_id_unique' },
    state: { type: 'string' },
    version: { type: 'integer' },
  },
});

const ID = '00000000-0000-4000-8000-000000000001';
const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 9, minute));

const orm = entitySchemaOrm(SCHEMA, [SnapshotSchema, EntrySchema]);

beforeEach(async () => {
  await orm().em.fork().execute(`delete from ${SCHEMA}.snapshots`);
  await orm().em.fork().execute(`delete from ${SCHEMA}.entries`);
});

const byVersion = {
  update: ['label', 'names', 'payload', 'version', 'updatedAt'],
  onlyIf: { property: 'version', storedIs: '<' },
} as const;

const snapshot = (version: number, label: string): Partial<Snapshot> => ({
  id: ID,
  label,
  names: [`${label}-a`, 'with "quote", comma'],
  payload: { label, list: [version] },
  version,
  updatedAt: at(version),
});

async function stored(): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = await orm()
    .em.fork()
    .execute(`select label_text, names, payload, note, version, updated_at from ${SCHEMA}.snapshots`);
  return rows.map((row) => ({ ...row, updated_at: new Date(String(row.updated_at)) }));
}

test('inserts a new row through its columns and types; a property left undefined takes its default', async () => {
  const written = await upsertRow(
    orm().em.fork(),
    SnapshotSchema,
    { ...snapshot(1, 'first'), note: undefined },
    byVersion,
  );
  expect(written).toBe(true);
  expect(await stored()).toEqual([
    {
      label_text: 'first',
      names: ['first-a', 'with "quote", comma'],
      payload: { label: 'first', list: [1] },
      note: 'by default',
      version: 1,
      updated_at: at(1),
    },
  ]);
});

test('a newer snapshot updates the named columns only; an older or equal one changes nothing', async () => {
  await upsertRow(orm().em.fork(), SnapshotSchema, { ...snapshot(2, 'second'), note: 'kept' }, byVersion);

  expect(
    await upsertRow(
      orm().em.fork(),
      SnapshotSchema,
      { ...snapshot(3, 'third'), note: 'not named' },
      byVersion,
    ),
  ).toBe(true);
  expect(await stored()).toEqual([
    expect.objectContaining({
      label_text: 'third',
      note: 'kept',
      version: 3,
      names: ['third-a', 'with "quote", comma'],
    }),
  ]);

  expect(await upsertRow(orm().em.fork(), SnapshotSchema, snapshot(1, 'older'), byVersion)).toBe(false);
  expect(await upsertRow(orm().em.fork(), SnapshotSchema, snapshot(3, 'equal'), byVersion)).toBe(false);
  expect(await stored()).toEqual([expect.objectContaining({ label_text: 'third', version: 3 })]);
});

test("'<=' applies a snapshot equal to the stored one; no condition always updates; no properties keeps the row", async () => {
  const em = () => orm().em.fork();
  await upsertRow(em(), SnapshotSchema, snapshot(2, 'second'), byVersion);
  const atMost = { update: ['label'], onlyIf: { property: 'updatedAt', storedIs: '<=' } } as const;
  expect(
    await upsertRow(em(), SnapshotSchema, { ...snapshot(2, 'same time'), updatedAt: at(2) }, atMost),
  ).toBe(true);
  expect(await upsertRow(em(), SnapshotSchema, { ...snapshot(2, 'earlier'), updatedAt: at(1) }, atMost)).toBe(
    false,
  );
  expect(await stored()).toEqual([expect.objectContaining({ label_text: 'same time' })]);

  expect(await upsertRow(em(), SnapshotSchema, snapshot(0, 'always'), { update: ['label'] })).toBe(true);
  expect(await upsertRow(em(), SnapshotSchema, snapshot(9, 'ignored'), { update: [] })).toBe(false);
  expect(await stored()).toEqual([expect.objectContaining({ label_text: 'always', version: 2 })]);
});

test('conflicts on the unique property named instead of the primary key', async () => {
  const on = {
    on: 'id',
    update: ['state', 'version'],
    onlyIf: { property: 'version', storedIs: '<' },
  } as const;
  const em = () => orm().em.fork();
  expect(await upsertRow(em(), EntrySchema, { id: ID, state: 'created', version: 1 }, on)).toBe(true);
  expect(await upsertRow(em(), EntrySchema, { id: ID, state: 'voided', version: 2 }, on)).toBe(true);
  expect(await upsertRow(em(), EntrySchema, { id: ID, state: 'late', version: 1 }, on)).toBe(false);
  expect(await orm().em.fork().execute(`select id, state, version from ${SCHEMA}.entries`)).toEqual([
    { id: ID, state: 'voided', version: 2 },
  ]);
});

test('inside a transaction that rolls back, nothing is written', async () => {
  await expect(
    orm()
      .em.fork()
      .transactional(async (em) => {
        await upsertRow(em, SnapshotSchema, snapshot(1, 'rolled back'), byVersion);
        throw new Error('abort');
      }),
  ).rejects.toThrow('abort');
  expect(await stored()).toEqual([]);
});
