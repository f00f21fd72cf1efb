import type { ServiceName } from '@npq/contracts';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from './config';
import type { EventHandlers } from './consumer';
import { createHttpApp, type HttpApp } from './http';
import { IDEMPOTENCY_KEY_RETENTION_HOURS, pruneIdempotencyKeys } from './idempotency';
import { countWorkerJobs, registerQueueGauges, registerServiceGauges } from './domain-metrics';
import { closeOnSignal, type Closer } from './lifecycle';
import type { OrmSettings } from './orm';
import { createQueue, createRedis, createWorker, logQueueErrors, ScheduleWatchdog } from './queues';
import { createConsumer, createServiceRuntime, runtimeClosers, type ServiceRuntime } from './runtime';

export interface ServiceDefinition {
  service: Exclude<ServiceName, 'gateway'>;
  ormSettings(config: Config): OrmSettings;
  buildApp(runtime: ServiceRuntime): Promise<HttpApp> | HttpApp;
  /** Events this service applies to its projections. */
  handlers: EventHandlers;
  port(config: Config): number;
}

function fail(what: string, err: unknown): never {
  process.stderr.write(`${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

/**
 * `src/server.ts` of every service: HTTP API, outbox relay and event consumer in one process, drained in
 * that order on SIGTERM (stop taking requests, finish the message in hand, publish what is committed).
 */
export function runServer(definition: ServiceDefinition): void {
  (async () => {
    const config = loadConfig();
    const runtime = await createServiceRuntime({
      service: definition.service,
      config,
      ormSettings: definition.ormSettings(config),
    });
    const http = await definition.buildApp(runtime);
    const consumer = createConsumer(runtime, definition.handlers);
    registerServiceGauges(runtime.metrics, {
      orm: runtime.orm,
      messaging: runtime.messaging,
      consumer: definition.service,
      durable: consumer.durableName,
    });
    closeOnSignal(
      [
        { name: 'readiness', close: async () => http.markDraining() },
        { name: 'http', close: () => http.app.close() },
        { name: 'event consumer', close: () => consumer.stop() },
        ...runtimeClosers(runtime),
      ],
      runtime.logger,
    );
    await consumer.start();
    runtime.relay.start();
    await http.app.listen({ host: config.SERVICE_HOST, port: definition.port(config) });
  })().catch((err: unknown) => fail(`${definition.service} failed to start`, err));
}

/**
 * A worker process's own small HTTP app (no API): health (Postgres, NATS, Redis) and the runtime's metrics,
 * served when WORKER_HTTP_PORT is set.
 */
export function createWorkerHttpApp(runtime: ServiceRuntime, redis: Redis): HttpApp {
  return createHttpApp({
    logger: runtime.logger,
    bodyLimit: runtime.config.BODY_LIMIT_BYTES,
    metrics: runtime.metrics,
    healthChecks: { ...runtime.healthChecks, redis: () => redis.ping() },
  });
}

/** Jobs of every service's maintenance queue. */
type MaintenanceJob = { olderThanDays?: number; olderThanHours?: number };

export interface WorkerDefinition {
  service: Exclude<ServiceName, 'gateway'>;
  ormSettings(config: Config): OrmSettings;
  /**
   * The service's own queues; maintenance (outbox pruning) is added for every service. Repeating jobs are
   * registered through `schedules`, which puts them back if Redis loses them.
   */
  workers?(
    runtime: ServiceRuntime,
    connection: Redis,
    schedules: ScheduleWatchdog,
  ): Promise<Worker[]> | Worker[];
}

/**
 * `src/worker.ts` of every service: BullMQ workers for the service's queues plus maintenance jobs that
 * prune published outbox rows (daily) and expired idempotency keys (hourly). Workers finish their current
 * job before the process exits.
 */
export function runWorker(definition: WorkerDefinition): void {
  (async () => {
    const config = loadConfig();
    const runtime = await createServiceRuntime({
      service: definition.service,
      config,
      ormSettings: definition.ormSettings(config),
    });
    const connection = createRedis(config.REDIS_URL, `${definition.service}-worker`);
    const prefix = runtime.naming.queuePrefix;
    const maintenanceName = `${definition.service}-maintenance`;
    const maintenance = createQueue<MaintenanceJob>(maintenanceName, { connection, prefix });
    const schedules = new ScheduleWatchdog({ logger: runtime.logger, metrics: runtime.metrics });
    await schedules.keep(
      maintenance,
      'prune-outbox',
      { pattern: '30 3 * * *' },
      { name: 'prune-outbox', data: { olderThanDays: 7 } },
    );
    // Hourly, so a key lives between 24 and 25 hours (docs/operations.md, "Idempotency-Key").
    await schedules.keep(
      maintenance,
      'prune-idempotency-keys',
      { pattern: '15 * * * *' },
      { name: 'prune-idempotency-keys', data: { olderThanHours: IDEMPOTENCY_KEY_RETENTION_HOURS } },
    );
    const maintenanceWorker = createWorker<MaintenanceJob>(
      maintenanceName,
      async (job) =>
        job.name === 'prune-idempotency-keys'
          ? { pruned: await pruneIdempotencyKeys(runtime.orm, job.data.olderThanHours) }
          : { pruned: await runtime.relay.prune(job.data.olderThanDays) },
      { connection, prefix },
    ) as Worker;
    logQueueErrors(runtime.logger, [maintenance, maintenanceWorker]);
    const workers: Worker[] = [
      maintenanceWorker,
      ...((await definition.workers?.(runtime, connection, schedules)) ?? []),
    ];
    // Read-only handles on every queue this process works, for the depth gauges (docs/operations.md).
    const observed = workers.map((w) => createQueue(w.name, { connection, prefix }));
    registerQueueGauges(runtime.metrics, observed);
    countWorkerJobs(runtime.metrics, workers);
    const closers: Closer[] = [
      { name: 'schedule watchdog', close: () => schedules.stop() },
      ...workers.map((w) => ({ name: `worker ${w.name}`, close: () => w.close() })),
      { name: 'maintenance queue', close: () => maintenance.close() },
      ...observed.map((q) => ({ name: `queue ${q.name}`, close: () => q.close() })),
      ...runtimeClosers(runtime),
      { name: 'redis', close: () => connection.quit() },
    ];
    if (config.WORKER_HTTP_PORT !== undefined) {
      const http = createWorkerHttpApp(runtime, connection);
      closers.unshift(
        { name: 'readiness', close: async () => http.markDraining() },
        { name: 'http', close: () => http.app.close() },
      );
      await http.app.listen({ host: config.SERVICE_HOST, port: config.WORKER_HTTP_PORT });
    }
    closeOnSignal(closers, runtime.logger);
    runtime.logger.info({ queues: workers.map((w) => w.name) }, 'workers running');
  })().catch((err: unknown) => fail(`${definition.service} worker failed to start`, err));
}
