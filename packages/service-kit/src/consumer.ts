import type { Logger } from 'pino';
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerInfo,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Counter, Gauge, Registry } from 'prom-client';
import {
  eventNameForSubject,
  type EVENT_CATALOGUE,
  type EventEnvelope,
  type EventName,
  type ServiceName,
} from '@npq/contracts';
import { ensureStream, type Messaging, type Naming } from './messaging';
import { counter, gauge } from './metrics';
import type { EntityManager, MikroORM } from './orm';

/** What a handler may need besides the event: e.g. the naming to stage its own events in the same transaction. */
export interface EventContext {
  naming: Naming;
}

export type EventHandler<N extends EventName> = (
  em: EntityManager,
  envelope: EventEnvelope<N>,
  context: EventContext,
) => Promise<void>;
export type EventHandlers = { [N in EventName]?: EventHandler<N> };

/** The events the catalogue says service `S` consumes (packages/contracts/src/events.ts). */
export type EventsConsumedBy<S extends ServiceName> = {
  [N in EventName]: S extends (typeof EVENT_CATALOGUE)[N]['consumers'][number] ? N : never;
}[EventName];

/**
 * A service's handler map, typed from the catalogue: a handler for an event the catalogue does not list for
 * the service, or a missing handler for one it does, is a compile error (so the read-your-writes waits,
 * which follow the catalogue, and the handlers cannot disagree).
 */
export type HandlersOf<S extends ServiceName> = { [N in EventsConsumedBy<S>]: EventHandler<N> };

export interface ConsumerOptions {
  orm: MikroORM;
  messaging: Messaging;
  /** Durable name (usually the service name); also the inbox's consumer column and the ack payload. */
  consumer: string;
  handlers: EventHandlers;
  logger: Logger;
  /** Deliveries that failed through the message's own fault before it is parked as poison. */
  maxDeliver?: number;
  ackWaitMs?: number;
  /** Base delay of the redelivery backoff (doubles per failed delivery). */
  retryDelayMs?: number;
  /** Cap of the redelivery backoff: once the database is back, a message waits at most this long. */
  maxRetryDelayMs?: number;
  /** Base and cap of the delay before consuming is resumed after the message stream ended or failed. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** A message in hand for longer than this makes the consumer unready (a handler that hangs). */
  stuckAfterMs?: number;
  /** Where the consumer's counters go (the runtime's registry, served on /metrics). */
  metrics?: Registry;
}

/** `consuming`: pulling and applying messages; `restarting`: the message stream ended and is being reopened. */
export type ConsumerState = 'consuming' | 'restarting' | 'stopped';

export interface ConsumerStatus {
  state: ConsumerState;
  /** Times the message stream was reopened since start. */
  restarts: number;
  /** The loop's last sign of life: a message started or finished, or a pull-status notification. */
  lastHeartbeatAt: Date | null;
  /** When the message in hand was picked up, if there is one. */
  inFlightSince: Date | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const DB_PROBE_TIMEOUT_MS = 2000;
const MAX_ACK_PENDING = 1000;

function table(em: EntityManager, name: string): string {
  return `"${em.config.get('schema')}"."${name}"`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A durable, explicit-ack JetStream consumer that applies each event at most once: the inbox row is
 * inserted in the same transaction as the handler's projection update, so a redelivery (after a crash,
 * a lost ack or a relay republish) finds the row and changes nothing. A message that keeps failing is
 * parked in `parked_messages` and terminated, so it cannot block the stream.
 *
 * It never stops while its process lives (docs/operations.md, "Guarantees"): every failure is retried
 * with a capped backoff; a failure while the database is unreachable is not the message's fault, so it
 * does not count towards parking, and a message is parked only when the database can take it; and when
 * the message stream itself ends (the durable was deleted, the connection was lost for good) consuming
 * is resumed with backoff, recreating the durable if needed. `healthCheck()` feeds readiness.
 */
export class EventConsumer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly maxDeliver: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly restartDelayMs: number;
  private readonly maxRestartDelayMs: number;
  private readonly stuckAfterMs: number;
  private inFlight = 0;
  private inFlightSince: number | null = null;
  private lastHeartbeat: number | null = null;
  private state: ConsumerState = 'stopped';
  private stopping = false;
  private restarts = 0;
  private wake: (() => void) | undefined;
  /** Deliveries per stream sequence that failed while the database was unreachable (not counted as poison). */
  private readonly outageDeliveries = new Map<number, number>();
  private readonly counters: {
    restarts: Counter<'consumer'>;
    retries: Counter<'consumer' | 'reason'>;
    parked: Counter<'consumer'>;
    consuming: Gauge<'consumer'>;
  };

  constructor(private readonly options: ConsumerOptions) {
    this.maxDeliver = options.maxDeliver ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.restartDelayMs = options.restartDelayMs ?? 500;
    this.maxRestartDelayMs = options.maxRestartDelayMs ?? 30_000;
    this.stuckAfterMs = options.stuckAfterMs ?? 5 * 60_000;
    const m = options.metrics;
    this.counters = {
      restarts: counter(m, 'event_consumer_restarts_total', 'Times a consumer reopened its message stream', [
        'consumer',
      ]),
      retries: counter(
        m,
        'event_consumer_retries_total',
        'Failed deliveries put back for redelivery, by reason (database unreachable, or the handler failed)',
        ['consumer', 'reason'],
      ),
      parked: counter(m, 'event_consumer_parked_total', 'Poison messages parked', ['consumer']),
      consuming: gauge(m, 'event_consumer_consuming', '1 while the consumer is pulling messages', [
        'consumer',
      ]),
    };
  }

  get durableName(): string {
    return this.options.messaging.naming.durable(this.options.consumer);
  }

  /** Opens the message stream (failing loudly at boot if it cannot), then keeps consuming until `stop()`. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    const messages = await this.open();
    this.loop = this.supervise(messages);
  }

  /** Stops pulling, lets the message in hand finish (drain). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    this.loop = undefined;
    this.messages = undefined;
    this.setState('stopped');
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  status(): ConsumerStatus {
    return {
      state: this.state,
      restarts: this.restarts,
      lastHeartbeatAt: this.lastHeartbeat === null ? null : new Date(this.lastHeartbeat),
      inFlightSince: this.inFlightSince === null ? null : new Date(this.inFlightSince),
    };
  }

  /** Readiness: rejects unless the consumer is pulling messages and not stuck on one. */
  async healthCheck(): Promise<void> {
    if (this.state !== 'consuming') throw new Error(`event consumer is not consuming (${this.state})`);
    if (this.inFlightSince !== null && Date.now() - this.inFlightSince > this.stuckAfterMs) {
      throw new Error(
        `event consumer stuck on one message for ${Math.round((Date.now() - this.inFlightSince) / 1000)} s`,
      );
    }
  }

  private setState(state: ConsumerState): void {
    this.state = state;
    this.counters.consuming.set({ consumer: this.options.consumer }, state === 'consuming' ? 1 : 0);
  }

  private beat(): void {
    this.lastHeartbeat = Date.now();
  }

  /** The durable's configuration as this code wants it; `open` makes the server's match it. */
  private desiredConfig() {
    return {
      durable_name: this.durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // One filter for the whole platform (the server predates multi-filter consumers); events this
      // service does not handle are acknowledged without touching the database.
      filter_subject: this.options.messaging.naming.allEvents,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * 1_000_000,
      max_ack_pending: MAX_ACK_PENDING,
    };
  }

  /**
   * Makes sure the stream and the durable exist (recreating a deleted one) with the configuration this code
   * declares, and starts pulling. An existing durable is reconciled, so a configuration change takes effect
   * on the next start: settings the server can change in place are updated; a change it refuses (the filter,
   * the ack policy) recreates the durable from the first message it had not acknowledged, so nothing is
   * skipped (anything delivered again is absorbed by the inbox).
   */
  private async open(): Promise<ConsumerMessages> {
    const { jsm, js, naming } = this.options.messaging;
    const desired = this.desiredConfig();
    const existing = await jsm.consumers.info(naming.stream, this.durableName).catch(() => undefined);
    if (!existing) {
      await ensureStream(jsm, naming, this.options.messaging.streamReplicas);
      await jsm.consumers.add(naming.stream, desired);
    } else {
      await this.reconcile(existing, desired);
    }
    const consumer = await js.consumers.get(naming.stream, this.durableName);
    // Without abort_on_missing_resource the client waits forever for a deleted durable to come back; with
    // it the stream ends and `supervise` recreates the durable.
    const messages = await consumer.consume({ max_messages: 100, abort_on_missing_resource: true });
    this.messages = messages;
    void this.watch(messages);
    this.setState('consuming');
    this.beat();
    return messages;
  }

  private async reconcile(existing: ConsumerInfo, desired: ReturnType<EventConsumer['desiredConfig']>) {
    const { jsm, naming } = this.options.messaging;
    const { logger } = this.options;
    const current = existing.config;
    const fixed =
      current.filter_subject !== desired.filter_subject || current.ack_policy !== desired.ack_policy;
    const tunable =
      current.ack_wait !== desired.ack_wait || current.max_ack_pending !== desired.max_ack_pending;
    if (!fixed && !tunable) return;
    if (!fixed) {
      try {
        await jsm.consumers.update(naming.stream, this.durableName, {
          ack_wait: desired.ack_wait,
          max_ack_pending: desired.max_ack_pending,
        });
        logger.info({ consumer: this.durableName }, 'event consumer configuration updated');
        return;
      } catch (err) {
        logger.warn({ err, consumer: this.durableName }, 'consumer update refused; recreating it');
      }
    }
    // Resume after the last message acknowledged in order: nothing acknowledged later is lost either,
    // it is delivered again and the inbox ignores it.
    const resumeAt = existing.ack_floor.stream_seq + 1;
    await jsm.consumers.delete(naming.stream, this.durableName).catch(() => undefined);
    try {
      await jsm.consumers.add(naming.stream, {
        ...desired,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: resumeAt,
      });
    } catch (err) {
      // Another replica recreated it first: that one is as good as ours.
      if (!(await jsm.consumers.info(naming.stream, this.durableName).catch(() => undefined))) throw err;
    }
    logger.warn(
      { consumer: this.durableName, resumeAt },
      'event consumer recreated with a changed configuration',
    );
  }

  /** Pull-status notifications are the loop's heartbeat while no message arrives. */
  private async watch(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const s of messages.status()) {
        this.beat();
        if (s.type === 'heartbeats_missed' || s.type === 'consumer_not_found') {
          this.options.logger.warn({ consumer: this.durableName, status: s.type }, 'event consumer status');
        }
      }
    } catch {
      // the stream ended; `supervise` handles that
    }
  }

  private async supervise(first: ConsumerMessages): Promise<void> {
    const { logger } = this.options;
    let messages: ConsumerMessages | undefined = first;
    let failedOpens = 0;
    while (!this.stopping) {
      if (messages) {
        try {
          for await (const msg of messages) await this.process(msg);
          if (!this.stopping) logger.warn({ consumer: this.durableName }, 'event stream ended; resuming');
        } catch (err) {
          if (!this.stopping)
            logger.warn({ err, consumer: this.durableName }, 'event stream failed; resuming');
        }
        messages = undefined;
        this.messages = undefined;
        if (this.stopping) break;
        this.setState('restarting');
        this.restarts++;
        this.counters.restarts.inc({ consumer: this.options.consumer });
        failedOpens = 0;
      }
      await this.pause(backoff(failedOpens++, this.restartDelayMs, this.maxRestartDelayMs));
      if (this.stopping) break;
      try {
        messages = await this.open();
        if (this.stopping) await messages.close().catch(() => undefined);
        else logger.info({ consumer: this.durableName, restarts: this.restarts }, 'event consumer resumed');
      } catch (err) {
        logger.warn({ err, consumer: this.durableName }, 'could not resume consuming; will retry');
      }
    }
    this.setState('stopped');
  }

  /** A sleep that `stop()` cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** One message, whatever happens: nothing thrown here may end the loop. */
  private async process(msg: JsMsg): Promise<void> {
    this.inFlight++;
    this.inFlightSince = Date.now();
    this.beat();
    try {
      await this.handle(msg);
    } catch (err) {
      this.options.logger.error(
        { err, subject: msg.subject },
        'event consumer failed unexpectedly; will retry',
      );
      this.nak(msg, this.retryDelay(msg.info.deliveryCount));
    } finally {
      this.inFlight--;
      this.inFlightSince = null;
      this.beat();
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const { logger } = this.options;
    const name = eventNameForSubject(msg.subject, this.options.messaging.naming.eventSubjectPrefix);
    const handler = name ? this.options.handlers[name] : undefined;
    if (!name || !handler) {
      this.ack(msg);
      // Nothing to apply here; still confirm, so a read-your-writes wait listing this service ends.
      if (name) this.confirmRaw(msg);
      return;
    }
    let envelope: EventEnvelope;
    try {
      envelope = JSON.parse(decoder.decode(msg.data)) as EventEnvelope;
      if (typeof envelope.id !== 'string' || envelope.name !== name) throw new Error('not an event envelope');
    } catch (err) {
      await this.parkIfPossible(msg, null, err);
      return;
    }
    try {
      const applied = await this.apply(envelope, handler as EventHandler<EventName>);
      this.ack(msg);
      this.outageDeliveries.delete(msg.info.streamSequence);
      this.confirm(envelope.id);
      logger.debug({ event: envelope.name, eventId: envelope.id, duplicate: !applied }, 'event consumed');
    } catch (err) {
      await this.failed(msg, envelope, err);
    }
  }

  private async failed(msg: JsMsg, envelope: EventEnvelope, err: unknown): Promise<void> {
    const { logger } = this.options;
    const seq = msg.info.streamSequence;
    if (!(await this.databaseReachable())) {
      // Not the message's fault: this delivery does not count towards parking.
      const outages = (this.outageDeliveries.get(seq) ?? 0) + 1;
      if (this.outageDeliveries.size > 10_000) this.outageDeliveries.clear();
      this.outageDeliveries.set(seq, outages);
      this.counters.retries.inc({ consumer: this.options.consumer, reason: 'database' });
      logger.warn(
        {
          err: errorMessage(err),
          event: envelope.name,
          eventId: envelope.id,
          deliveries: msg.info.deliveryCount,
        },
        'database unreachable; event will be retried',
      );
      this.nak(msg, this.retryDelay(outages));
      return;
    }
    const counted = msg.info.deliveryCount - (this.outageDeliveries.get(seq) ?? 0);
    if (counted >= this.maxDeliver) {
      await this.parkIfPossible(msg, envelope.id, err);
      return;
    }
    this.counters.retries.inc({ consumer: this.options.consumer, reason: 'handler' });
    logger.warn(
      { err, event: envelope.name, eventId: envelope.id, deliveries: msg.info.deliveryCount },
      'event handler failed; will retry',
    );
    this.nak(msg, this.retryDelay(counted));
  }

  /** Applies the event once: false when the inbox already had it. */
  async apply(envelope: EventEnvelope, handler: EventHandler<EventName>): Promise<boolean> {
    return this.options.orm.em
      .fork()
      .transactional((em) =>
        applyOnce(em, this.options.consumer, envelope, handler, this.options.messaging.naming),
      );
  }

  private async databaseReachable(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.orm.em.fork().execute('select 1'),
        new Promise(
          (_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), DB_PROBE_TIMEOUT_MS)),
        ),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private retryDelay(failures: number): number {
    return backoff(failures - 1, this.retryDelayMs, this.maxRetryDelayMs);
  }

  private ack(msg: JsMsg): void {
    try {
      msg.ack();
    } catch (err) {
      // Lost acks are redelivered and absorbed by the inbox.
      this.options.logger.warn({ err, subject: msg.subject }, 'could not acknowledge event');
    }
  }

  private nak(msg: JsMsg, delayMs: number): void {
    try {
      msg.nak(delayMs);
    } catch (err) {
      // Without the nak the message comes back after ack_wait instead.
      this.options.logger.warn({ err, subject: msg.subject }, 'could not return event for redelivery');
    }
  }

  private confirmRaw(msg: JsMsg): void {
    try {
      const { id } = JSON.parse(decoder.decode(msg.data)) as { id?: unknown };
      if (typeof id === 'string') this.confirm(id);
    } catch {
      // not an envelope: nobody can be waiting for it
    }
  }

  private confirm(eventId: string): void {
    const { nc, naming } = this.options.messaging;
    try {
      nc.publish(naming.ackSubject(eventId), encoder.encode(this.options.consumer));
    } catch (err) {
      this.options.logger.warn({ err, eventId }, 'could not confirm event');
    }
  }

  /** Parks a poison message, unless the database cannot take it: then it is retried like any failure. */
  private async parkIfPossible(msg: JsMsg, eventId: string | null, err: unknown): Promise<void> {
    const message = errorMessage(err);
    const em = this.options.orm.em.fork();
    try {
      await em.execute(
        `insert into ${table(em, 'parked_messages')} (consumer, subject, event_id, payload, error, deliveries) values (?, ?, ?, ?, ?, ?)`,
        [
          this.options.consumer,
          msg.subject,
          eventId,
          decoder.decode(msg.data),
          message.slice(0, 2000),
          msg.info.deliveryCount,
        ],
      );
    } catch (parkErr) {
      this.counters.retries.inc({ consumer: this.options.consumer, reason: 'database' });
      this.options.logger.warn(
        { err: errorMessage(parkErr), subject: msg.subject, eventId },
        'could not park poison message; will retry',
      );
      this.nak(msg, this.retryDelay(msg.info.deliveryCount));
      return;
    }
    this.outageDeliveries.delete(msg.info.streamSequence);
    this.counters.parked.inc({ consumer: this.options.consumer });
    this.options.logger.error({ subject: msg.subject, eventId, err: message }, 'poison message parked');
    try {
      msg.term('parked');
    } catch (termErr) {
      // Redelivered later: parked twice at worst, never lost.
      this.options.logger.warn({ err: termErr, eventId }, 'could not terminate parked message');
    }
  }
}

/**
 * The one way an event reaches a handler, inside the caller's transaction: the inbox row `(event id,
 * consumer)` first, then the handler, so the effect happens once whoever applies it (the consumer, or an
 * operator's redrive of a parked message). False when the inbox already had the event.
 */
export async function applyOnce(
  em: EntityManager,
  consumer: string,
  envelope: EventEnvelope,
  handler: EventHandler<EventName>,
  naming: Naming,
): Promise<boolean> {
  const inserted: unknown[] = await em.execute(
    `insert into ${table(em, 'inbox')} (event_id, consumer, name, applied_at) values (?, ?, ?, now())
     on conflict do nothing returning event_id`,
    [envelope.id, consumer, envelope.name],
  );
  if (inserted.length === 0) return false;
  await handler(em, envelope, { naming });
  return true;
}

/**
 * The handler a message's subject names, and the message read as that event's envelope; `error` says why
 * not (the same reading the consumer does before it applies a message).
 */
export function readEventMessage(
  subject: string,
  data: string,
  handlers: EventHandlers,
  naming: Naming,
): { envelope: EventEnvelope; handler: EventHandler<EventName> } | { error: string } {
  const name = eventNameForSubject(subject, naming.eventSubjectPrefix);
  const handler = name ? handlers[name] : undefined;
  if (!name || !handler) return { error: `no handler for subject ${subject}` };
  try {
    const envelope = JSON.parse(data) as EventEnvelope;
    if (typeof envelope.id !== 'string' || envelope.name !== name) throw new Error('not an event envelope');
    return { envelope, handler: handler as EventHandler<EventName> };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** `base * 2^n`, capped. */
function backoff(n: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, n), 30));
}

/** Number of parked (poison) messages still waiting for an operator, for health and metrics. */
export async function countParked(orm: MikroORM): Promise<number> {
  const em = orm.em.fork();
  const rows: { count: string }[] = await em.execute(
    `select count(*)::text as count from ${table(em, 'parked_messages')} where state = 'parked'`,
  );
  return Number(rows[0]?.count ?? 0);
}
