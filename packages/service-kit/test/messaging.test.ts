import { randomUUID } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { EventEnvelope } from '@npq/contracts';
import {
  createTestDatabase,
  createTestMessaging,
  type TestDatabase,
  type TestMessaging,
} from '@npq/test-kit';
import {
  countParked,
  createLogger,
  createOrm,
  EventConsumer,
  OutboxRelay,
  ReadYourWrites,
  stageEvent,
  type EntityManager,
  type EventHandler,
  type MikroORM,
} from '../src';

const logger = createLogger('kit-test', 'silent');
const SCHEMA = 'kit_test';

let db: TestDatabase;
let orm: MikroORM;
let messaging: TestMessaging;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await createOrm({ schema: SCHEMA, clientUrl: db.url, entities: [], migrationsDir: __dirname });
  await orm.schema.create();
  await orm.em
    .fork()
    .execute(`create table ${SCHEMA}.projection (id text primary key, applied int not null)`);
  messaging = await createTestMessaging();
});

afterAll(async () => {
  await messaging.close();
  await orm.close(true);
  await db.drop();
});

const personData = (id: string) => ({
  person: {
    participantId: id,
    fullName: 'A Person',
    email: null,
    trn: null,
    trnVerified: false,
    previousNames: [],
    retiredIntoParticipantId: null,
    createdAt: '2025-01-01T00:00:00Z',
    significantlyUpdatedAt: '2025-01-01T00:00:00Z',
  },
});

async function stage(count: number, name: 'person.updated' = 'person.updated'): Promise<EventEnvelope[]> {
  const envelopes: EventEnvelope[] = [];
  await orm.em.fork().transactional(async (em) => {
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      envelopes.push(
        await stageEvent(em, 'applications', messaging.naming, {
          name,
          aggregateId: id,
          aggregateVersion: 1,
          data: personData(id),
        }),
      );
    }
  });
  return envelopes;
}

async function unpublishedCount(): Promise<number> {
  const rows: { n: string }[] = await orm.em
    .fork()
    .execute(`select count(*)::text as n from ${SCHEMA}.outbox where published_at is null`);
  return Number(rows[0]!.n);
}

async function clearOutbox(): Promise<void> {
  await orm.em.fork().execute(`delete from ${SCHEMA}.outbox`);
}

/** A JetStream client that counts publishes per message id (and can fail on demand). */
function countingJs(failAfter = Infinity): { js: JetStreamClient; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  let calls = 0;
  const js = new Proxy(messaging.js, {
    get(target, prop, receiver) {
      if (prop === 'publish') {
        return async (subject: string, data: Uint8Array, opts: { msgID: string }) => {
          calls++;
          if (calls > failAfter) throw new Error('simulated crash');
          counts.set(opts.msgID, (counts.get(opts.msgID) ?? 0) + 1);
          return target.publish(subject, data, opts);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { js, counts };
}

async function streamMessages(): Promise<number> {
  const info = await messaging.jsm.streams.info(messaging.naming.stream);
  return info.state.messages;
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('outbox relay', () => {
  beforeEach(clearOutbox);

  it('publishes every event exactly once when two relays run at the same time', async () => {
    const before = await streamMessages();
    const envelopes = await stage(400);
    const a = countingJs();
    const b = countingJs();
    const relayA = new OutboxRelay({ orm, js: a.js, logger, pollMs: 5, batchSize: 25 });
    const relayB = new OutboxRelay({ orm, js: b.js, logger, pollMs: 5, batchSize: 25 });
    relayA.start();
    relayB.start();
    await waitFor(async () => (await unpublishedCount()) === 0);
    await Promise.all([relayA.stop(), relayB.stop()]);

    for (const e of envelopes) {
      expect((a.counts.get(e.id) ?? 0) + (b.counts.get(e.id) ?? 0)).toBe(1);
    }
    // Both relays did real work (the claim is shared, not serialised onto one of them).
    expect(a.counts.size).toBeGreaterThan(0);
    expect(b.counts.size).toBeGreaterThan(0);
    expect((await streamMessages()) - before).toBe(400);
  });

  it('loses nothing when the process dies between commit and publish, or mid-batch', async () => {
    const before = await streamMessages();
    const envelopes = await stage(10);
    // Committed, never published: the relay that was meant to publish them "crashed".
    expect(await unpublishedCount()).toBe(10);

    // A relay that dies after publishing 4 of them (before marking anything).
    const crashing = countingJs(4);
    const dying = new OutboxRelay({ orm, js: crashing.js, logger, pollMs: 5 });
    await dying.publishPending();
    expect(await unpublishedCount()).toBe(6);

    // Simulate the worst case: published, but the process died before marking the rows.
    await orm.em.fork().execute(`update ${SCHEMA}.outbox set published_at = null`);

    const fresh = countingJs();
    const recovered = new OutboxRelay({ orm, js: fresh.js, logger, pollMs: 5 });
    await recovered.publishPending();
    expect(await unpublishedCount()).toBe(0);
    expect(fresh.counts.size).toBe(10);
    // JetStream dropped the republished ones (same Nats-Msg-Id): each event is in the stream once.
    expect((await streamMessages()) - before).toBe(envelopes.length);
  });
});

describe('event consumer', () => {
  let consumers: EventConsumer[] = [];

  afterEach(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    consumers = [];
    await clearOutbox();
  });

  const countInto =
    (tag: string): EventHandler<'person.updated'> =>
    async (em: EntityManager, envelope) => {
      await em.execute(
        `insert into ${SCHEMA}.projection (id, applied) values (?, 1) on conflict (id) do update set applied = projection.applied + 1`,
        [`${tag}:${envelope.aggregateId}`],
      );
    };

  async function applied(tag: string, id: string): Promise<number> {
    const rows: { applied: number }[] = await orm.em
      .fork()
      .execute(`select applied from ${SCHEMA}.projection where id = ?`, [`${tag}:${id}`]);
    return rows[0]?.applied ?? 0;
  }

  it('applies an event delivered twice only once', async () => {
    const consumer = new EventConsumer({
      orm,
      messaging,
      consumer: 'dup_test',
      handlers: { 'person.updated': countInto('dup') },
      logger,
    });
    consumers.push(consumer);
    await consumer.start();

    const [envelope] = await stage(1);
    // Two deliveries of the same event, bypassing JetStream's dedupe (no Nats-Msg-Id): what a relay
    // republishing after the dedupe window, or a redelivery after a lost ack, looks like.
    const body = new TextEncoder().encode(JSON.stringify(envelope));
    await messaging.js.publish(messaging.naming.subjectFor('person.updated'), body);
    await messaging.js.publish(messaging.naming.subjectFor('person.updated'), body);

    await waitFor(async () => (await applied('dup', envelope!.aggregateId)) > 0);
    // Give the second delivery time to arrive and be ignored.
    await new Promise((r) => setTimeout(r, 500));
    expect(await applied('dup', envelope!.aggregateId)).toBe(1);
    const inbox: { n: string }[] = await orm.em
      .fork()
      .execute(`select count(*)::text as n from ${SCHEMA}.inbox where event_id = ?`, [envelope!.id]);
    expect(inbox[0]!.n).toBe('1');
  });

  it('parks a poison message after bounded redelivery and keeps consuming', async () => {
    const failing = new Set<string>();
    const consumer = new EventConsumer({
      orm,
      messaging,
      consumer: 'poison_test',
      maxDeliver: 3,
      retryDelayMs: 20,
      handlers: {
        'person.updated': async (em, envelope, context) => {
          if (failing.has(envelope.aggregateId)) throw new Error('cannot apply');
          await countInto('poison')(em, envelope, context);
        },
      },
      logger,
    });
    consumers.push(consumer);
    await consumer.start();
    const parkedBefore = await countParked(orm);

    const [bad] = await stage(1);
    failing.add(bad!.aggregateId);
    const relay = new OutboxRelay({ orm, js: messaging.js, logger, pollMs: 5 });
    await relay.publishPending();
    const [good] = await stage(1);
    await relay.publishPending();

    await waitFor(async () => (await countParked(orm)) === parkedBefore + 1);
    await waitFor(async () => (await applied('poison', good!.aggregateId)) === 1);
    const rows: { deliveries: number; error: string }[] = await orm.em
      .fork()
      .execute(`select deliveries, error from ${SCHEMA}.parked_messages where event_id = ?`, [bad!.id]);
    expect(rows).toEqual([{ deliveries: 3, error: 'cannot apply' }]);
    // Its failed attempts left no trace in the inbox, so a replay after a fix would apply it.
    const inbox: unknown[] = await orm.em
      .fork()
      .execute(`select 1 from ${SCHEMA}.inbox where event_id = ?`, [bad!.id]);
    expect(inbox).toHaveLength(0);
  });

  it('read-your-writes: waits until every consumer in the catalogue has applied the event', async () => {
    const training = new EventConsumer({
      orm,
      messaging,
      consumer: 'training',
      handlers: { 'person.updated': countInto('training') },
      logger,
    });
    const finance = new EventConsumer({
      orm,
      messaging,
      consumer: 'finance',
      handlers: { 'person.updated': countInto('finance') },
      logger,
    });
    consumers.push(training, finance);
    await Promise.all([training.start(), finance.start()]);
    const relay = new OutboxRelay({ orm, js: messaging.js, logger, pollMs: 10_000 });
    // The bound only has to outlast a busy machine: the wait returns as soon as both consumers confirm.
    const ryw = new ReadYourWrites(messaging, relay, 30_000, logger);

    const envelopes = await stage(1);
    const result = await ryw.publishAndWait(envelopes);
    expect(result).toEqual({ confirmed: true, missing: [] });
    // No polling: both projections are already there when the wait returns.
    expect(await applied('training', envelopes[0]!.aggregateId)).toBe(1);
    expect(await applied('finance', envelopes[0]!.aggregateId)).toBe(1);

    // With one consumer down, the wait is bounded and reports who is missing.
    await finance.stop();
    const short = new ReadYourWrites(messaging, relay, 5000, logger);
    const more = await stage(1);
    const started = Date.now();
    const partial = await short.publishAndWait(more);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(partial.confirmed).toBe(false);
    expect(partial.missing).toEqual([`${more[0]!.id}:finance`]);
    expect(await applied('training', more[0]!.aggregateId)).toBe(1);
  }, 90_000);
});
