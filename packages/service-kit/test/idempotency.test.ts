import { createTestDatabase, type TestDatabase } from '@npq/test-kit';
import {
  createHttpApp,
  createLogger,
  createOrm,
  INTERNAL_HEADERS,
  pruneIdempotencyKeys,
  runIdempotent,
  unprocessable,
  type HttpApp,
  type MikroORM,
} from '../src';

/**
 * The Idempotency-Key helper (issue "Reliability", defect 5) on real Postgres: one transaction holds the
 * key, the effect and the stored answer.
 */
const SECRET = 'test-internal-secret';
const SCHEMA = 'kit_idem';
const logger = createLogger('kit-idempotency', 'silent');

let db: TestDatabase;
let orm: MikroORM;
let http: HttpApp;
/** Holds a request inside its transaction until the test lets it go. */
let gate: { entered: () => void; release: Promise<void> } | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await createOrm({ schema: SCHEMA, clientUrl: db.url, entities: [], migrationsDir: __dirname });
  await orm.schema.create();
  await orm.em
    .fork()
    .execute(`create table ${SCHEMA}.effects (id serial primary key, name text not null unique)`);
  http = createHttpApp({ logger, bodyLimit: 10_000, internalSecret: SECRET, orm });
  const runtime = { readYourWrites: { publishAndWait: async () => ({ confirmed: true, missing: [] }) } };
  for (const path of ['/things', '/other-things']) {
    http.app.post(path, async (req, reply) =>
      runIdempotent(req, reply, runtime, async (em) => {
        const { name, refuse, crash } = req.body as { name: string; refuse?: boolean; crash?: boolean };
        const rows: { id: number }[] = await em.transactional((tx) =>
          tx.execute(`insert into ${SCHEMA}.effects (name) values (?) returning id`, [name]),
        );
        if (refuse) throw unprocessable([{ title: 'name', detail: 'refused' }]);
        // A defect (or a lost database) after the effect was written, before the answer was stored.
        if (crash) throw new Error('crashed mid-command');
        if (gate) {
          gate.entered();
          await gate.release;
        }
        return { status: 201, body: { data: { id: String(rows[0]!.id), name, at: Date.now() } } };
      }),
    );
  }
  await http.app.ready();
});

afterAll(async () => {
  await http?.app.close();
  await orm?.close(true);
  await db?.drop();
});

function post(
  body: unknown,
  options: { key?: string; path?: string; scope?: string; leadProviderId?: string } = {},
) {
  return http.app.inject({
    method: 'POST',
    url: options.path ?? '/things',
    headers: {
      [INTERNAL_HEADERS.secret]: SECRET,
      [INTERNAL_HEADERS.scope]: options.scope ?? 'admin',
      ...(options.leadProviderId ? { [INTERNAL_HEADERS.leadProviderId]: options.leadProviderId } : {}),
      ...(options.key !== undefined ? { 'idempotency-key': options.key } : {}),
      'content-type': 'application/json',
    },
    payload: JSON.stringify(body),
  });
}

async function effects(name: string): Promise<number> {
  const rows: { n: string }[] = await orm.em
    .fork()
    .execute(`select count(*)::text as n from ${SCHEMA}.effects where name like ?`, [`${name}%`]);
  return Number(rows[0]!.n);
}

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${Date.now()}`;

describe('runIdempotent', () => {
  it('without a key, every request is a new effect', async () => {
    const name = unique('plain');
    expect((await post({ name: `${name}-a` })).statusCode).toBe(201);
    expect((await post({ name: `${name}-b` })).statusCode).toBe(201);
    expect(await effects(name)).toBe(2);
  });

  it('replays the first answer, byte for byte, for the same key and request; nothing runs again', async () => {
    const name = unique('replay');
    const key = unique('key');
    const first = await post({ name, extra: { b: 1, a: [1, 2] } }, { key });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The same JSON with its keys in another order is the same request.
    const again = await post({ extra: { a: [1, 2], b: 1 }, name }, { key });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe('application/json');
    expect(again.body).toBe(first.body);
    expect(await effects(name)).toBe(1);
  });

  it('refuses the same key for another body or another path with a 422 in the error envelope', async () => {
    const name = unique('reuse');
    const key = unique('key');
    expect((await post({ name }, { key })).statusCode).toBe(201);
    for (const res of [
      await post({ name: `${name}-changed` }, { key }),
      await post({ name }, { key, path: '/other-things' }),
    ]) {
      expect(res.statusCode).toBe(422);
      expect(JSON.parse(res.body)).toEqual({
        errors: [
          {
            title: 'Idempotency-Key',
            detail:
              'The Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request',
          },
        ],
      });
    }
    expect(await effects(name)).toBe(1);
  });

  it('keeps keys per caller: another caller with the same key gets its own effect', async () => {
    const name = unique('scoped');
    const key = unique('key');
    expect((await post({ name: `${name}-admin` }, { key })).statusCode).toBe(201);
    const other = await post(
      { name: `${name}-provider` },
      { key, scope: 'lead_provider', leadProviderId: '1234' },
    );
    expect(other.statusCode).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await effects(name)).toBe(2);
  });

  it('stores nothing for a refused request: the key can be sent again with a corrected body', async () => {
    const name = unique('refused');
    const key = unique('key');
    expect((await post({ name, refuse: true }, { key })).statusCode).toBe(422);
    expect(await effects(name)).toBe(0);
    const corrected = await post({ name }, { key });
    expect(corrected.statusCode).toBe(201);
    expect(corrected.headers['idempotent-replayed']).toBeUndefined();
    expect(await effects(name)).toBe(1);
  });

  it('never keeps an effect without its key: a command failing after its write leaves neither', async () => {
    const name = unique('crash');
    const key = unique('key');
    expect((await post({ name, crash: true }, { key })).statusCode).toBe(500);
    expect(await effects(name)).toBe(0);
    const stored: unknown[] = await orm.em
      .fork()
      .execute(`select 1 from ${SCHEMA}.idempotency_keys where idempotency_key = ?`, [key]);
    expect(stored).toHaveLength(0);
    // The client's retry with the same key does it, once.
    expect((await post({ name }, { key })).statusCode).toBe(201);
    expect(await effects(name)).toBe(1);
  });

  it('makes concurrent requests with one key one effect: the second waits for the first, then replays it', async () => {
    const name = unique('concurrent');
    const key = unique('key');
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release: () => void = () => undefined;
    gate = { entered, release: new Promise<void>((resolve) => (release = resolve)) };
    const first = post({ name }, { key });
    await inside;
    gate = undefined;
    const second = post({ name }, { key });
    // The second request is blocked on the first one's key row.
    for (;;) {
      const waiting: unknown[] = await orm.em
        .fork()
        .execute(
          `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        );
      if (waiting.length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    release();
    const [a, b] = await Promise.all([first, second]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body).toBe(a.body);
    expect(await effects(name)).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['non-ASCII', 'clé'],
  ])('refuses a malformed key (%s) with a 400', async (_label, key) => {
    const name = unique('malformed');
    const res = await post({ name }, { key });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      errors: [
        {
          title: 'Bad request',
          detail: 'The Idempotency-Key header must be one value of 1 to 255 visible ASCII characters',
        },
      ],
    });
    expect(await effects(name)).toBe(0);
  });

  it('prunes keys older than the retention (24 hours) and keeps younger ones', async () => {
    const old = unique('old-key');
    const young = unique('young-key');
    await post({ name: unique('prune') }, { key: old });
    await post({ name: unique('prune') }, { key: young });
    await orm.em
      .fork()
      .execute(
        `update ${SCHEMA}.idempotency_keys set created_at = now() - interval '25 hours' where idempotency_key = ?`,
        [old],
      );
    expect(await pruneIdempotencyKeys(orm)).toBeGreaterThanOrEqual(1);
    const left: { idempotency_key: string }[] = await orm.em
      .fork()
      .execute(`select idempotency_key from ${SCHEMA}.idempotency_keys where idempotency_key in (?, ?)`, [
        old,
        young,
      ]);
    expect(left.map((r) => r.idempotency_key)).toEqual([young]);
  });
});
