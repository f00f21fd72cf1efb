import { EntitySchema } from '@mikro-orm/postgresql';
import { isTransientConflict, writeChanges, type MikroORM } from '../src';
import { entitySchemaOrm } from './entity-schema-orm';

/**
 * writeChanges on real Postgres: the same effect as the unit of work's flush of one changed row (named
 * columns only, version checked and moved on), and the row is not written a second time by the flush.
 */
const SCHEMA = 'kit_write_changes';

class Thing {
  id!: string;
  label!: string;
  note: string | null = null;
  payload: Record<string, unknown> = {};
  version = 1;
  updatedAt!: Date;
}
const ThingSchema = new EntitySchema<Thing>({
  class: Thing,
  tableName: 'things',
  properties: {
    id: { type: 'uuid', primary: true },
    label: { type: 'string', length: 40, fieldName: 'label_text' },
    note: { type: 'string', nullable: true },
    payload: { type: 'json' },
    version: { type: 'integer', version: true },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});

class Tag {
  id!: string;
  name!: string;
}
const TagSchema = new EntitySchema<Tag>({
  class: Tag,
  tableName: 'tags',
  properties: { id: { type: 'uuid', primary: true }, name: { type: 'string' } },
});

const ID = '00000000-0000-4000-8000-000000000001';
const TAG = '00000000-0000-4000-8000-000000000002';

const orm = entitySchemaOrm(SCHEMA, [ThingSchema, TagSchema]);

beforeEach(async () => {
  const em = orm().em.fork();
  await em.execute(`delete from ${SCHEMA}.things`);
  await em.execute(`delete from ${SCHEMA}.tags`);
  await em.execute(
    `insert into ${SCHEMA}.things (id, label_text, note, payload, version, updated_at) values (?, 'old', 'kept', '{"a":1}', 1, '2026-01-01T00:00:00Z')`,
    [ID],
  );
  await em.execute(`insert into ${SCHEMA}.tags (id, name) values (?, 'first')`, [TAG]);
});

async function load(em: ReturnType<MikroORM['em']['fork']>): Promise<Thing> {
  const rows: Record<string, unknown>[] = await em.execute(`select * from ${SCHEMA}.things where id = ?`, [
    ID,
  ]);
  return em.map(ThingSchema, rows[0]!);
}

async function stored(): Promise<Record<string, unknown>> {
  const rows: Record<string, unknown>[] = await orm()
    .em.fork()
    .execute(`select label_text, note, payload, version, updated_at from ${SCHEMA}.things where id = ?`, [
      ID,
    ]);
  return { ...rows[0]!, updated_at: new Date(String(rows[0]!.updated_at)) };
}

test('writes the named properties only, through their columns and types, and moves the version on', async () => {
  const at = new Date('2026-12-06T10:00:00.000Z');
  const version = await orm()
    .em.fork()
    .transactional(async (em) => {
      const thing = await load(em);
      thing.label = 'new';
      thing.payload = { b: [1, 2] };
      thing.updatedAt = at;
      thing.note = 'not named, so not written';
      await writeChanges(em, thing, ['label', 'payload', 'updatedAt']);
      return thing.version;
    });
  expect(version).toBe(2);
  expect(await stored()).toEqual({
    label_text: 'new',
    note: 'kept',
    payload: { b: [1, 2] },
    version: 2,
    updated_at: at,
  });
});

test('the flush at the end of the transaction does not write the row again', async () => {
  await orm()
    .em.fork()
    .transactional(async (em) => {
      const thing = await load(em);
      thing.label = 'once';
      await writeChanges(em, thing, ['label']);
      // A later change to the detached entity is not the unit of work's to write.
      thing.label = 'not written';
      await em.flush();
    });
  expect(await stored()).toMatchObject({ label_text: 'once', version: 2 });
});

test('a row whose version moved after it was read: OptimisticLockError, a transient conflict, nothing written', async () => {
  const stale = orm().em.fork();
  const thing = await load(stale);
  await orm()
    .em.fork()
    .execute(`update ${SCHEMA}.things set version = 2, note = 'other writer' where id = ?`, [ID]);
  thing.label = 'lost';
  const err = await writeChanges(stale, thing, ['label']).catch((e: unknown) => e);
  expect((err as Error).name).toBe('OptimisticLockError');
  expect(isTransientConflict(err)).toBe(true);
  expect(await stored()).toMatchObject({ label_text: 'old', note: 'other writer', version: 2 });
});

test('an entity without a version column is written by its primary key; a missing row is an error', async () => {
  const em = orm().em.fork();
  const rows: Record<string, unknown>[] = await em.execute(`select * from ${SCHEMA}.tags where id = ?`, [
    TAG,
  ]);
  const tag = em.map(TagSchema, rows[0]!);
  tag.name = 'second';
  await writeChanges(em, tag, ['name']);
  expect(await orm().em.fork().execute(`select name from ${SCHEMA}.tags`)).toEqual([{ name: 'second' }]);

  const other = orm().em.fork();
  const gone = other.map(TagSchema, { id: '00000000-0000-4000-8000-000000000003', name: 'x' });
  await expect(writeChanges(other, gone, ['name'])).rejects.toThrow('not found');
});

test('nothing named: no statement, the entity stays managed', async () => {
  const em = orm().em.fork();
  const thing = await load(em);
  await writeChanges(em, thing, []);
  thing.label = 'by the flush';
  await em.flush();
  expect(await stored()).toMatchObject({ label_text: 'by the flush', version: 2 });
});
