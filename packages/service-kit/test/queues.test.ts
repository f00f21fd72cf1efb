import type { Redis } from 'ioredis';
import { TEST_REDIS_URL, uniqueSuffix } from '@npq/test-kit';
import {
  createQueue,
  createRedis,
  createWorker,
  DEFAULT_JOB_OPTIONS,
  upsertSchedule,
  type Job,
  type Queue,
  type Worker,
} from '../src/queues';

const PREFIX = `npq_t_${uniqueSuffix()}`;

let redis: Redis;
const queues: Queue[] = [];
const workers: Worker[] = [];

function queue<T = unknown>(
  name: string,
  defaultJobOptions?: Parameters<typeof createQueue>[1]['defaultJobOptions'],
): Queue<T> {
  const q = createQueue<T>(`${name}_${uniqueSuffix()}`, {
    connection: redis,
    prefix: PREFIX,
    defaultJobOptions,
  });
  queues.push(q);
  return q;
}

async function waitFor(predicate: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(() => {
  redis = createRedis(TEST_REDIS_URL, 'kit-queues-test');
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

afterAll(async () => {
  for (const q of queues) {
    await q.obliterate({ force: true });
    await q.close();
  }
  // Anything left under our prefix (scheduler bookkeeping etc.).
  const leftovers = await redis.keys(`${PREFIX}:*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  await redis.quit();
});

describe('createRedis', () => {
  it('connects with BullMQ-compatible settings and a connection name', async () => {
    expect(await redis.ping()).toBe('PONG');
    expect(redis.options.maxRetriesPerRequest).toBeNull();
    expect(redis.options.connectionName).toBe('kit-queues-test');
  });
});

describe('DEFAULT_JOB_OPTIONS', () => {
  it('retries with exponential backoff and jitter, trims completed jobs and keeps failed ones', () => {
    expect(DEFAULT_JOB_OPTIONS).toEqual({
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: false,
    });
  });
});

describe('createQueue', () => {
  it('applies DEFAULT_JOB_OPTIONS to every job', async () => {
    const q = queue<{ n: number }>('defaults');
    expect(q.opts.prefix).toBe(PREFIX);
    const job = await q.add('work', { n: 1 });
    expect(job.opts).toMatchObject({
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: { age: 86400, count: 10000 },
      removeOnFail: false,
    });
    const stored = await q.getJob(job.id!);
    expect(stored!.opts.attempts).toBe(8);
    expect(stored!.data).toEqual({ n: 1 });
  });

  it('lets the caller override single defaults, keeping the rest', async () => {
    const q = queue('override', { attempts: 3 });
    const job = await q.add('work', {});
    expect(job.opts).toMatchObject({
      attempts: 3,
      removeOnFail: false,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    });
  });

  it('job options given at add time win over the defaults', async () => {
    const q = queue('per-job');
    const job = await q.add('work', {}, { attempts: 1, removeOnFail: true });
    expect(job.opts).toMatchObject({ attempts: 1, removeOnFail: true });
  });

  it('uses the prefix for its Redis keys', async () => {
    const q = queue('keys');
    await q.add('work', {});
    expect((await redis.keys(`${PREFIX}:${q.name}:*`)).length).toBeGreaterThan(0);
  });

  it('adding two jobs with the same jobId yields one job', async () => {
    const q = queue<{ v: number }>('dedupe');
    const first = await q.add('push', { v: 1 }, { jobId: 'outcome-123' });
    const second = await q.add('push', { v: 2 }, { jobId: 'outcome-123' });
    expect(first.id).toBe('outcome-123');
    expect(second.id).toBe('outcome-123');
    const counts = await q.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
    expect((await q.getJob('outcome-123'))!.data).toEqual({ v: 1 });
  });
});

describe('createWorker', () => {
  it('processes jobs with concurrency 1 by default, under the queue prefix', async () => {
    const q = queue<{ n: number }>('process');
    const seen: number[] = [];
    const worker = createWorker<{ n: number }, number>(
      q.name,
      async (job) => {
        seen.push(job.data.n);
        return job.data.n * 2;
      },
      { connection: redis, prefix: PREFIX },
    );
    workers.push(worker);
    expect(worker.opts.concurrency).toBe(1);
    expect(worker.opts.prefix).toBe(PREFIX);
    const job = await q.add('double', { n: 21 });
    await waitFor(async () => (await job.getState()) === 'completed');
    expect(seen).toEqual([21]);
    expect((await q.getJob(job.id!))!.returnvalue).toBe(42);
  });

  it('honours worker options such as concurrency, and ignores defaultJobOptions', async () => {
    const q = queue('opts');
    const worker = createWorker(q.name, async () => undefined, {
      connection: redis,
      prefix: PREFIX,
      concurrency: 3,
      autorun: false,
      defaultJobOptions: { attempts: 99 },
    });
    workers.push(worker);
    expect(worker.opts.concurrency).toBe(3);
    expect((worker.opts as unknown as Record<string, unknown>).defaultJobOptions).toBeUndefined();
  });

  it('a failing job is retried with the default backoff (delayed, not failed, after the first attempt)', async () => {
    const q = queue('backoff');
    let attempts = 0;
    const worker = createWorker<unknown, void>(
      q.name,
      async () => {
        attempts++;
        throw new Error('DQT unavailable');
      },
      { connection: redis, prefix: PREFIX },
    );
    workers.push(worker);
    const job = await q.add('push', {});
    await waitFor(async () => (await q.getJob(job.id!))!.attemptsMade === 1);
    await waitFor(async () => (await job.getState()) === 'delayed');
    expect(attempts).toBe(1);
    expect((await q.getFailed()).map((j) => j.id)).not.toContain(job.id);
  });

  it('a job that keeps failing ends in the failed set after `attempts`, and can be retried', async () => {
    const q = queue<{ id: string }>('dead-letter', { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    let calls = 0;
    let succeed = false;
    const worker = createWorker<{ id: string }>(
      q.name,
      async () => {
        calls++;
        if (!succeed) throw new Error(`attempt ${calls} failed`);
        return 'sent';
      },
      { connection: redis, prefix: PREFIX },
    );
    workers.push(worker);
    const finalFailure = new Promise<Job>((resolve) =>
      worker.on('failed', (job) => {
        if (job && job.attemptsMade >= 2) resolve(job);
      }),
    );

    const job = await q.add('push', { id: 'o-1' }, { jobId: 'o-1' });
    await finalFailure;
    await waitFor(async () => (await job.getState()) === 'failed');
    expect(calls).toBe(2);

    const failed = await q.getFailed();
    expect(failed.map((j) => j.id)).toEqual(['o-1']);
    expect(failed[0]!.attemptsMade).toBe(2);
    expect(failed[0]!.failedReason).toBe('attempt 2 failed');

    // Ops re-send it from the dead-letter list.
    succeed = true;
    await failed[0]!.retry();
    await waitFor(async () => (await job.getState()) === 'completed');
    expect(calls).toBe(3);
    expect(await q.getFailed()).toEqual([]);
    expect((await q.getJob('o-1'))!.returnvalue).toBe('sent');
  });
});

describe('upsertSchedule', () => {
  it('is idempotent: calling it twice leaves one scheduler, with the latest settings', async () => {
    const q = queue<{ kind: string }>('schedule');
    await upsertSchedule(
      q,
      'statement-cutoff',
      { pattern: '0 2 * * *', tz: 'Europe/London' },
      { name: 'cutoff', data: { kind: 'cutoff' } },
    );
    await upsertSchedule(
      q,
      'statement-cutoff',
      { pattern: '0 3 * * *', tz: 'Europe/London' },
      { name: 'cutoff', data: { kind: 'cutoff' } },
    );
    const schedulers = await q.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({
      key: 'statement-cutoff',
      pattern: '0 3 * * *',
      tz: 'Europe/London',
      name: 'cutoff',
    });
  });

  it('concurrent calls from several replicas still leave one scheduler', async () => {
    const q = queue('schedule-race');
    await Promise.all(
      Array.from({ length: 5 }, () =>
        upsertSchedule(q, 'payment-run', { every: 60_000 }, { name: 'pay', data: {} }),
      ),
    );
    const schedulers = await q.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: 'payment-run', every: 60_000 });
  });

  it('different scheduler ids are different schedules', async () => {
    const q = queue('schedule-two');
    await upsertSchedule(q, 'a', { pattern: '0 1 * * *' }, { name: 'a', data: {} });
    await upsertSchedule(q, 'b', { pattern: '0 4 * * *' }, { name: 'b', data: {} });
    expect((await q.getJobSchedulers()).map((s) => s.key).sort()).toEqual(['a', 'b']);
  });

  it('the scheduled job carries the given name, data and job options', async () => {
    const q = queue<{ kind: string }>('schedule-job');
    await upsertSchedule(
      q,
      'cutoff',
      { pattern: '0 2 * * *' },
      { name: 'cutoff', data: { kind: 'cutoff' }, opts: { attempts: 4 } },
    );
    const delayed = await q.getDelayed();
    expect(delayed).toHaveLength(1);
    expect(delayed[0]).toMatchObject({ name: 'cutoff', data: { kind: 'cutoff' } });
    expect(delayed[0]!.opts.attempts).toBe(4);
    expect(delayed[0]!.opts.removeOnFail).toBe(false);
  });
});
