import type { EntitySchema } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '@npq/test-kit';
import { createOrm, type MikroORM } from '../src';

/**
 * A test file's own database with `entities` created in `schema` (no messaging tables): made before the
 * file's tests and dropped after them. Returns the ORM, for use once the tests run.
 */
export function entitySchemaOrm(schema: string, entities: EntitySchema[]): () => MikroORM {
  let db: TestDatabase | undefined;
  let orm: MikroORM | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createOrm({
      schema,
      clientUrl: db.url,
      entities,
      migrationsDir: __dirname,
      messagingTables: false,
    });
    await orm.schema.create();
  });
  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });
  return () => {
    if (!orm) throw new Error('the ORM is made in beforeAll');
    return orm;
  };
}
