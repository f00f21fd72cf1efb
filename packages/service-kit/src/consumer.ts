import type { Logger } from 'pino';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from 'nats';
import { eventNameForSubject, type EventEnvelope, type EventName } from '@npq/contracts';
import type { Messaging, Naming } from './messaging';
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

export interface ConsumerOptions {
  orm: MikroORM;
  messaging: Messaging;
  /** Durable name (usually the service name); also the inbox's consumer column and the ack payload. */
  consumer: string;
  handlers: EventHandlers;
  logger: Logger;
  /** Deliveries before a message is parked as poison. */
  maxDeliver?: number;
  ackWaitMs?: number;
  /** Base delay of the redelivery backoff (doubles per delivery). */
  retryDelayMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function table(em: EntityManager, name: string): string {
  return `"${em.config.get('schema')}"."${name}"`;
}

/**
 * A durable, explicit-ack JetStream consumer that applies each event at most once: the inbox row is
 * inserted in the same transaction as the handler's projection update, so a redelivery (after a crash,
 * a lost ack or a relay republish) finds the row and changes nothing. A message that keeps failing is
 * parked in `parked_messages` and terminated, so it cannot block the stream.
 */
export class EventConsumer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly maxDeliver: number;
  private readonly retryDelayMs: number;
  private inFlight = 0;

  constructor(private readonly options: ConsumerOptions) {
    this.maxDeliver = options.maxDeliver ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  get durableName(): string {
    return this.options.messaging.naming.durable(this.options.consumer);
  }

  async start(): Promise<void> {
    const { jsm, js, naming } = this.options.messaging;
    const config = {
      durable_name: this.durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // One filter for the whole platform (the server predates multi-filter consumers); events this
      // service does not handle are acknowledged without touching the database.
      filter_subject: naming.allEvents,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * 1_000_000,
      max_ack_pending: 1000,
    };
    try {
      await jsm.consumers.info(naming.stream, this.durableName);
    } catch {
      await jsm.consumers.add(naming.stream, config);
    }
    const consumer = await js.consumers.get(naming.stream, this.durableName);
    this.messages = await consumer.consume({ max_messages: 100 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const msg of messages) {
        this.inFlight++;
        try {
          await this.handle(msg);
        } finally {
          this.inFlight--;
        }
      }
    })().catch((err: unknown) => this.options.logger.error({ err }, 'event consumer stopped'));
  }

  /** Stops pulling, lets the message in hand finish (drain). */
  async stop(): Promise<void> {
    if (!this.messages) return;
    await this.messages.close();
    await this.loop;
    this.messages = undefined;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  private async handle(msg: JsMsg): Promise<void> {
    const { logger } = this.options;
    const name = eventNameForSubject(msg.subject, this.options.messaging.naming.eventSubjectPrefix);
    const handler = name ? this.options.handlers[name] : undefined;
    if (!name || !handler) {
      msg.ack();
      // Nothing to apply here; still confirm, so a read-your-writes wait listing this service ends.
      if (name) this.confirmRaw(msg);
      return;
    }
    let envelope: EventEnvelope;
    try {
      envelope = JSON.parse(decoder.decode(msg.data)) as EventEnvelope;
      if (typeof envelope.id !== 'string' || envelope.name !== name) throw new Error('not an event envelope');
    } catch (err) {
      await this.park(msg, null, err);
      return;
    }
    try {
      const applied = await this.apply(envelope, handler as EventHandler<EventName>);
      msg.ack();
      this.confirm(envelope.id);
      logger.debug({ event: envelope.name, eventId: envelope.id, duplicate: !applied }, 'event consumed');
    } catch (err) {
      const deliveries = msg.info.deliveryCount;
      if (deliveries >= this.maxDeliver) {
        await this.park(msg, envelope.id, err);
        return;
      }
      logger.warn(
        { err, event: envelope.name, eventId: envelope.id, deliveries },
        'event handler failed; will retry',
      );
      msg.nak(this.retryDelayMs * 2 ** (deliveries - 1));
    }
  }

  /** Applies the event once: false when the inbox already had it. */
  async apply(envelope: EventEnvelope, handler: EventHandler<EventName>): Promise<boolean> {
    return this.options.orm.em.fork().transactional(async (em) => {
      const inserted: unknown[] = await em.execute(
        `insert into ${table(em, 'inbox')} (event_id, consumer, name, applied_at) values (?, ?, ?, now())
         on conflict do nothing returning event_id`,
        [envelope.id, this.options.consumer, envelope.name],
      );
      if (inserted.length === 0) return false;
      await handler(em, envelope, { naming: this.options.messaging.naming });
      return true;
    });
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

  private async park(msg: JsMsg, eventId: string | null, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const em = this.options.orm.em.fork();
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
    this.options.logger.error({ subject: msg.subject, eventId, err: message }, 'poison message parked');
    msg.term('parked');
  }
}

/** Number of parked (poison) messages, for health and metrics. */
export async function countParked(orm: MikroORM): Promise<number> {
  const em = orm.em.fork();
  const rows: { count: string }[] = await em.execute(
    `select count(*)::text as count from ${table(em, 'parked_messages')}`,
  );
  return Number(rows[0]?.count ?? 0);
}
