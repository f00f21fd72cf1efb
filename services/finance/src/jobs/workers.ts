import {
  createQueue,
  createWorker,
  logQueueErrors,
  ScheduleWatchdog,
  today,
  type Queue,
  type ServiceRuntime,
  type Worker,
} from '@npq/service-kit';
import type { Redis } from 'ioredis';
import type { EventEnvelope } from '@npq/contracts';
import { CUTOFF_QUEUE, PAYMENT_QUEUE, paymentJobId, type CutoffJobData, type PaymentJobData } from './queues';
import { runPaymentRun, runStatementCutoff } from '../statements/commands';
import { StatementSchema } from '../statements/entity';

/** The repeating job (on the cut-off queue) that queues the payment run of authorised, unpaid statements. */
const PAYMENT_SWEEP_JOB = 'payment-sweep';
const PAYMENT_SWEEP_EVERY_MS = 60_000;

export interface FinanceWorkerOptions {
  /** Register the daily 00:05 UTC cut-off and the payment sweep (job schedulers). Default true. */
  schedule?: boolean;
  /** Run the cut-off once at start, catching up whatever was missed while no worker ran. Default true. */
  runCutoffOnStart?: boolean;
  /** Keeps the daily schedule registered if Redis loses it (the worker process's; else one of its own). */
  schedules?: ScheduleWatchdog;
  /**
   * How often authorised, unpaid statements get their payment run queued again (0: never; default a
   * minute): an authorisation whose queueing failed (Redis unreachable) is paid within this, not at the
   * next daily cut-off (docs/operations.md).
   */
  paymentSweepEveryMs?: number;
  /** How often an own watchdog checks the schedule (tests). */
  scheduleCheckMs?: number;
}

export interface FinanceWorkers {
  workers: Worker[];
  queues: Queue[];
  close(): Promise<void>;
}

/**
 * The statement worker: the cut-off rollover (daily and on start) and payment runs. Exported so tests can
 * run the same processors in-process on the system's runtime.
 */
export async function startFinanceWorkers(
  runtime: ServiceRuntime,
  connection: Redis,
  options: FinanceWorkerOptions = {},
): Promise<FinanceWorkers> {
  const prefix = runtime.naming.queuePrefix;
  const cutoffQueue = createQueue<CutoffJobData>(CUTOFF_QUEUE, { connection, prefix });
  const paymentQueue = createQueue<PaymentJobData>(PAYMENT_QUEUE, { connection, prefix });

  // An authorised statement still unpaid: its payment was not queued (Redis unreachable when it was
  // authorised, or lost since), or its job used up every attempt (kept in the failed set under the same id,
  // which would silently swallow a new add). Queue it again (same id, so at most once at a time).
  const requeueAuthorisedPayments = async (): Promise<number> => {
    const authorised = await runtime.orm.em
      .fork()
      .find(StatementSchema, { state: 'payable', markedAsPaidAt: { $ne: null } }, { fields: ['id'] });
    for (const { id } of authorised) {
      const previous = await paymentQueue.getJob(paymentJobId(id));
      if (previous && (await previous.isFailed())) await previous.remove();
      await paymentQueue.add('payment-run', { statementId: id }, { jobId: paymentJobId(id) });
    }
    return authorised.length;
  };

  // A run's events at once, by id; a run too big to hand them back (statements/commands.ts) leaves them in
  // the outbox, published here batch after batch (the server's relay would too, within its poll).
  const publishRun = (run: { events: EventEnvelope[]; eventsStaged: number }): Promise<number> =>
    run.events.length === run.eventsStaged
      ? runtime.relay.publishPending(run.events.map((e) => e.id))
      : runtime.relay.publishBacklog();

  const cutoff = createWorker<CutoffJobData>(
    CUTOFF_QUEUE,
    async (job) => {
      if (job.name === PAYMENT_SWEEP_JOB) {
        return { paymentsRequeued: await requeueAuthorisedPayments() };
      }
      const asOf = job.data.asOf ?? today();
      const result = await runStatementCutoff(runtime.orm.em.fork(), runtime.naming, asOf);
      await publishRun(result).catch(() => 0);
      await requeueAuthorisedPayments();
      runtime.logger.info(
        { asOf, statements: result.statementsMarkedPayable, declarations: result.declarationsMarkedPayable },
        'statement cut-off done',
      );
      return {
        asOf,
        statementsMarkedPayable: result.statementsMarkedPayable,
        declarationsMarkedPayable: result.declarationsMarkedPayable,
      };
    },
    { connection, prefix },
  );

  const payment = createWorker<PaymentJobData>(
    PAYMENT_QUEUE,
    async (job) => {
      const result = await runPaymentRun(runtime.orm, runtime.naming, job.data.statementId);
      await publishRun(result).catch(() => 0);
      runtime.logger.info(
        {
          statementId: result.statementId,
          paid: result.paid,
          declarationsPaid: result.declarationsPaid,
          clawedBack: result.declarationsClawedBack,
        },
        'payment run done',
      );
      return {
        paid: result.paid,
        declarationsPaid: result.declarationsPaid,
        declarationsClawedBack: result.declarationsClawedBack,
      };
    },
    { connection, prefix, concurrency: 2 },
  );

  const ownsSchedules = !options.schedules;
  const schedules =
    options.schedules ??
    new ScheduleWatchdog({
      logger: runtime.logger,
      metrics: runtime.metrics,
      intervalMs: options.scheduleCheckMs,
    });
  if (options.schedule ?? true) {
    await schedules.keep(
      cutoffQueue,
      'daily-statement-cutoff',
      { pattern: '5 0 * * *', tz: 'UTC' },
      { name: 'statement-cutoff', data: {} },
    );
  }
  const sweepEveryMs = options.paymentSweepEveryMs ?? PAYMENT_SWEEP_EVERY_MS;
  if ((options.schedule ?? true) && sweepEveryMs > 0) {
    await schedules.keep(
      cutoffQueue,
      'payment-sweep',
      { every: sweepEveryMs },
      { name: PAYMENT_SWEEP_JOB, data: {} },
    );
  }
  if (options.runCutoffOnStart ?? true) {
    await cutoffQueue.add('statement-cutoff', {});
  }

  const workers = [cutoff, payment] as Worker[];
  const queues = [cutoffQueue, paymentQueue] as Queue[];
  logQueueErrors(runtime.logger, [...workers, ...queues]);
  return {
    workers,
    queues,
    close: async () => {
      if (ownsSchedules) await schedules.stop();
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
