import type { Redis } from 'ioredis';
import { createDqtPushService, type DqtPushService } from '@npq/training';
import { startFinanceWorkers, type FinanceWorkers } from '@npq/finance';
import { createRedis } from '@npq/service-kit';
import { startPrivateRedis, type PrivateServer } from '@npq/test-kit';
import { startSystem, type System } from '../support/system';
import { eventually } from '../support/eventually';
import { FakeDqt, newTrn, passedOutcomeFor } from '../support/dqt';

/**
 * Redis loses its data (issue "Reliability", defect 2): the workers' queues live on a Redis of their own,
 * flushed and restarted empty mid-test. Repeating jobs (the DQT sweep, finance's daily cut-off) come back
 * by themselves, so DQT pushes resume without restarting the worker.
 */
let dqt: FakeDqt;
let redisServer: PrivateServer;
let redis: Redis;
let system: System;
let worker: DqtPushService | undefined;
let finance: FinanceWorkers | undefined;

beforeAll(async () => {
  dqt = new FakeDqt();
  await dqt.start();
  redisServer = await startPrivateRedis();
  redis = createRedis(redisServer.url, 'reliability-redis-loss');
  system = await startSystem({
    config: { DQT_API_URL: dqt.url, DQT_API_KEY: 'test-dqt-key', DQT_TIMEOUT_MS: 5000 },
  });
});
afterAll(async () => {
  await worker?.close(true);
  await finance?.close();
  redis?.disconnect();
  await system?.close();
  await redisServer?.destroy();
  await dqt?.stop();
});

async function restoredSchedules(service: 'training' | 'finance'): Promise<number> {
  const metric = system.services[service].runtime.metrics.getSingleMetric('bullmq_schedules_restored_total');
  return metric ? (await metric.get()).values.reduce((sum, v) => sum + v.value, 0) : 0;
}

async function sentPushFor(trn: string): Promise<void> {
  const { outcomeId } = await passedOutcomeFor(system, trn);
  await eventually(
    async () =>
      (await system.admin.get('/admin/v1/outcome-deliveries?filter[state]=sent&page[per_page]=3000')).body
        .data as any[],
    (rows) => rows.some((d) => d.attributes.outcome_id === outcomeId),
    15_000,
  );
  expect(dqt.for(trn)).toHaveLength(1);
}

describe('Redis loses its data', () => {
  it('DQT pushes resume by themselves after FLUSHALL and after an empty restart', async () => {
    worker = createDqtPushService(system.services.training.runtime, redis, {
      backoff: { baseMs: 50, capMs: 400, minJitter: 0.75 },
      attempts: 6,
      orderingDelayMs: 50,
      sweepEveryMs: 100,
      scheduleCheckMs: 200,
    });
    await worker.start();
    await sentPushFor(newTrn());

    await redis.flushall();
    await sentPushFor(newTrn());
    expect(await restoredSchedules('training')).toBe(1);

    await redisServer.restart();
    await sentPushFor(newTrn());
    expect(await restoredSchedules('training')).toBe(2);
  });

  it("finance's daily cut-off schedule is registered again after FLUSHALL", async () => {
    finance = await startFinanceWorkers(system.services.finance.runtime, redis, {
      schedule: true,
      runCutoffOnStart: false,
      scheduleCheckMs: 200,
    });
    const cutoffQueue = finance.queues.find((q) => q.name === 'finance-statement-cutoff')!;
    expect(await cutoffQueue.getJobScheduler('daily-statement-cutoff')).toMatchObject({
      pattern: '5 0 * * *',
    });
    await redis.flushall();
    // Both of its schedules: the daily cut-off and the payment sweep.
    await eventually(
      () => restoredSchedules('finance'),
      (n) => n === 2,
      10_000,
    );
    expect(await cutoffQueue.getJobScheduler('daily-statement-cutoff')).toMatchObject({
      pattern: '5 0 * * *',
      tz: 'UTC',
    });
    expect(await cutoffQueue.getJobScheduler('payment-sweep')).toMatchObject({ every: 60_000 });
  });
});
