import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  counter,
  createQueue,
  createWorker,
  logQueueErrors,
  now,
  ScheduleWatchdog,
  type EntityManager,
  type Logger,
  type MikroORM,
  type Queue,
  type Registry,
  type Worker,
} from '@npq/service-kit';
import { attemptsToCover, backoffDelay, DQT_BACKOFF, ONE_DAY_MS, type BackoffSettings } from './backoff';
import { finishAttempt, markFailed, requeue, startAttempt } from '../dqt/commands';
import type { OutcomeDelivery } from '../dqt/entity';
import { DeliveryRepository } from '../dqt/repository';
import { judge, type Verdict } from '../dqt/rules';
import { DqtClient } from './dqt-client';

export const DQT_PUSH_QUEUE = 'training-dqt-push';
export const DQT_SWEEP_QUEUE = 'training-dqt-sweep';

/** Job data: ids only (never a TRN, name or email). */
export interface PushJob {
  deliveryId: string;
}

export interface DqtWorkerOptions {
  orm: MikroORM;
  logger: Logger;
  connection: Redis;
  /** Namespace prefix (runtime.naming.queuePrefix). */
  prefix: string;
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
  backoff?: BackoffSettings;
  /** Defaults to enough attempts for retries to span a day. */
  attempts?: number;
  /** How long a push waits when an older push of the same participant is still pending. */
  orderingDelayMs?: number;
  /** How often pending deliveries are (re)queued. */
  sweepEveryMs?: number;
  sweepBatch?: number;
  /**
   * A pending delivery no run holds and untouched for this long has its job checked (finished or failed
   * jobs are repaired). Defaults to the claim lease.
   */
  staleAfterMs?: number;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How often BullMQ lets a job stall before it fails it (BullMQ's default: 1). */
  maxStalledCount?: number;
  /** Keeps the sweep's schedule registered if Redis loses it (the worker process's; else one of its own). */
  schedules?: ScheduleWatchdog;
  /**
   * How long a run holds a delivery (default: the request timeout plus 30 s). A worker that died
   * mid-request holds it until then; the next run then re-sends it and records the interruption.
   */
  claimLeaseMs?: number;
  /** How often an own watchdog checks the schedule. */
  scheduleCheckMs?: number;
  /** The runtime's registry (DQT counters; an own watchdog's). */
  metrics?: Registry;
}

/**
 * The DQT outcome push (docs/domain.md, "DQT pushes"; docs/architecture.md, "DQT pushes"). Deliveries are written with their outcome; a sweep queues
 * every pending one as a BullMQ job whose id is the delivery's job id (the outcome id), so a delivery is
 * never queued twice. A job sends one PUT, records the attempt and either finishes (204), retries with
 * backoff (429, 5xx, network, timeout) or fails for good (any other answer). Pushes for one participant
 * go out in order: a job whose participant has an older pending push puts itself back for a moment.
 */
export class DqtPushService {
  readonly queue: Queue<PushJob>;
  private readonly sweepQueue: Queue<Record<string, never>>;
  private readonly client: DqtClient;
  private readonly backoff: BackoffSettings;
  readonly attempts: number;
  private readonly inFlight = new Set<AbortController>();
  private workers: Worker[] = [];
  private readonly schedules: ScheduleWatchdog;
  private readonly ownsSchedules: boolean;
  private readonly interruptedTotal;

  constructor(private readonly options: DqtWorkerOptions) {
    this.interruptedTotal = counter(
      options.metrics,
      'dqt_push_interrupted_attempts_total',
      'DQT push attempts whose worker died mid-request, found by the run that sent them again',
      [],
    );
    this.ownsSchedules = !options.schedules;
    this.schedules =
      options.schedules ??
      new ScheduleWatchdog({
        logger: options.logger,
        metrics: options.metrics,
        intervalMs: options.scheduleCheckMs,
      });
    this.backoff = options.backoff ?? DQT_BACKOFF;
    this.attempts = options.attempts ?? attemptsToCover(ONE_DAY_MS, this.backoff);
    this.client = new DqtClient(options.apiUrl, options.apiKey, options.timeoutMs);
    const { connection, prefix } = options;
    this.queue = createQueue<PushJob>(DQT_PUSH_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: this.attempts,
        backoff: { type: 'dqt' },
        removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
        removeOnFail: false,
      },
    });
    this.sweepQueue = createQueue(DQT_SWEEP_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 100 } },
    });
  }

  async start(): Promise<Worker[]> {
    const { connection, prefix } = this.options;
    const push = createWorker<PushJob>(DQT_PUSH_QUEUE, (job, token) => this.process(job, token), {
      connection,
      prefix,
      concurrency: this.options.concurrency ?? 5,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, this.backoff) },
      ...(this.options.lockDurationMs ? { lockDuration: this.options.lockDurationMs } : {}),
      ...(this.options.stalledIntervalMs ? { stalledInterval: this.options.stalledIntervalMs } : {}),
      ...(this.options.maxStalledCount !== undefined
        ? { maxStalledCount: this.options.maxStalledCount }
        : {}),
    });
    const sweep = createWorker(DQT_SWEEP_QUEUE, async () => ({ queued: await this.sweep() }), {
      connection,
      prefix,
    });
    // Connection trouble is logged, never an unhandled 'error' event (BullMQ reconnects by itself).
    logQueueErrors(this.options.logger, [
      push as Worker,
      sweep as Worker,
      this.queue as Queue,
      this.sweepQueue as Queue,
    ]);
    // Ready before anyone can close them: closing a worker whose connection is still being set up makes
    // BullMQ emit an error nobody listens to.
    await Promise.all([push.waitUntilReady(), sweep.waitUntilReady()]);
    // The sweep is what queues pushes: if Redis loses its schedule, the watchdog puts it back.
    await this.schedules.keep(
      this.sweepQueue,
      'dqt-sweep',
      { every: this.options.sweepEveryMs ?? 10_000 },
      { name: 'sweep', data: {} },
    );
    this.workers = [push as Worker, sweep as Worker];
    return this.workers;
  }

  /**
   * Queues every pending delivery (oldest first, bounded). Adding a job id that exists is a no-op, so this
   * is safe to run as often as wanted, from any number of workers. A pending delivery that no run holds
   * (its lease is free) and that nothing touched for a lease's time has its job checked: a job that
   * finished or failed without settling it is repaired here, so a delivery is never left waiting on a job
   * that will not run again (docs/operations.md, "DQT pushes").
   */
  async sweep(): Promise<number> {
    const em = this.options.orm.em.fork();
    const pending = await new DeliveryRepository(em).pending(this.options.sweepBatch ?? 500);
    if (pending.length === 0) return 0;
    const at = Date.now();
    const staleBefore = at - (this.options.staleAfterMs ?? this.leaseMs);
    const unheld = pending.filter(
      (p) => p.updatedAt.getTime() < staleBefore && (!p.claimedUntil || p.claimedUntil.getTime() < at),
    );
    for (const d of unheld) await this.repair(em, d);
    const still = await new DeliveryRepository(em.fork()).pending(this.options.sweepBatch ?? 500);
    await this.queue.addBulk(
      still.map((d) => ({ name: 'push', data: { deliveryId: d.id }, opts: { jobId: d.jobId } })),
    );
    return still.length;
  }

  /**
   * A pending delivery whose job will not run again. BullMQ fails a job that stalled more often than it
   * allows (a worker killed, or its event loop starved past the job lock, twice) without the job having
   * settled the delivery; a job that completed without settling it (a crash between the two) is the same.
   * Either is sent again under a new job id, still pending, so a later push of the same participant keeps
   * waiting behind it. Only a delivery that already used its attempts is given up on. A job that is gone
   * is queued again by the sweep under its own id; a waiting, delayed or active one is left alone.
   */
  private async repair(em: EntityManager, d: OutcomeDelivery): Promise<void> {
    const state = await this.queue.getJobState(d.jobId);
    if (state !== 'failed' && state !== 'completed') return;
    if (state === 'failed' && d.attempts >= this.attempts) {
      await markFailed(em, d.id, d.lastError ?? 'retries exhausted', now());
      return;
    }
    const job = state === 'failed' ? await this.queue.getJob(d.jobId) : undefined;
    await requeue(em, d, `${d.outcomeId}-resweep-${Date.now()}`, now());
    this.options.logger.warn(
      { deliveryId: d.id, outcomeId: d.outcomeId, jobState: state, reason: job?.failedReason },
      'DQT push left pending by a job that will not run again; queued it again',
    );
  }

  /** How long a run holds a delivery (the claim lease). */
  private get leaseMs(): number {
    return this.options.claimLeaseMs ?? this.options.timeoutMs + 30_000;
  }

  /** Stops the workers. `force` drops in-flight requests at once, as a killed process would. */
  async close(force = false): Promise<void> {
    if (this.ownsSchedules) await this.schedules.stop();
    if (force) for (const c of this.inFlight) c.abort();
    await Promise.all(this.workers.map((w) => w.close(force)));
    await Promise.all([this.queue.close(), this.sweepQueue.close()]);
  }

  private async process(
    job: Job<PushJob>,
    token: string | undefined,
  ): Promise<{ sent: boolean; skipped?: string }> {
    const repo = new DeliveryRepository(this.options.orm.em.fork());
    const delivery = await repo.findById(job.data.deliveryId);
    // Settled already (e.g. a previous run finished the push but not the job), or re-queued by an admin
    // under another job id: nothing to do for this job.
    if (!delivery) return { sent: false, skipped: 'unknown delivery' };
    if (delivery.state !== 'pending') return { sent: delivery.state === 'sent', skipped: delivery.state };
    if (delivery.jobId !== job.id) return { sent: false, skipped: 'superseded job' };

    if (await repo.hasOlderPending(delivery)) {
      await job.moveToDelayed(Date.now() + (this.options.orderingDelayMs ?? 2_000), token);
      throw new DelayedError();
    }
    // One sender at a time, whatever BullMQ believes about stalled jobs: without the claim, a job restarted
    // while its first run is still waiting for DQT would push the same outcome twice.
    if (!(await repo.claim(delivery.id, this.leaseMs))) {
      await job.moveToDelayed(Date.now() + (this.options.orderingDelayMs ?? 2_000), token);
      throw new DelayedError();
    }
    // The attempt is committed as in flight before the request goes out (docs/operations.md,
    // "Guarantees"): if this process dies mid-request, the next run finds it, marks it interrupted and
    // counts the re-send, instead of DQT silently getting the push twice.
    const started = await this.startAttempt(delivery);
    if (!started) return { sent: false, skipped: 'settled meanwhile' };
    const verdict = await this.send(delivery);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const state = verdict.state === 'retry' && lastAttempt ? 'failed' : verdict.state;
    await this.record(delivery, started.seq, { ...verdict, state });
    this.options.logger.info(
      {
        deliveryId: delivery.id,
        outcomeId: delivery.outcomeId,
        status: verdict.statusCode,
        state,
        attempt: started.attempt,
      },
      'DQT push attempted',
    );
    if (state === 'sent') return { sent: true };
    if (state === 'failed') throw new UnrecoverableError(verdict.error ?? 'DQT push failed');
    throw new Error(verdict.error ?? 'DQT push failed; will retry');
  }

  private async startAttempt(delivery: OutcomeDelivery) {
    const started = await this.options.orm.em
      .fork()
      .transactional((em) => startAttempt(em, delivery.id, now()));
    if (started && started.interrupted > 0) {
      this.interruptedTotal.inc(started.interrupted);
      this.options.logger.warn(
        { deliveryId: delivery.id, outcomeId: delivery.outcomeId, interrupted: started.interrupted },
        'DQT push re-sent after an attempt was interrupted (its worker died mid-request); DQT may receive it twice',
      );
    }
    return started;
  }

  /** One PUT to DQT; in-flight requests are tracked so a forced stop can drop them. */
  private async send(delivery: OutcomeDelivery): Promise<Verdict> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      return judge(
        await this.client.push(
          {
            trn: delivery.trn,
            completionDate: delivery.completionDate,
            qualificationType: delivery.qualificationType,
          },
          controller.signal,
        ),
      );
    } finally {
      this.inFlight.delete(controller);
    }
  }

  /** Every answer is recorded, whatever it was. */
  private async record(delivery: OutcomeDelivery, attemptSeq: string, verdict: Verdict): Promise<void> {
    try {
      await this.options.orm.em
        .fork()
        .transactional((em) => finishAttempt(em, delivery.id, attemptSeq, { finishedAt: now(), verdict }));
    } catch (err) {
      // Not recorded (e.g. shutting down): the attempt stays in flight, the job fails this attempt and the
      // next run marks it interrupted and sends again.
      this.options.logger.error({ err, deliveryId: delivery.id }, 'could not record DQT attempt');
      throw err;
    }
  }
}
