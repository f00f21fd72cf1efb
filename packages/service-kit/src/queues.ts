import { Queue, Worker, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { counter, type Registry } from './metrics';

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

export type Repeat = { pattern: string; tz?: string } | { every: number };
export interface ScheduledJob<T> {
  name: string;
  data: T;
  opts?: JobsOptions;
}

/**
 * Registers (or updates) a repeatable job. Idempotent by scheduler id, so every replica can call it at
 * start-up and only one schedule exists.
 */
export async function upsertSchedule<T>(
  queue: Queue<T>,
  schedulerId: string,
  repeat: Repeat,
  job: ScheduledJob<T>,
): Promise<void> {
  await (queue as unknown as Queue).upsertJobScheduler(schedulerId, repeat, job);
}

export interface ScheduleWatchdogOptions {
  logger: Logger;
  /** How often every kept schedule is checked (default 15 s). */
  intervalMs?: number;
  /** Where `bullmq_schedules_restored_total` goes (the runtime's registry). */
  metrics?: Registry;
  /** A check waiting longer than this for Redis gives up until the next one (default 5 s). */
  checkTimeoutMs?: number;
}

interface KeptSchedule {
  queue: Queue;
  schedulerId: string;
  repeat: Repeat;
  job: ScheduledJob<unknown>;
}

export const DEFAULT_SCHEDULE_CHECK_MS = 15_000;

/**
 * Keeps BullMQ job schedulers registered. A schedule lives only in Redis: after Redis loses its data (a
 * FLUSHALL, a restart without persistence, a failover to an empty replica) every repeating job (the DQT
 * sweep, finance's daily cut-off, the maintenance prunes) would be gone until a worker restarts. The
 * watchdog checks each schedule it keeps every `intervalMs` (one cheap read per schedule) and re-upserts a
 * missing one, logged at warn and counted, so recovery needs no one (docs/operations.md, "Guarantees").
 * Re-upserting is idempotent by scheduler id, so replicas racing to restore one still leave one schedule.
 */
export class ScheduleWatchdog {
  private readonly kept = new Map<string, KeptSchedule>();
  private readonly intervalMs: number;
  private readonly checkTimeoutMs: number;
  private readonly restored;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<number> | undefined;

  constructor(private readonly options: ScheduleWatchdogOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_SCHEDULE_CHECK_MS;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 5_000;
    this.restored = counter(
      options.metrics,
      'bullmq_schedules_restored_total',
      'Job schedulers found missing in Redis (data lost) and registered again',
      ['queue', 'scheduler'],
    );
  }

  /** Registers the schedule now and keeps it registered from then on. */
  async keep<T>(queue: Queue<T>, schedulerId: string, repeat: Repeat, job: ScheduledJob<T>): Promise<void> {
    await upsertSchedule(queue, schedulerId, repeat, job);
    this.kept.set(`${queue.name}:${schedulerId}`, {
      queue: queue,
      schedulerId,
      repeat,
      job: job,
    });
    this.timer ??= setInterval(() => void this.check(), this.intervalMs);
    // A timer must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  /** Checks every kept schedule once, restoring missing ones; resolves to how many were restored. */
  check(): Promise<number> {
    this.checking ??= this.checkAll().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkAll(): Promise<number> {
    let restored = 0;
    for (const s of this.kept.values()) {
      try {
        // While Redis is unreachable its commands wait for the reconnection: give up on this check instead.
        if (await withDeadline(s.queue.getJobScheduler(s.schedulerId), this.checkTimeoutMs)) continue;
        await withDeadline(upsertSchedule(s.queue, s.schedulerId, s.repeat, s.job), this.checkTimeoutMs);
        restored++;
        this.restored.inc({ queue: s.queue.name, scheduler: s.schedulerId });
        this.options.logger.warn(
          { queue: s.queue.name, scheduler: s.schedulerId },
          'job schedule was missing from Redis (data lost?); registered it again',
        );
      } catch (err) {
        // Redis unreachable: the next check tries again.
        this.options.logger.warn(
          { err, queue: s.queue.name, scheduler: s.schedulerId },
          'could not check a job schedule; will retry',
        );
      }
    }
    return restored;
  }

  /** Stops checking; a check under way ends within the check timeout. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }
}

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  p.catch(() => undefined);
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ emitters print to the console without an 'error' listener: log their (reconnection) errors instead. */
export function logQueueErrors(logger: Logger, emitters: readonly (Queue | Worker)[]): void {
  for (const emitter of emitters) {
    (emitter as Worker).on('error', (err: Error) =>
      logger.warn({ err, queue: emitter.name }, 'queue connection error; BullMQ reconnects'),
    );
  }
}
