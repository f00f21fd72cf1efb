import type { Queue, Worker } from 'bullmq';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Messaging } from './messaging';
import type { MikroORM } from './orm';

/**
 * Gauges read when Prometheus scrapes (docs/operations.md, "Observe"): each `collect` asks Postgres, NATS or
 * Redis at that moment, so a replica that just started reports the same backlog as the others. A failed
 * read leaves the gauge at its last value (the health checks report the outage).
 */
function collected(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  collect: (g: Gauge) => Promise<void>,
): void {
  if (registry.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      await collect(this).catch(() => undefined);
    },
  });
}

/** A service process: its outbox backlog, its durable consumer's lag, its parked messages. */
export function registerServiceGauges(
  registry: Registry,
  deps: { orm: MikroORM; messaging: Messaging; consumer: string; durable: string },
): void {
  const schema = () => deps.orm.em.fork();
  const table = (name: string) => `"${deps.orm.config.get('schema')}"."${name}"`;
  collected(registry, 'outbox_unpublished_events', 'Outbox rows not yet published to NATS', [], async (g) => {
    const rows: { n: string }[] = await schema().execute(
      `select count(*)::text as n from ${table('outbox')} where published_at is null`,
    );
    g.set(Number(rows[0]?.n ?? 0));
  });
  collected(
    registry,
    'outbox_oldest_unpublished_age_seconds',
    'Age of the oldest outbox row not yet published (0 when none)',
    [],
    async (g) => {
      const rows: { age: string | null }[] = await schema().execute(
        `select extract(epoch from now() - min(created_at))::text as age from ${table('outbox')} where published_at is null`,
      );
      g.set(Math.max(0, Number(rows[0]?.age ?? 0)));
    },
  );
  collected(
    registry,
    'event_consumer_lag_messages',
    "Events in the stream the service's durable consumer has not yet been delivered or acknowledged",
    ['consumer'],
    async (g) => {
      const info = await deps.messaging.jsm.consumers.info(deps.messaging.naming.stream, deps.durable);
      g.set({ consumer: deps.consumer }, info.num_pending + info.num_ack_pending);
    },
  );
  collected(
    registry,
    'parked_messages',
    'Poison messages parked and not yet redriven or discarded (waiting for an operator)',
    [],
    async (g) => {
      const rows: { n: string }[] = await schema().execute(
        `select count(*)::text as n from ${table('parked_messages')} where state = 'parked'`,
      );
      g.set(Number(rows[0]?.n ?? 0));
    },
  );
}

/** A worker process: depth of each of its BullMQ queues by state, and the age of the oldest waiting job. */
export function registerQueueGauges(registry: Registry, queues: readonly Queue[]): void {
  collected(
    registry,
    'bullmq_queue_jobs',
    'Jobs in a BullMQ queue, by state',
    ['queue', 'state'],
    async (g) => {
      for (const q of queues) {
        const counts = await q.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'failed',
          'completed',
          'prioritized',
        );
        for (const [state, n] of Object.entries(counts)) g.set({ queue: q.name, state }, n);
      }
    },
  );
  collected(
    registry,
    'bullmq_oldest_waiting_job_age_seconds',
    'Age of the oldest job waiting in a BullMQ queue (0 when none)',
    ['queue'],
    async (g) => {
      for (const q of queues) {
        // Jobs are pushed on the left of the wait list: the oldest is the last one.
        const waiting = await q.getWaitingCount();
        const [oldest] = waiting > 0 ? await q.getWaiting(waiting - 1, waiting - 1) : [];
        g.set({ queue: q.name }, oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
      }
    },
  );
}

/** A worker process: jobs its workers finished, by result (completed, failed). */
export function countWorkerJobs(registry: Registry, workers: readonly Worker[]): void {
  const jobs = new Counter({
    name: 'bullmq_jobs_total',
    help: 'Jobs this worker process finished, by queue and result',
    labelNames: ['queue', 'result'],
    registers: [registry],
  });
  for (const w of workers) {
    w.on('completed', () => jobs.inc({ queue: w.name, result: 'completed' }));
    w.on('failed', () => jobs.inc({ queue: w.name, result: 'failed' }));
  }
}
