import { randomUUID } from 'node:crypto';
import { AckPolicy } from '@nats-io/jetstream';
import {
  createTestDatabase,
  createTestMessaging,
  type TestDatabase,
  type TestMessaging,
} from '@npq/test-kit';
import { createLogger, createOrm, OutboxRelay, Registry, stageEvent, type MikroORM } from '../src';
import { registerServiceGauges } from '../src/domain-metrics';

const logger = createLogger('kit-test', 'silent');
const SCHEMA = 'kit_metrics';

let db: TestDatabase;
let orm: MikroORM;
let messaging: TestMessaging;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await createOrm({ schema: SCHEMA, clientUrl: db.url, entities: [], migrationsDir: __dirname });
  await orm.schema.create();
  messaging = await createTestMessaging();
});

afterAll(async () => {
  await messaging.close();
  await orm.close(true);
  await db.drop();
});

async function stage(count: number): Promise<void> {
  await orm.em.fork().transactional(async (em) => {
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      await stageEvent(em, 'applications', messaging.naming, {
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
      });
    }
  });
}

/** The value of one series in the registry's exposition (what Prometheus would scrape). */
async function scrape(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('service gauges, read at scrape time', () => {
  it('report the outbox backlog and its age, the consumer lag and parked messages as they are now', async () => {
    const durable = messaging.naming.durable('metrics');
    await messaging.jsm.consumers.add(messaging.naming.stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: messaging.naming.allEvents,
    });
    const registry = new Registry();
    registerServiceGauges(registry, { orm, messaging, consumer: 'metrics', durable });

    expect(await scrape(registry, 'outbox_unpublished_events')).toBe(0);
    expect(await scrape(registry, 'outbox_oldest_unpublished_age_seconds')).toBe(0);
    expect(await scrape(registry, 'event_consumer_lag_messages{consumer="metrics"}')).toBe(0);

    await stage(3);
    await orm.em.fork().execute(`update ${SCHEMA}.outbox set created_at = now() - interval '90 seconds'`);
    expect(await scrape(registry, 'outbox_unpublished_events')).toBe(3);
    expect(await scrape(registry, 'outbox_oldest_unpublished_age_seconds')).toBeGreaterThanOrEqual(90);

    // Published but not yet consumed: the backlog moves from the outbox to the consumer's lag.
    await new OutboxRelay({ orm, js: messaging.js, logger, pollMs: 5 }).publishPending();
    expect(await scrape(registry, 'outbox_unpublished_events')).toBe(0);
    expect(await scrape(registry, 'outbox_oldest_unpublished_age_seconds')).toBe(0);
    expect(await scrape(registry, 'event_consumer_lag_messages{consumer="metrics"}')).toBe(3);

    expect(await scrape(registry, 'parked_messages')).toBe(0);
    await orm.em
      .fork()
      .execute(
        `insert into ${SCHEMA}.parked_messages (consumer, subject, event_id, payload, error, deliveries) values ('metrics', 's', null, '{}', 'boom', 5)`,
      );
    expect(await scrape(registry, 'parked_messages')).toBe(1);
  });
});
