import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/postgresql';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@npq/test-kit';
import { forbidden } from '../src/errors';
import { createHttpApp, INTERNAL_HEADERS } from '../src/http';
import { createOrm, type MikroORM } from '../src/orm';
import { findForUpdate, ListQuery } from '../src/resource';

interface Thing {
  id: string;
  leadProviderId: string;
  sharedWith: string | null;
}
const ThingSchema = new EntitySchema<Thing>({
  name: 'Thing',
  tableName: 'things',
  properties: {
    id: { type: 'uuid', primary: true },
    leadProviderId: { type: 'uuid' },
    sharedWith: { type: 'uuid', nullable: true },
  },
});

const SECRET = 'resource-test-secret';
const LP_A = randomUUID();
const LP_B = randomUUID();
let db: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await createOrm({
    schema: 'kit_resource',
    clientUrl: db.url,
    entities: [ThingSchema],
    migrationsDir: __dirname,
  });
  await orm.schema.create();
});
afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

/** The lock needs a transaction, as every command has. */
function inTx<T>(fn: (em: Parameters<Parameters<MikroORM['em']['transactional']>[0]>[0]) => Promise<T>) {
  return orm.em.fork().transactional(fn);
}

describe('findForUpdate', () => {
  const mine = randomUUID();
  const theirs = randomUUID();
  const shared = randomUUID();
  beforeAll(async () => {
    const em = orm.em.fork();
    em.create(ThingSchema, { id: mine, leadProviderId: LP_A, sharedWith: null });
    em.create(ThingSchema, { id: theirs, leadProviderId: LP_B, sharedWith: null });
    em.create(ThingSchema, { id: shared, leadProviderId: LP_B, sharedWith: LP_A });
    await em.flush();
  });

  const rule = {
    leadProviderId: LP_A,
    ownerOf: (t: Thing) => t.leadProviderId,
    otherProvider: () => forbidden('Cannot modify', 'Another provider made it'),
    visible: (t: Thing) => t.sharedWith === LP_A,
  };

  it('returns the caller’s row, locked (upper-case id accepted)', async () => {
    await orm.em.fork().transactional(async (em) => {
      const row = await findForUpdate(em, ThingSchema, mine.toUpperCase(), rule);
      expect(row.id).toBe(mine);
    });
  });

  it.each([['not-a-uuid'], [randomUUID()]])('%s is a 404', async (id) => {
    await expect(inTx((em) => findForUpdate(em, ThingSchema, id, rule))).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('another provider’s row the caller cannot see is a 404; one it can see is the refusal', async () => {
    await expect(inTx((em) => findForUpdate(em, ThingSchema, theirs, rule))).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(inTx((em) => findForUpdate(em, ThingSchema, shared, rule))).rejects.toMatchObject({
      statusCode: 403,
    });
    // Without a refusal rule, another provider's row is simply not found.
    await expect(
      inTx((em) =>
        findForUpdate(em, ThingSchema, shared, { leadProviderId: LP_A, ownerOf: (t) => t.leadProviderId }),
      ),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it('serialises concurrent commands on one row', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const first = orm.em.fork().transactional(async (em) => {
      await findForUpdate(em, ThingSchema, mine);
      order.push('first locked');
      await held;
      order.push('first done');
    });
    await new Promise((r) => setTimeout(r, 100));
    const second = orm.em.fork().transactional(async (em) => {
      await findForUpdate(em, ThingSchema, mine);
      order.push('second locked');
    });
    await new Promise((r) => setTimeout(r, 200));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first locked', 'first done', 'second locked']);
  });
});

describe('ListQuery', () => {
  async function call(url: string, headers: Record<string, string>) {
    const http = createHttpApp({
      logger: pino({ level: 'silent' }),
      bodyLimit: 1024,
      internalSecret: SECRET,
    });
    http.app.get('/v3', async (req) => {
      const q = ListQuery.forProvider(req);
      return {
        leadProviderId: q.leadProviderId,
        updatedSince: q.date('updated_since')?.toISOString() ?? null,
        participants: q.uuids('participant_id') ?? null,
        cohorts: q.cohorts() ?? null,
        status: q.scalar('status') ?? null,
        page: q.page(),
      };
    });
    http.app.get('/admin', async (req) => ({ page: ListQuery.forAdmin(req).page() }));
    await http.app.ready();
    const res = await http.app.inject({
      method: 'GET',
      url,
      headers: { [INTERNAL_HEADERS.secret]: SECRET, ...headers },
    });
    await http.app.close();
    return res;
  }
  const provider = { [INTERNAL_HEADERS.scope]: 'lead_provider', [INTERNAL_HEADERS.leadProviderId]: LP_A };

  it('reads the caller, each filter and the page', async () => {
    const res = await call(
      `/v3?filter[updated_since]=2025-01-01T00:00:00Z&filter[participant_id]=${LP_B}&filter[cohort]=2024,2025&filter[status]=%20&page[per_page]=5&page[page]=2`,
      provider,
    );
    expect(res.json()).toEqual({
      leadProviderId: LP_A,
      updatedSince: '2025-01-01T00:00:00.000Z',
      participants: [LP_B],
      cohorts: [2024, 2025],
      status: null,
      page: { page: 2, perPage: 5, limit: 5, offset: 5 },
    });
  });

  it('refuses a filter that is not an object, and another scope', async () => {
    expect((await call('/v3?filter=x', provider)).statusCode).toBe(400);
    expect((await call('/v3', { [INTERNAL_HEADERS.scope]: 'admin' })).statusCode).toBe(401);
    expect((await call('/admin', provider)).statusCode).toBe(401);
    expect((await call('/admin?page[per_page]=2', { [INTERNAL_HEADERS.scope]: 'admin' })).json()).toEqual({
      page: { page: 1, perPage: 2, limit: 2, offset: 0 },
    });
  });
});
