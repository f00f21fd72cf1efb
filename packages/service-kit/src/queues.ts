import { Queue, Worker, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';

export { Queue, Worker };
export type { Job, JobsOptions } from 'bullmq';

/** A Redis connection suitable for BullMQ (workers need `maxRetriesPerRequest: null`). */
export function createRedis(url: string, name: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}

/**
 * Defaults for every job: retried with exponential backoff and jitter, completed jobs trimmed, failed
 * jobs kept (BullMQ's failed set is our dead-letter list, visible to ops and re-triable).
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: false,
};

export interface QueueSettings {
  connection: Redis;
  /** Namespace prefix (see Naming.queuePrefix). */
  prefix: string;
  defaultJobOptions?: JobsOptions;
}

export function createQueue<T = unknown>(name: string, settings: QueueSettings): Queue<T> {
  return new Queue<T>(name, {
    connection: settings.connection,
    prefix: settings.prefix,
    defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...settings.defaultJobOptions },
  });
}

export function createWorker<T = unknown, R = unknown>(
  name: string,
  processor: Processor<T, R>,
  settings: QueueSettings & Partial<Omit<WorkerOptions, 'connection' | 'prefix'>>,
): Worker<T, R> {
  const { connection, prefix, defaultJobOptions: _ignored, ...rest } = settings;
  return new Worker<T, R>(name, processor, { concurrency: 1, ...rest, connection, prefix });
}

/**
 * Registers (or updates) a repeatable job. Idempotent by scheduler id, so every replica can call it at
 * start-up and only one schedule exists.
 */
export async function upsertSchedule<T>(
  queue: Queue<T>,
  schedulerId: string,
  repeat: { pattern: string; tz?: string } | { every: number },
  job: { name: string; data: T; opts?: JobsOptions },
): Promise<void> {
  await (queue as unknown as Queue).upsertJobScheduler(schedulerId, repeat, job);
}
