import type { Redis } from 'ioredis';
import { startFinanceWorkers, type FinanceWorkers } from '@npq/finance';
import { createRedis } from '@npq/service-kit';
import { startPrivateRedis, type PrivateServer } from '@npq/test-kit';
import { startSystem, type System } from '../support/system';
import { eventually } from '../support/eventually';
import { AMBITION } from '../support/fixtures';
import {
  acceptedParticipant,
  at,
  declareOk,
  runCutoff,
  startedAttributes,
  statementFor,
} from '../support/finance';

/**
 * Found by the chaos suite (test/chaos, "Redis restart with data loss"): authorise-payment queues the payment
 * run after its commit on a Redis connection that waited for Redis for as long as it was away (the request
 * hung) and, having no error listener, printed raw stack traces instead of JSON log lines. An authorisation
 * whose queueing failed was then only paid at the next daily cut-off. Now the request path fails fast and
 * logs through pino, and the finance worker's payment sweep queues it once Redis is back.
 */
let redisServer: PrivateServer;
let workerRedis: Redis;
let system: System;
let workers: FinanceWorkers | undefined;

beforeAll(async () => {
  redisServer = await startPrivateRedis();
  workerRedis = createRedis(redisServer.url, 'reliability-payment-queue');
  system = await startSystem({ config: { REDIS_URL: redisServer.url } });
});
afterAll(async () => {
  await workers?.close();
  workerRedis?.disconnect();
  await system?.close();
  await redisServer?.destroy();
});

it('authorise-payment answers at once while Redis is down, and the payment runs once Redis is back', async () => {
  workers = await startFinanceWorkers(system.services.finance.runtime, workerRedis, {
    runCutoffOnStart: false,
    paymentSweepEveryMs: 300,
    scheduleCheckMs: 200,
  });
  const { participantId } = await acceptedParticipant(system);
  await declareOk(system.provider(AMBITION.id), startedAttributes(participantId));
  const december = await statementFor(system, AMBITION.id, '2025a', 2025, 'December');
  await runCutoff(system, '2025-11-26');

  const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    await redisServer.stop();
    const started = Date.now();
    const res = await system.admin.post(
      `/admin/v1/statements/${december.id}/authorise-payment`,
      undefined,
      at('2025-11-26T09:00:00Z'),
    );
    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(3000);
    // Errors of the queue's connection went to the JSON log, not raw to the console.
    expect(consoleError).not.toHaveBeenCalled();
  } finally {
    consoleError.mockRestore();
  }

  // Redis comes back empty: nothing was queued, yet the sweep queues the payment run and it is paid once.
  await redisServer.start();
  await eventually(
    () => system.admin.get(`/admin/v1/statements/${december.id}`),
    (r) => r.body.data.attributes.state === 'paid',
    20_000,
  );
  const paidEvents = await system.services.finance.runtime.orm.em.fork().execute(
    `select count(*)::int as n from finance.outbox where name = 'statement.state-changed' and aggregate_id = ?
         and envelope->'data'->>'state' = 'paid'`,
    [december.id],
  );
  expect(paidEvents).toEqual([{ n: 1 }]);
});
