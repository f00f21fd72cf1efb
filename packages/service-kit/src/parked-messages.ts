import { applyOnce, readEventMessage, type EventHandlers } from './consumer';
import { ApiError, notFound } from './errors';
import type { Naming } from './messaging';
import { PARKED_MESSAGE_STATES, type EntityManager, type MikroORM, type ParkedMessageState } from './orm';
import { isUuid } from './query';

/**
 * Parked messages as an operator handles them (docs/operations.md, "Parked messages"): list, read, redrive
 * (apply again through the consumer's own handler path, inbox included, so the effect happens once) and
 * discard (kept, for audit). Every service gets them from the kit on its internal port; the gateway serves
 * them to operators under `/admin/v1/parked-messages`.
 */
export interface ParkedMessage {
  id: string;
  consumer: string;
  subject: string;
  eventId: string | null;
  error: string;
  deliveries: number;
  parkedAt: Date;
  state: ParkedMessageState;
  resolvedAt: Date | null;
  payload?: string;
}

interface ParkedRowRaw {
  id: string;
  consumer: string;
  subject: string;
  event_id: string | null;
  error: string;
  deliveries: number;
  parked_at: Date;
  state: ParkedMessageState;
  resolved_at: Date | null;
  payload?: string;
}

export function isParkedMessageState(value: unknown): value is ParkedMessageState {
  return typeof value === 'string' && (PARKED_MESSAGE_STATES as readonly string[]).includes(value);
}

function table(em: EntityManager): string {
  return `"${em.config.get('schema')}"."parked_messages"`;
}

const COLUMNS = 'id, consumer, subject, event_id, error, deliveries, parked_at, state, resolved_at';

function fromRow(row: ParkedRowRaw): ParkedMessage {
  return {
    id: row.id,
    consumer: row.consumer,
    subject: row.subject,
    eventId: row.event_id,
    error: row.error,
    deliveries: Number(row.deliveries),
    parkedAt: new Date(row.parked_at),
    state: row.state,
    resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at),
    ...(row.payload !== undefined ? { payload: row.payload } : {}),
  };
}

/** The newest `limit` messages in `state` (newest first, then id), without payloads. */
export async function listParkedMessages(
  orm: MikroORM,
  state: ParkedMessageState,
  limit: number,
): Promise<ParkedMessage[]> {
  const em = orm.em.fork();
  const rows: ParkedRowRaw[] = await em.execute(
    `select ${COLUMNS} from ${table(em)} where state = ? order by parked_at desc, id desc limit ?`,
    [state, limit],
  );
  return rows.map(fromRow);
}

/** Messages per state still `parked` (waiting for an operator). */
export async function countParkedMessages(orm: MikroORM): Promise<number> {
  const em = orm.em.fork();
  const rows: { n: string }[] = await em.execute(
    `select count(*)::text as n from ${table(em)} where state = 'parked'`,
  );
  return Number(rows[0]?.n ?? 0);
}

async function load(em: EntityManager, id: string, lock: boolean): Promise<ParkedMessage | null> {
  if (!isUuid(id)) return null;
  const rows: ParkedRowRaw[] = await em.execute(
    `select ${COLUMNS}, payload from ${table(em)} where id = ?${lock ? ' for update' : ''}`,
    [id.toLowerCase()],
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

/** One message with its payload; 404 for an unknown id. */
export async function getParkedMessage(orm: MikroORM, id: string): Promise<ParkedMessage> {
  const found = await load(orm.em.fork(), id, false);
  if (!found) throw notFound();
  return found;
}

function conflict(title: string, detail: string): ApiError {
  return new ApiError(409, { errors: [{ title, detail }] });
}

export interface RedriveContext {
  orm: MikroORM;
  /** The consumer's name (the inbox's `consumer` column) and handlers: the process's own event consumer. */
  consumer: { name: string; handlers: EventHandlers } | undefined;
  naming: Naming;
}

/**
 * Applies a parked message again, in one transaction with its row locked: the inbox row and the handler's
 * effect (exactly as the consumer applies a message, `applyOnce`) and the message becoming `redriven`
 * commit together, so the effect happens once however often, and however concurrently, it is redriven.
 * An event the inbox already has counts as applied. When the handler fails, nothing of it is kept; the
 * message stays `parked`, one delivery more, with the new error, and the answer is a 409. A `redriven`
 * message is answered as it is; a `discarded` one is a 409.
 */
export async function redriveParkedMessage(ctx: RedriveContext, id: string): Promise<ParkedMessage> {
  const outcome = await ctx.orm.em
    .fork()
    .transactional(async (em): Promise<ParkedMessage | { failed: string }> => {
      const message = await load(em, id, true);
      if (!message) throw notFound();
      if (message.state === 'redriven') return message;
      if (message.state === 'discarded') {
        throw conflict('state', 'The message was discarded; it cannot be redriven.');
      }
      if (!ctx.consumer) return { failed: 'this service has no event consumer' };
      const read = readEventMessage(
        message.subject,
        message.payload ?? '',
        ctx.consumer.handlers,
        ctx.naming,
      );
      if ('error' in read) return { failed: read.error };
      try {
        // A savepoint: a failing handler's writes are undone, the row lock stays for the update below.
        await em.transactional((inner) =>
          applyOnce(inner, ctx.consumer!.name, read.envelope, read.handler, ctx.naming),
        );
      } catch (err) {
        return { failed: err instanceof Error ? err.message : String(err) };
      }
      await em.execute(`update ${table(em)} set state = 'redriven', resolved_at = now() where id = ?`, [
        message.id,
      ]);
      return (await load(em, message.id, false))!;
    });
  if (!('failed' in outcome)) return outcome;
  await ctx.orm.em
    .fork()
    .execute(
      `update ${table(ctx.orm.em)} set deliveries = deliveries + 1, error = ? where id = ? and state = 'parked'`,
      [outcome.failed.slice(0, 2000), id.toLowerCase()],
    );
  throw conflict('redrive', `The message failed again and stays parked: ${outcome.failed.slice(0, 500)}`);
}

/** Marks a parked message `discarded` (kept, never applied). Idempotent; a `redriven` message is a 409. */
export async function discardParkedMessage(orm: MikroORM, id: string): Promise<ParkedMessage> {
  return orm.em.fork().transactional(async (em) => {
    const message = await load(em, id, true);
    if (!message) throw notFound();
    if (message.state === 'discarded') return message;
    if (message.state === 'redriven') {
      throw conflict('state', 'The message was redriven; its effect is done and it cannot be discarded.');
    }
    await em.execute(`update ${table(em)} set state = 'discarded', resolved_at = now() where id = ?`, [
      message.id,
    ]);
    return (await load(em, message.id, false))!;
  });
}
