import type { Redis } from 'ioredis';
import {
  createTestDatabase,
  startPrivateRedis,
  TEST_NATS_URL,
  testNamespace,
  type PrivateServer,
} from '@npq/test-kit';
import pino from 'pino';
import {
  createQueue,
  createRedis,
  createServiceRuntime,
  createWorkerHttpApp,
  deleteStream,
  loadConfig,
  loggerOptions,
  logQueueErrors,
  Registry,
  ScheduleWatchdog,
  type Queue,
} from '../src';

/** Job schedules after Redis loses its data (issue "Reliability", defect 2), on a Redis of its own. */
let server: PrivateServer;
let redis: Redis;
let queue: Queue<{ olderThanDays: number }>;
let registry: Registry;
let watchdog: ScheduleWatchdog;

// What an operator would see: the JSON log lines, kept in memory.
const logged: { level: number; msg: string }[] = [];
const logger = pino(loggerOptions('kit-watchdog', 'warn'), {
  write: (line: string) => void logged.push(JSON.parse(line)),
});

beforeAll(async () => {
  server = await startPrivateRedis();
  redis = createRedis(server.url, 'watchdog-test');
  queue = createQueue('maintenance', { connection: redis, prefix: 'npq_watchdog' });
  registry = new Registry();
  logQueueErrors(logger, [queue]);
  watchdog = new ScheduleWatchdog({ logger, metrics: registry, intervalMs: 100, checkTimeoutMs: 300 });
});

afterAll(async () => {
  await watchdog?.stop();
  await queue?.close();
  redis?.disconnect();
  await server?.destroy();
});

async function restoredCount(): Promise<number> {
  const metric = await registry.getSingleMetric('bullmq_schedules_restored_total')!.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('schedule watchdog', () => {
  it('registers a schedule, then puts it back by itself after FLUSHALL and after an empty restart', async () => {
    await watchdog.keep(
      queue,
      'prune-outbox',
      { pattern: '30 3 * * *' },
      {
        name: 'prune-outbox',
        data: { olderThanDays: 7 },
      },
    );
    expect(await queue.getJobScheduler('prune-outbox')).toMatchObject({ pattern: '30 3 * * *' });
    // Nothing to restore while it is there.
    expect(await watchdog.check()).toBe(0);

    await redis.flushall();
    expect(await queue.getJobScheduler('prune-outbox')).toBeUndefined();
    await waitFor(async () => (await restoredCount()) === 1);
    expect(await queue.getJobScheduler('prune-outbox')).toMatchObject({ pattern: '30 3 * * *' });
    expect(logged.map((l) => l.msg)).toContain(
      'job schedule was missing from Redis (data lost?); registered it again',
    );
    // The next run is scheduled again, with its data.
    const [next] = await queue.getDelayed();
    expect(next).toMatchObject({ name: 'prune-outbox', data: { olderThanDays: 7 } });

    await server.restart();
    await waitFor(async () => (await restoredCount()) === 2);
    expect(await queue.getJobScheduler('prune-outbox')).toMatchObject({ pattern: '30 3 * * *' });
    expect(await queue.getJobSchedulers()).toHaveLength(1);
  });

  it('keeps checking while Redis is down, and restores once it is back', async () => {
    await server.stop();
    await expect(watchdog.check()).resolves.toBe(0);
    expect(logged.map((l) => l.msg)).toContain('could not check a job schedule; will retry');
    await server.start();
    await waitFor(async () => (await queue.getJobScheduler('prune-outbox')) !== undefined);
  });

  it("a worker's HTTP app serves these counters and its health, Redis included", async () => {
    const db = await createTestDatabase();
    const config = loadConfig(
      {},
      { DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NPQ_NAMESPACE: testNamespace(), LOG_LEVEL: 'silent' },
    );
    const runtime = await createServiceRuntime({
      service: 'finance',
      config,
      ormSettings: { schema: 'kit_worker', clientUrl: db.url, entities: [], migrationsDir: __dirname },
    });
    const workerWatchdog = new ScheduleWatchdog({ logger, metrics: runtime.metrics, intervalMs: 60_000 });
    const http = createWorkerHttpApp(runtime, redis);
    try {
      await workerWatchdog.keep(
        queue,
        'worker-http',
        { every: 60_000 },
        { name: 'x', data: { olderThanDays: 1 } },
      );
      await redis.flushall();
      expect(await workerWatchdog.check()).toBe(1);
      const metrics = await http.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toContain(
        'bullmq_schedules_restored_total{queue="maintenance",scheduler="worker-http"} 1',
      );
      const ready = await http.app.inject({ method: 'GET', url: '/health/ready' });
      expect(JSON.parse(ready.body)).toEqual({
        status: 'ok',
        checks: { postgres: 'ok', nats: 'ok', redis: 'ok' },
      });
      await server.stop();
      const down = await http.app.inject({ method: 'GET', url: '/health/ready' });
      expect(down.statusCode).toBe(503);
      expect(JSON.parse(down.body).checks.redis).toBe('timed out after 2000ms');
      await server.start();
      // Reconnected (the check's own ping, queued meanwhile, is answered too).
      expect(await redis.ping()).toBe('PONG');
    } finally {
      await workerWatchdog.stop();
      await http.app.close();
      await deleteStream(runtime.messaging.jsm, runtime.naming);
      await runtime.messaging.nc.drain();
      await runtime.orm.close(true);
      await db.drop();
    }
  });
});
