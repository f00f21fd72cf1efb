import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  counter,
  createQueue,
  createWorker,
  logQueueErrors,
  type Logger,
  type MikroORM,
  type Queue,
  type Registry,
  type Worker,
} from '@npq/service-kit';
import { recordAttempt, type AttemptResult } from '../deliveries/commands';
import type { Delivery } from '../deliveries/entity';
import { DeliveryRepository } from '../deliveries/repository';
import { DELIVERY_BACKOFF, isDelivered, retryDelay, sign, type BackoffSettings } from '../deliveries/rules';
import { SubscriptionSchema, type Subscription } from '../subscriptions/entity';
import { dnsResolver, type Resolver } from '../subscriptions/rules';
import { postWebhook } from './post';
import type { ResourceFetcher } from './resources';

export const WEBHOOK_DELIVERY_QUEUE = 'webhooks-delivery';

/** Job data: the delivery id only (never a URL or a payload). */
export interface DeliveryJob {
  deliveryId: string;
}

export interface DeliveryWorkerOptions {
  orm: MikroORM;
  logger: Logger;
  connection: Redis;
  prefix: string;
  sandbox: boolean;
  /** One request's timeout: a slow endpoint holds one slot for at most this long. */
  timeoutMs?: number;
  backoff?: BackoffSettings;
  /** Requests in flight in this process, across subscriptions. */
  concurrency?: number;
  /** Requests in flight (or queued) per subscription, so one slow endpoint cannot take every slot. */
  perSubscription?: number;
  /** How often due deliveries are queued. */
  sweepEveryMs?: number;
  /** How long a run waits before retrying a delivery whose older sibling (same resource) is still pending. */
  orderingDelayMs?: number;
  resolve?: Resolver;
  /**
   * Reads the full v3 resource before the first attempt (docs/webhooks.md, "Payload"); without one, or when
   * it answers null, the message carries the fields mapped from the event.
   */
  fetchResource?: ResourceFetcher;
  metrics?: Registry;
}

/**
 * The delivery worker (docs/webhooks.md, "Delivery"): a sweep queues due deliveries (the oldest pending one
 * per subscription and resource, a few per subscription) as BullMQ jobs whose id is the delivery and attempt
 * number; a job claims its delivery (a lease, so two runs never send it at once), sends it signed through a lookup that
 * checks the addresses it connects to, records the attempt and schedules the next one with backoff and jitter.
 */
export class WebhookDeliveryService {
  readonly queue: Queue<DeliveryJob>;
  private worker: Worker<DeliveryJob> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffSettings;
  private readonly perSubscription: number;
  private readonly orderingDelayMs: number;
  private readonly attemptsTotal;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.backoff = options.backoff ?? DELIVERY_BACKOFF;
    this.perSubscription = options.perSubscription ?? 4;
    this.orderingDelayMs = options.orderingDelayMs ?? 1000;
    // Jobs are removed when done: the delivery rows are the record, and the same job id (delivery and
    // attempt number) may be queued again after a run that only deferred it.
    this.queue = createQueue<DeliveryJob>(WEBHOOK_DELIVERY_QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
    });
    this.attemptsTotal = counter(
      options.metrics,
      'webhook_delivery_attempts_total',
      'Webhook delivery attempts, by outcome (delivered, retry, failed, refused)',
      ['outcome'],
    );
  }

  start(): Worker[] {
    this.worker = createWorker<DeliveryJob>(WEBHOOK_DELIVERY_QUEUE, (job) => this.process(job), {
      connection: this.options.connection,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency ?? 32,
      lockDuration: this.timeoutMs + 30_000,
    }) as Worker<DeliveryJob>;
    logQueueErrors(this.options.logger, [this.queue as Queue, this.worker as Worker]);
    this.timer = setInterval(() => void this.sweep(), this.options.sweepEveryMs ?? 1000);
    this.worker.on('closing', () => this.stopSweep());
    return [this.worker as Worker];
  }

  private stopSweep(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.stopSweep();
    await this.sweeping;
    await this.worker?.close();
    await this.queue.close();
  }

  /** Queues every due delivery (one sweep at a time per process; replicas dedupe on the job id). */
  async sweep(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        const due = await new DeliveryRepository(this.options.orm.em.fork()).due(500, this.perSubscription);
        if (due.length === 0) return;
        await this.queue.addBulk(
          due.map((d) => ({
            name: 'deliver',
            data: { deliveryId: d.id },
            opts: { jobId: `${d.id}-${d.attempts}` },
          })),
        );
      } catch (err) {
        this.options.logger.warn({ err }, 'webhook sweep failed; the next one retries');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  async process(job: Job<DeliveryJob>): Promise<string> {
    const em = this.options.orm.em.fork();
    const repo = new DeliveryRepository(em);
    const leaseMs = this.timeoutMs + 30_000;
    if (!(await repo.claim(job.data.deliveryId, leaseMs))) return 'not claimable';
    const d = await repo.findById(job.data.deliveryId);
    if (!d || d.state !== 'pending') return 'not pending';
    if (await repo.hasOlderPending(d)) {
      // Ordered per resource: the older message goes first; look again shortly.
      d.claimedUntil = null;
      d.nextAttemptAt = new Date(Date.now() + this.orderingDelayMs);
      await em.flush();
      return 'waiting for an older delivery';
    }
    const sub = await em.findOne(SubscriptionSchema, { id: d.subscriptionId });
    if (!sub || sub.state === 'disabled') {
      d.claimedUntil = null;
      await em.flush();
      return 'subscription disabled';
    }
    if (d.attempts === 0 && this.options.fetchResource) {
      // Once, before the first attempt: every retry and redelivery then sends the same body.
      const payload = JSON.parse(d.payload) as { data?: Record<string, unknown> };
      const resource = payload.data ? await this.options.fetchResource(d.leadProviderId, payload.data) : null;
      if (resource) {
        d.payload = JSON.stringify({ ...payload, data: resource });
        await em.flush();
      }
    }
    const result = await this.send(sub, d);
    const delivered = isDelivered(result.statusCode);
    let retryAt: Date | null = null;
    if (!delivered) {
      const at = Date.now() + retryDelay(d.attempts + 1, this.backoff);
      if (at - d.createdAt.getTime() <= this.backoff.giveUpAfterMs) retryAt = new Date(at);
    }
    await recordAttempt(em, d, result, delivered ? { delivered: true } : { delivered: false, retryAt });
    const outcome = delivered ? 'delivered' : retryAt ? 'retry' : 'failed';
    this.attemptsTotal.inc({ outcome: result.error?.startsWith('refused') ? 'refused' : outcome });
    // Ids and status only: never the URL, the payload or the answer (they may carry personal data).
    this.options.logger[delivered ? 'info' : 'warn'](
      {
        deliveryId: d.id,
        subscriptionId: d.subscriptionId,
        eventType: d.eventType,
        attempt: d.attempts,
        status: result.statusCode,
        latencyMs: result.latencyMs,
        outcome,
      },
      'webhook attempt',
    );
    return outcome;
  }

  /** One signed POST to the subscription's URL, through the pinned lookup (`post.ts`); never throws. */
  private send(sub: Subscription, d: Delivery): Promise<AttemptResult> {
    const body = d.payload;
    const timestamp = Math.floor(Date.now() / 1000);
    // The webhook id is the platform event id (the same on every attempt and redelivery: receivers dedupe).
    const webhookId = d.eventId;
    return postWebhook(sub.url, {
      headers: {
        'content-type': 'application/json',
        'user-agent': 'npq-lead-provider-webhooks/1',
        'webhook-id': webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(sub.secret, webhookId, timestamp, body),
      },
      body,
      timeoutMs: this.timeoutMs,
      sandbox: this.options.sandbox,
      resolve: this.options.resolve ?? dnsResolver,
    });
  }
}
