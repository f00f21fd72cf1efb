import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import type { EventEnvelope } from '@npq/contracts';
import {
  createTestDatabase,
  createTestMessaging,
  type TestDatabase,
  type TestMessaging,
} from '@npq/test-kit';
import { createLogger, createOrm, EventConsumer, type EventHandler, type MikroORM } from '../src';

/**
 * A durable's configuration follows the code (docs/operations.md): an existing durable is updated in place
 * when the server allows it, and recreated from its first unacknowledged message when it does not.
 */
const logger = createLogger('kit-consumer-config', process.env.TEST_LOG_LEVEL ?? 'silent');
const SCHEMA = 'kit_consumer_config';

let db: TestDatabase;
let orm: MikroORM;
let messaging: TestMessaging;
const consumers: EventConsumer[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await createOrm({ schema: SCHEMA, clientUrl: db.url, entities: [], migrationsDir: __dirname });
  await orm.schema.create();
  await orm.em
    .fork()
    .execute(`create table ${SCHEMA}.projection (id text primary key, applied int not null)`);
});
beforeEach(async () => {
  messaging = await createTestMessaging();
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
  await messaging.close();
});
afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

const countInto: EventHandler<'person.updated'> = async (em, envelope) => {
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

async function publish(): Promise<string> {
  const id = randomUUID();
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
  return id;
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function consumer(ackWaitMs: number): EventConsumer {
  const c = new EventConsumer({
    orm,
    messaging,
    consumer: 'config',
    handlers: { 'person.updated': countInto },
    logger,
    ackWaitMs,
  });
  consumers.push(c);
  return c;
}

describe('consumer configuration reconciled at start', () => {
  it('a changed ack wait updates the durable in place; nothing is delivered again', async () => {
    const first = await publish();
    const a = consumer(30_000);
    await a.start();
    await waitFor(async () => (await applied(first)) === 1);
    await a.stop();
    consumers.splice(0);

    const b = consumer(12_000);
    await b.start();
    const info = await messaging.jsm.consumers.info(messaging.naming.stream, b.durableName);
    expect(info.config.ack_wait).toBe(12_000 * 1_000_000);
    const second = await publish();
    await waitFor(async () => (await applied(second)) === 1);
    expect(await applied(first)).toBe(1);
    expect(info.delivered.consumer_seq).toBe(1);
  });

  it('a filter the server cannot change recreates the durable after its acknowledged messages', async () => {
    const { jsm, js, naming } = messaging;
    const durable = naming.durable('config');
    // As an older release would have left it: a narrower filter.
    await jsm.consumers.add(naming.stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${naming.eventSubjectPrefix}npq.applications.>`,
    });
    const handled = [await publish(), await publish(), await publish()];
    // That release handled (and acknowledged) these three.
    const old = await js.consumers.get(naming.stream, durable);
    const batch = await old.fetch({ max_messages: 3, expires: 2000 });
    for await (const m of batch) m.ack();
    await waitFor(async () => (await jsm.consumers.info(naming.stream, durable)).ack_floor.stream_seq === 3);
    const pending = [await publish(), await publish()];

    const c = consumer(30_000);
    await c.start();
    await waitFor(async () => (await Promise.all(pending.map(applied))).every((n) => n === 1));
    const info = await jsm.consumers.info(naming.stream, durable);
    expect(info.config.filter_subject).toBe(naming.allEvents);
    // Not replayed from the start: what the old durable acknowledged is not applied again.
    expect(await Promise.all(handled.map(applied))).toEqual([0, 0, 0]);
  });
});
