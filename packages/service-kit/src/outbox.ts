import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { JetStreamClient } from '@nats-io/jetstream';
import {
  EVENT_CATALOGUE,
  type EventEnvelope,
  type EventName,
  type EventPayloads,
  type ServiceName,
} from '@npq/contracts';
import { now } from './clock';
import type { Naming } from './messaging';
import type { EntityManager, MikroORM } from './orm';

function table(em: EntityManager, name: string): string {
  return `"${em.config.get('schema')}"."${name}"`;
}

/** A Postgres array literal for a `= any(?::type[])` binding (knex would expand a JS array into a list). */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.map(String).join(',')}}`;
}

export interface EventToStage<N extends EventName> {
  name: N;
  aggregateId: string;
  aggregateVersion: number;
  data: EventPayloads[N];
}

/**
 * Writes an event into the outbox inside the caller's transaction: the event exists if and only if the
 * state change it describes was committed.
 */
export async function stageEvent<N extends EventName>(
  em: EntityManager,
  producer: ServiceName,
  naming: Naming,
  event: EventToStage<N>,
): Promise<EventEnvelope<N>> {
  const [envelope] = await stageEvents(em, producer, naming, [event]);
  return envelope!;
}

function envelopeOf<N extends EventName>(producer: ServiceName, event: EventToStage<N>): EventEnvelope<N> {
  return {
    id: randomUUID(),
    name: event.name,
    version: EVENT_CATALOGUE[event.name].version,
    producer,
    occurredAt: now().toISOString(),
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    data: event.data,
  };
}

/**
 * `stageEvent` for many events in one statement (a run that moves thousands of rows: one round trip per
 * event was most of its time; docs/performance.md, "Workers"). Rows keep the order of `events`.
 */
export async function stageEvents<N extends EventName>(
  em: EntityManager,
  producer: ServiceName,
  naming: Naming,
  events: readonly EventToStage<N>[],
): Promise<EventEnvelope<N>[]> {
  const envelopes = events.map((e) => envelopeOf(producer, e));
  if (envelopes.length === 0) return envelopes;
  if (envelopes.length === 1) {
    const [e] = envelopes;
    await em.execute(
      `insert into ${table(em, 'outbox')} (id, name, subject, aggregate_id, envelope, created_at) values (?, ?, ?, ?, ?, ?)`,
      [e!.id, e!.name, naming.subjectFor(e!.name), e!.aggregateId, JSON.stringify(e), new Date()],
    );
    return envelopes;
  }
  // One JSON parameter, unpacked in order (`with ordinality`), so the outbox sequence follows `events`.
  const rows = envelopes.map((e) => ({
    id: e.id,
    name: e.name,
    subject: naming.subjectFor(e.name),
    aggregate_id: e.aggregateId,
    envelope: e,
  }));
  await em.execute(
    `insert into ${table(em, 'outbox')} (id, name, subject, aggregate_id, envelope, created_at)
     select (r->>'id')::uuid, r->>'name', r->>'subject', (r->>'aggregate_id')::uuid, r->'envelope', ?::timestamptz
     from jsonb_array_elements(?::jsonb) with ordinality as x(r, n) order by n`,
    [new Date(), JSON.stringify(rows)],
  );
  return envelopes;
}

interface ClaimedRow {
  seq: string;
  id: string;
  subject: string;
  envelope: unknown;
}

const MAX_FAILED_PASS_DELAY_MS = 5_000;

/**
 * How long the relay waits before its next pass. While Postgres is down every pass fails: it backs off
 * (doubling, at most 5 s) instead of logging an error every poll; the first pass after Postgres is back
 * publishes the backlog (docs/operations.md).
 */
export function failedPassDelayMs(pollMs: number, failedPasses: number): number {
  return Math.min(MAX_FAILED_PASS_DELAY_MS, pollMs * 2 ** Math.min(failedPasses, 20));
}

export interface RelayOptions {
  orm: MikroORM;
  js: JetStreamClient;
  logger: Logger;
  pollMs: number;
  batchSize?: number;
}

/**
 * Publishes committed outbox rows to JetStream. Safe with any number of replicas: each batch is claimed
 * with FOR UPDATE SKIP LOCKED, so two relays never publish the same row at once; a crash after publishing
 * but before marking the row makes the next relay publish it again, which JetStream drops as a duplicate
 * (same Nats-Msg-Id) and the consumers' inbox ignores beyond the dedupe window.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failedPasses = 0;
  private readonly batchSize: number;

  constructor(private readonly options: RelayOptions) {
    this.batchSize = options.batchSize ?? 200;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .then(() => {
          this.failedPasses = 0;
        })
        .catch((err: unknown) => {
          this.failedPasses++;
          this.options.logger.error(
            {
              err,
              failedPasses: this.failedPasses,
              nextPassInMs: failedPassDelayMs(this.options.pollMs, this.failedPasses),
            },
            'outbox relay pass failed',
          );
        })
        .finally(() => {
          this.running = undefined;
          this.schedule(failedPassDelayMs(this.options.pollMs, this.failedPasses));
        });
    }, delayMs);
  }

  /** Publishes everything pending, batch after batch. */
  private async drain(): Promise<void> {
    while (!this.stopped && (await this.publishPending()) === this.batchSize) {
      // keep going while batches come back full
    }
  }

  /**
   * Publishes everything pending now, batch after batch (a run that staged thousands of events: publishing
   * them by id would hold them all in memory at once). Returns how many went out.
   */
  async publishBacklog(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishPending();
      total += published;
      if (published < this.batchSize) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Claims and publishes unpublished rows (only `ids` when given: the command path publishes its own
   * events at once instead of waiting for the next poll). Returns how many rows were published.
   */
  async publishPending(ids?: string[]): Promise<number> {
    const em = this.options.orm.em.fork();
    return em.transactional(async (tx) => {
      const outbox = table(tx, 'outbox');
      const rows: ClaimedRow[] = ids
        ? await tx.execute(
            `select seq, id, subject, envelope from ${outbox} where published_at is null and id = any(?::uuid[]) order by seq for update skip locked`,
            [pgArray(ids)],
          )
        : await tx.execute(
            `select seq, id, subject, envelope from ${outbox} where published_at is null order by seq limit ? for update skip locked`,
            [this.batchSize],
          );
      // Pipelined, not one round trip per message: the client writes them in order on one connection, so
      // the stream keeps the outbox order; rows whose publish failed stay pending for the next pass.
      const outcomes = await Promise.allSettled(
        rows.map((row) =>
          this.publishOne(
            row.id,
            row.subject,
            typeof row.envelope === 'string' ? row.envelope : JSON.stringify(row.envelope),
          ),
        ),
      );
      const published = rows.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((r) => r.seq);
      if (published.length < rows.length) {
        const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        this.options.logger.warn(
          { err: failure?.reason, pending: rows.length - published.length },
          'outbox publish interrupted',
        );
        await tx.execute(
          `update ${outbox} set attempts = attempts + 1 where seq = any(?::bigint[]) and not (seq = any(?::bigint[]))`,
          [pgArray(rows.map((r) => r.seq)), pgArray(published)],
        );
      }
      if (published.length > 0) {
        await tx.execute(`update ${outbox} set published_at = ? where seq = any(?::bigint[])`, [
          new Date(),
          pgArray(published),
        ]);
      }
      return published.length;
    });
  }

  private async publishOne(id: string, subject: string, body: string): Promise<void> {
    const h = natsHeaders();
    h.set('Nats-Msg-Id', id);
    await this.options.js.publish(subject, new TextEncoder().encode(body), { msgID: id, headers: h });
  }

  /**
   * The command path (read-your-writes): publishes a committed command's own events from memory at once,
   * then marks them published in one statement, instead of claiming the rows first (four round trips
   * before the first byte reached NATS; docs/performance.md). Nothing is claimed, so a relay pass may
   * publish one of them too: JetStream drops the copy (same Nats-Msg-Id) and the consumers' inbox ignores
   * anything older. A failed publish leaves its row pending for the relay. Returns how many went out.
   */
  async publishCommitted(envelopes: EventEnvelope[], naming: Naming): Promise<number> {
    const outcomes = await Promise.allSettled(
      envelopes.map((e) => this.publishOne(e.id, naming.subjectFor(e.name), JSON.stringify(e))),
    );
    const published = envelopes.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((e) => e.id);
    if (published.length > 0) {
      const em = this.options.orm.em.fork();
      await em.execute(
        `update ${table(em, 'outbox')} set published_at = ? where id = any(?::uuid[]) and published_at is null`,
        [new Date(), pgArray(published)],
      );
    }
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure && published.length === 0) throw failure.reason;
    return published.length;
  }

  /** Deletes rows published more than `olderThanDays` ago. */
  async prune(olderThanDays = 7): Promise<number> {
    const em = this.options.orm.em.fork();
    const res: { seq: string }[] = await em.execute(
      `delete from ${table(em, 'outbox')} where published_at < now() - make_interval(days => ?) returning seq`,
      [olderThanDays],
    );
    return res.length;
  }
}
