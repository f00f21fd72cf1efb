import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@npq/contracts';
import {
  createTestMessaging,
  startPrivatePostgres,
  type PrivateServer,
  type TestMessaging,
} from '@npq/test-kit';
import pino from 'pino';
import {
  countParked,
  createLogger,
  createOrm,
  EventConsumer,
  loggerOptions,
  failedPassDelayMs,
  OutboxRelay,
  stageEvent,
  type EntityManager,
  type EventHandler,
  type MikroORM,
} from '../src';

/**
 * The event consumer under faults (issue "Reliability"): a Postgres of its own that the tests stop while a
 * message is in hand, and a consumer whose durable JetStream consumer is deleted under it.
 */
const logger = createLogger('kit-consumer-faults', process.env.TEST_LOG_LEVEL ?? 'silent');
const SCHEMA = 'kit_faults';

let pg: PrivateServer;
let orm: MikroORM;
let messaging: TestMessaging;
const consumers: EventConsumer[] = [];

beforeAll(async () => {
  pg = await startPrivatePostgres();
  orm = await createOrm({
    schema: SCHEMA,
    clientUrl: pg.url,
    entities: [],
    migrationsDir: __dirname,
    // Fail fast while the database is down (the default waits a minute for a connection).
    poolMax: 4,
  });
  await orm.schema.create();
  await orm.em
    .fork()
    .execute(`create table ${SCHEMA}.projection (id text primary key, applied int not null)`);
});

// A stream of its own per test: a new durable starts from the stream's first message.
beforeEach(async () => {
  messaging = await createTestMessaging();
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
  await messaging.close();
});

afterAll(async () => {
  await orm?.close(true);
  await pg?.destroy();
});

const countInto: EventHandler<'person.updated'> = async (em: EntityManager, envelope) => {
  await em.execute(
    `insert into ${SCHEMA}.projection (id, applied) values (?, 1) on conflict (id) do update set applied = projection.applied + 1`,
    [envelope.aggregateId],
  );
};

async function applied(id: string): Promise<number> {
  const rows: { applied: number }[] = await orm.em
    .fork()
    .execute(`select applied from ${SCHEMA}.projection where id = ?`, [id]);
  return rows[0]?.applied ?? 0;
}

async function publish(id = randomUUID()): Promise<EventEnvelope> {
  const envelope = {
    id: randomUUID(),
    name: 'person.updated',
    version: 1,
    producer: 'applications',
    occurredAt: new Date().toISOString(),
    aggregateId: id,
    aggregateVersion: 1,
    data: {
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
    },
  } as EventEnvelope;
  await messaging.js.publish(
    messaging.naming.subjectFor('person.updated'),
    new TextEncoder().encode(JSON.stringify(envelope)),
  );
  return envelope;
}

async function waitFor(predicate: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Deliveries the server made to a durable (redeliveries included). */
async function deliveries(durable: string): Promise<number> {
  return (await messaging.jsm.consumers.info(messaging.naming.stream, durable)).delivered.consumer_seq;
}

function newConsumer(name: string): EventConsumer {
  const consumer = new EventConsumer({
    orm,
    messaging,
    consumer: name,
    handlers: { 'person.updated': countInto },
    logger,
    maxDeliver: 3,
    retryDelayMs: 20,
    maxRetryDelayMs: 200,
  });
  consumers.push(consumer);
  return consumer;
}

describe('event consumer under faults', () => {
  it('survives a database outage longer than its redelivery budget: nothing parked, nothing lost', async () => {
    const consumer = newConsumer('outage_test');
    await consumer.start();
    const parkedBefore = await countParked(orm);

    await pg.stop();
    const during = await publish();
    // Well past the 3 deliveries that would park a failing message: every one of them failed because the
    // database was down, which is not the message's fault.
    await waitFor(async () => (await deliveries(consumer.durableName)) >= 6);
    expect(consumer.status().state).toBe('consuming');
    await pg.start();

    await waitFor(async () => (await applied(during.aggregateId)) === 1);
    const after = await publish();
    await waitFor(async () => (await applied(after.aggregateId)) === 1);
    expect(await countParked(orm)).toBe(parkedBefore);
    await expect(consumer.healthCheck()).resolves.toBeUndefined();
  });

  it('still parks a real poison message once the database can take it', async () => {
    const consumer = new EventConsumer({
      orm,
      messaging,
      consumer: 'poison_after_outage',
      handlers: {
        'person.updated': async () => {
          throw new Error('cannot apply');
        },
      },
      logger,
      maxDeliver: 3,
      retryDelayMs: 20,
      maxRetryDelayMs: 200,
    });
    consumers.push(consumer);
    await consumer.start();
    const parkedBefore = await countParked(orm);
    await pg.stop();
    const poison = await publish();
    await waitFor(async () => (await deliveries(consumer.durableName)) >= 5);
    await pg.start();
    await waitFor(async () => (await countParked(orm)) === parkedBefore + 1);
    const rows: { error: string }[] = await orm.em
      .fork()
      .execute(`select error from ${SCHEMA}.parked_messages where event_id = ?`, [poison.id]);
    expect(rows).toEqual([{ error: 'cannot apply' }]);
    expect(consumer.status().state).toBe('consuming');
  });

  it('recreates its durable consumer and resumes when it is deleted under it', async () => {
    const consumer = newConsumer('deleted_test');
    await consumer.start();
    const first = await publish();
    await waitFor(async () => (await applied(first.aggregateId)) === 1);

    await messaging.jsm.consumers.delete(messaging.naming.stream, consumer.durableName);
    const second = await publish();
    await waitFor(async () => (await applied(second.aggregateId)) === 1);
    expect(consumer.status().state).toBe('consuming');
    expect(consumer.status().restarts).toBeGreaterThanOrEqual(1);
  });

  it('reports itself not ready while it is not consuming', async () => {
    const consumer = newConsumer('health_test');
    await expect(consumer.healthCheck()).rejects.toThrow('event consumer is not consuming (stopped)');
    await consumer.start();
    await expect(consumer.healthCheck()).resolves.toBeUndefined();
    await consumer.stop();
    await expect(consumer.healthCheck()).rejects.toThrow('event consumer is not consuming (stopped)');
  });
});

describe('event consumer batches', () => {
  it('applies a backlog in shared transactions, in order, and still parks a poison message alone', async () => {
    await orm.em
      .fork()
      .execute(
        `create table if not exists ${SCHEMA}.batch_log (seq bigserial primary key, aggregate_id text not null, event_id text not null, tx bigint not null)`,
      );
    const poisonId = randomUUID();
    const consumer = new EventConsumer({
      orm,
      messaging,
      consumer: 'batch_test',
      handlers: {
        'person.updated': async (em, envelope) => {
          if (envelope.aggregateId === poisonId) throw new Error('cannot apply');
          await em.execute(
            `insert into ${SCHEMA}.batch_log (aggregate_id, event_id, tx) values (?, ?, txid_current())`,
            [envelope.aggregateId, envelope.id],
          );
        },
      },
      logger,
      maxDeliver: 3,
      retryDelayMs: 20,
      maxRetryDelayMs: 200,
      // Smaller than the backlog: the batch holding the poison message falls back to one by one, the others
      // commit as batches.
      maxBatch: 10,
    });
    consumers.push(consumer);
    // A backlog before the consumer starts, so messages arrive together: three resources taking turns
    // (their order must hold), with the poison message in the middle.
    const resources = [randomUUID(), randomUUID(), randomUUID()];
    const published: EventEnvelope[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 20) await publish(poisonId);
      published.push(await publish(resources[i % 3]));
    }
    const parkedBefore = await countParked(orm);
    await consumer.start();

    await waitFor(async () => (await countParked(orm)) === parkedBefore + 1);
    const parked: { event_id: string; deliveries: number }[] = await orm.em
      .fork()
      .execute(`select event_id, deliveries from ${SCHEMA}.parked_messages where consumer = 'batch_test'`);
    // Parked after exactly maxDeliver deliveries, as a message arriving alone is.
    expect(parked.map((p) => p.deliveries)).toEqual([3]);
    await waitFor(async () => {
      const rows: { n: string }[] = await orm.em
        .fork()
        .execute(`select count(*)::text as n from ${SCHEMA}.batch_log`);
      return Number(rows[0]?.n) === published.length;
    });
    const log: { event_id: string; tx: string }[] = await orm.em
      .fork()
      .execute(`select event_id, tx::text as tx from ${SCHEMA}.batch_log order by seq`);
    // Every other event applied once, in the order it was published.
    expect(log.map((r) => r.event_id)).toEqual(published.map((e) => e.id));
    // And in fewer transactions than events: the backlog was applied in batches.
    expect(new Set(log.map((r) => r.tx)).size).toBeLessThan(published.length);
  });
});

describe('outbox relay under faults', () => {
  it('backs off while Postgres is down, then publishes what was committed', async () => {
    const failures: number[] = [];
    const relayLogger = pino(loggerOptions('kit-relay', 'error'), {
      write: (line: string) => {
        const entry = JSON.parse(line) as { msg: string; nextPassInMs: number };
        if (entry.msg === 'outbox relay pass failed') failures.push(entry.nextPassInMs);
      },
    });
    const id = randomUUID();
    const envelope = await orm.em.fork().transactional((em) =>
      stageEvent(em, 'applications', messaging.naming, {
        name: 'person.updated',
        aggregateId: id,
        aggregateVersion: 1,
        data: {
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
        },
      }),
    );
    await pg.stop();
    const relay = new OutboxRelay({ orm, js: messaging.js, logger: relayLogger, pollMs: 20 });
    relay.start();
    try {
      await waitFor(() => failures.length >= 5);
      // Each failed pass waits twice as long as the one before (20 ms polls: 40, 80, 160, 320, 640 ms). The
      // relay's own schedule is asserted, not wall-clock gaps, which a busy machine stretches at random.
      expect(failures.slice(0, 5)).toEqual([40, 80, 160, 320, 640]);
      expect(failedPassDelayMs(20, 30)).toBe(5_000);
      await pg.start();
      await waitFor(async () => {
        const rows: { published_at: Date | null }[] = await orm.em
          .fork()
          .execute(`select published_at from ${SCHEMA}.outbox where id = ?`, [envelope.id]);
        return rows[0]?.published_at != null;
      });
    } finally {
      await relay.stop();
    }
  });
});
