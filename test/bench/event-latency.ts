import pg from 'pg';
import { connectMessaging, Naming, type Messaging } from '@npq/service-kit';
import { nowMs, type EventObserver, type LatencySummary } from './observer';

/**
 * Event latency measured from outside: the benchmark commits events into finance's outbox itself (so it
 * knows the commit instant), and the observer sees each consuming service's confirmation. The events are
 * copies of a real `declaration.created` the write scenarios produced, each with a new event id and a new
 * declaration id, so training and applications apply them as new declarations (a row each), not as
 * duplicates.
 *
 * Two ways to publish: `commit` mode does what every producer does after its commit (the kit's
 * `publishCommitted`: publish at once with the event id as Nats-Msg-Id, then mark the rows published);
 * `relay` mode leaves the rows to finance's outbox relay, the fallback that polls every OUTBOX_POLL_MS.
 */
export interface LatencyRow {
  label: string;
  /** Events per second offered (committed into the outbox). */
  offeredPerS: number;
  events: number;
  /** Commit → applied, per consuming service. */
  commitToApplied: LatencySummary[];
  /** Publish (seen on NATS) → applied, per consuming service. */
  publishToApplied: LatencySummary[];
  /** Events not confirmed by every consumer within the wait. */
  missing: number;
}

export interface DrainRow {
  backlog: number;
  /** Seconds from commit of the backlog until the relay had published every row. */
  relaySeconds?: number;
  /** Seconds until every consumer had confirmed every event (undefined: not within the time limit). */
  appliedSeconds?: number;
  appliedCount: number;
}

const INSERT = `
insert into finance.outbox (id, name, subject, aggregate_id, envelope, created_at)
select e.id, t.name, t.subject, e.agg,
  jsonb_set(jsonb_set(jsonb_set(t.envelope, '{id}', to_jsonb(e.id::text)), '{aggregateId}', to_jsonb(e.agg::text)),
    '{data,declaration,id}', to_jsonb(e.agg::text)),
  now()
from (select gen_random_uuid() as id, gen_random_uuid() as agg from generate_series(1, $1::int)) e,
  (select name, subject, envelope from finance.outbox where name = 'declaration.created' order by seq limit 1) t
returning id, subject, envelope::text as envelope`;

const CONSUMERS = ['applications', 'training'] as const;

export class EventLatency {
  private constructor(
    private readonly client: pg.Client,
    private readonly observer: EventObserver,
    private readonly messaging: Messaging,
  ) {}

  static async open(
    databaseUrl: string,
    observer: EventObserver,
    natsUrl: string,
    namespace: string,
  ): Promise<EventLatency> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const messaging = await connectMessaging(natsUrl, new Naming(namespace), 'npq-bench-events');
    const { rows } = await client.query(
      `select count(*)::int as n from finance.outbox where name = 'declaration.created'`,
    );
    if ((rows[0] as { n: number }).n === 0)
      throw new Error('no declaration.created in finance.outbox to copy (the write scenarios make them)');
    return new EventLatency(client, observer, messaging);
  }

  /**
   * Commits `n` events in one transaction and, in `commit` mode, publishes them at once as producers do;
   * returns their ids and the commit instant.
   */
  private async commit(n: number, mode: 'commit' | 'relay'): Promise<{ ids: string[]; at: number }> {
    const { rows } = (await this.client.query(INSERT, [n])) as {
      rows: { id: string; subject: string; envelope: string }[];
    };
    const at = nowMs();
    if (mode === 'commit') {
      const encoder = new TextEncoder();
      await Promise.all(
        rows.map((r) => this.messaging.js.publish(r.subject, encoder.encode(r.envelope), { msgID: r.id })),
      );
      // Not awaited by the measurement, as in the kit (the consumers are already at work).
      void this.client
        .query(`update finance.outbox set published_at = now() where id = any($1::uuid[])`, [
          rows.map((r) => r.id),
        ])
        .catch(() => undefined);
    }
    return { ids: rows.map((r) => r.id), at };
  }

  /**
   * Offers `perSecond` events for `seconds`, committed in batches every `tickMs`, then waits up to
   * `settleMs` for the confirmations.
   */
  async measure(
    label: string,
    mode: 'commit' | 'relay',
    perSecond: number,
    seconds: number,
    settleMs = 15_000,
  ): Promise<LatencyRow> {
    const tickMs = perSecond >= 100 ? 20 : Math.round(1000 / perSecond);
    const perTick = Math.max(1, Math.round((perSecond * tickMs) / 1000));
    const committedAt = new Map<string, number>();
    const end = nowMs() + seconds * 1000;
    let next = nowMs();
    while (nowMs() < end) {
      const { ids, at } = await this.commit(perTick, mode);
      for (const id of ids) committedAt.set(id, at);
      next += tickMs;
      const wait = next - nowMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const ids = [...committedAt.keys()];
    const deadline = Date.now() + settleMs;
    while (this.observer.appliedCount(ids, CONSUMERS) < ids.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    return {
      label,
      offeredPerS: ids.length / seconds,
      events: ids.length,
      commitToApplied: this.observer.latencies(ids, (id) => committedAt.get(id)),
      publishToApplied: this.observer.latencies(ids, (id) => this.observer.published.get(id)),
      missing: ids.length - this.observer.appliedCount(ids, CONSUMERS),
    };
  }

  /** Commits a backlog of `n` events at once and times the relay and the consumers working through it. */
  async drain(n: number, limitS: number): Promise<DrainRow> {
    const ids: string[] = [];
    let at = 0;
    // In chunks of 10,000 (one statement each), committed together as fast as Postgres takes them.
    await this.client.query('begin');
    for (let done = 0; done < n; done += 10_000) {
      const { rows } = await this.client.query(INSERT, [Math.min(10_000, n - done)]);
      ids.push(...(rows as { id: string }[]).map((r) => r.id));
    }
    await this.client.query('commit');
    at = nowMs();
    const row: DrainRow = { backlog: n, appliedCount: 0 };
    const deadline = at + limitS * 1000;
    while (nowMs() < deadline) {
      if (row.relaySeconds === undefined) {
        const { rows } = await this.client.query(
          `select count(*)::int as n from finance.outbox where published_at is null`,
        );
        if ((rows[0] as { n: number }).n === 0) row.relaySeconds = (nowMs() - at) / 1000;
      }
      row.appliedCount = this.observer.appliedCount(ids, CONSUMERS);
      if (row.appliedCount === n) {
        row.appliedSeconds = (nowMs() - at) / 1000;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return row;
  }

  async close(): Promise<void> {
    await this.messaging.nc.drain().catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}
