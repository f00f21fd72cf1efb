import { connectMessaging, Naming } from '@npq/service-kit';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { NAMESPACE } from './cluster';
import type { DqtReceiver } from './dqt-receiver';
import { type Exchange, type Load } from './load';

const SCHEMAS = ['applications', 'training', 'finance'] as const;
const CONSUMERS = ['applications', 'training', 'finance'] as const;

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The system's state for the checks: SQL on the private database, JetStream on the private NATS. */
export class Inspector {
  constructor(
    private readonly databaseUrl: string,
    private readonly natsUrl: string,
  ) {}

  async sql<T = Record<string, any>>(query: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      return (await client.query(query, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Messages in the stream and, per durable consumer, what it has not acknowledged yet. */
  async stream(): Promise<{ messages: number; backlog: Record<string, number> }> {
    const naming = new Naming(NAMESPACE);
    const { nc, jsm } = await connectMessaging(this.natsUrl, naming, 'chaos-inspector');
    try {
      const info = await jsm.streams.info(naming.stream);
      const backlog: Record<string, number> = {};
      for (const c of CONSUMERS) {
        try {
          const ci = await jsm.consumers.info(naming.stream, naming.durable(c));
          backlog[c] = ci.num_pending + ci.num_ack_pending;
        } catch {
          backlog[c] = -1;
        }
      }
      return { messages: info.state.messages, backlog };
    } finally {
      await nc.close();
    }
  }

  /**
   * Quiet: the outbox published, every consumer caught up, no DQT push pending or in flight, every
   * authorised statement paid. Returns what is still moving ('' once quiet).
   */
  async busy(): Promise<string> {
    try {
      const pending = await this.sql<{ n: string }>(
        SCHEMAS.map((s) => `select count(*) as n from ${s}.outbox where published_at is null`).join(
          ' union all ',
        ),
      );
      const unpublished = pending.reduce((n, r) => n + Number(r.n), 0);
      if (unpublished > 0) return `${unpublished} outbox rows unpublished`;
      const { backlog } = await this.stream();
      const behind = Object.entries(backlog).filter(([, n]) => n !== 0);
      if (behind.length > 0) return `consumers behind: ${JSON.stringify(Object.fromEntries(behind))}`;
      const [dqt] = await this.sql<{ n: string }>(
        `select count(*) as n from training.outcome_deliveries where state not in ('sent', 'failed')`,
      );
      if (Number(dqt!.n) > 0) return `${dqt!.n} DQT pushes pending`;
      const [unpaid] = await this.sql<{ n: string }>(
        `select count(*) as n from finance.statements where state = 'payable' and marked_as_paid_at is not null`,
      );
      if (Number(unpaid!.n) > 0) return `${unpaid!.n} authorised statements unpaid`;
      return '';
    } catch (err) {
      return `inspection failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

const norm = (state: string | null | undefined) => (state ?? 'missing').replace(/_/g, '-');

function check(name: string, problems: string[], total?: number): Check {
  return {
    name,
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? total === undefined
          ? 'ok'
          : `ok (${total})`
        : `${problems.length} problem(s): ${problems.slice(0, 4).join('; ')}${problems.length > 4 ? '; …' : ''}`,
  };
}

/** Every invariant, on a quiet system, over everything the load did since the start of the run. */
export async function checkInvariants(
  inspector: Inspector,
  load: Load,
  dqt: DqtReceiver,
  maxRequestMs: number,
  logDir: string,
): Promise<Check[]> {
  const checks: Check[] = [];
  const q = <T = Record<string, any>>(sql: string, params: unknown[] = []) => inspector.sql<T>(sql, params);
  const accepted = load.participants.filter((p) => p.accepted && p.applicationId);
  const created = load.participants.filter((p) => p.applicationId);

  // 1. Every 2xx write visible.
  {
    const problems: string[] = [];
    const ids = created.map((p) => p.applicationId!);
    const apps = new Map(
      (
        await q<{ id: string; status: string; training_status: string | null }>(
          `select id, status, training_status from applications.applications where id = any($1::uuid[])`,
          [ids],
        )
      ).map((r) => [r.id, r]),
    );
    for (const p of created) {
      const row = apps.get(p.applicationId!);
      if (!row) problems.push(`application ${p.applicationId} (201) missing`);
      else if (p.accepted && row.status !== 'accepted')
        problems.push(`application ${p.applicationId} accepted (200) but ${row.status}`);
    }
    const decl = [...load.participants.flatMap((p) => [...p.declarations.keys()])];
    const found = new Set(
      (await q<{ id: string }>(`select id from finance.declarations where id = any($1::uuid[])`, [decl])).map(
        (r) => r.id,
      ),
    );
    for (const id of decl) if (!found.has(id)) problems.push(`declaration ${id} (200) missing`);
    const voidedBy2xx = load.participants.flatMap((p) =>
      [...p.declarations].filter(([, s]) => s === 'voided' || s === 'awaiting-clawback').map(([id]) => id),
    );
    if (voidedBy2xx.length > 0) {
      const notVoided = await q<{ id: string; state: string }>(
        `select id, state from finance.declarations where id = any($1::uuid[])
           and state not in ('voided', 'awaiting_clawback', 'clawed_back')`,
        [voidedBy2xx],
      );
      for (const r of notVoided) problems.push(`declaration ${r.id} voided (200) but ${r.state}`);
    }
    const outcomes = load.participants.flatMap((p) => p.outcomes);
    const foundOutcomes = new Set(
      (
        await q<{ id: string }>(`select id from training.outcomes where id = any($1::uuid[])`, [outcomes])
      ).map((r) => r.id),
    );
    for (const id of outcomes) if (!foundOutcomes.has(id)) problems.push(`outcome ${id} (200) missing`);
    const statuses = load.participants.filter((p) => p.trainingStatus && p.applicationId);
    const enrolments = new Map(
      (
        await q<{ id: string; training_status: string }>(
          `select id, training_status from training.enrolments where id = any($1::uuid[])`,
          [statuses.map((p) => p.applicationId)],
        )
      ).map((r) => [r.id, r.training_status]),
    );
    for (const p of statuses) {
      const t = enrolments.get(p.applicationId!);
      if (t !== p.trainingStatus)
        problems.push(`participant ${p.participantId} ${p.trainingStatus} (200) but training says ${t}`);
      const a = apps.get(p.applicationId!)?.training_status;
      if (a !== p.trainingStatus)
        problems.push(`participant ${p.participantId} ${p.trainingStatus} (200) but applications says ${a}`);
    }
    checks.push(
      check(
        'every 2xx write visible',
        problems,
        load.exchanges.filter((e) => e.status >= 200 && e.status < 300).length,
      ),
    );
  }

  // 2. Every accepted application enrolled in training and known (accepted) to finance.
  {
    const ids = accepted.map((p) => p.applicationId!);
    const enrolled = new Set(
      (await q<{ id: string }>(`select id from training.enrolments where id = any($1::uuid[])`, [ids])).map(
        (r) => r.id,
      ),
    );
    const finance = new Set(
      (
        await q<{ id: string }>(
          `select id from finance.applications where id = any($1::uuid[]) and status = 'accepted'`,
          [ids],
        )
      ).map((r) => r.id),
    );
    const problems: string[] = [];
    for (const id of ids) {
      if (!enrolled.has(id)) problems.push(`${id} not enrolled in training`);
      if (!finance.has(id)) problems.push(`${id} not accepted in finance`);
    }
    checks.push(check('accepted → enrolled and known to finance', problems, ids.length));
  }

  // 3. Declaration states equal in finance, training and applications; training statuses too.
  {
    const rows = await q<{ id: string; f: string; t: string | null; a: string | null }>(
      `select f.id, f.state as f, t.state as t, a.state as a from finance.declarations f
         left join training.declarations t on t.id = f.id
         left join applications.declarations a on a.declaration_id = f.id`,
    );
    const problems = rows
      .filter((r) => norm(r.f) !== norm(r.t) || norm(r.f) !== norm(r.a))
      .map((r) => `${r.id}: finance ${r.f}, training ${r.t}, applications ${r.a}`);
    const statuses = await q<{ id: string; t: string; a: string | null; f: string | null }>(
      `select e.id, e.training_status as t, a.training_status as a,
         (select s.state from finance.application_states s where s.application_id = e.id
            order by s.changed_at desc, s.version desc limit 1) as f
       from training.enrolments e join applications.applications a on a.id = e.id`,
    );
    for (const s of statuses) {
      if (s.t !== 'active' || s.a !== null || s.f !== null) {
        if (s.a !== s.t) problems.push(`enrolment ${s.id}: training ${s.t}, applications ${s.a}`);
        if ((s.f ?? 'active') !== s.t) problems.push(`enrolment ${s.id}: training ${s.t}, finance ${s.f}`);
      }
    }
    checks.push(check('declaration and training states equal across services', problems, rows.length));
  }

  // 4. Outbox drained; the stream holds exactly the outbox rows (no loss, no duplicate publish).
  {
    const counts = await q<{ s: string; total: string; pending: string }>(
      SCHEMAS.map(
        (s) =>
          `select '${s}' as s, count(*) as total, count(*) filter (where published_at is null) as pending from ${s}.outbox`,
      ).join(' union all '),
    );
    const problems: string[] = [];
    let total = 0;
    for (const c of counts) {
      total += Number(c.total);
      if (Number(c.pending) > 0) problems.push(`${c.s}: ${c.pending} unpublished`);
    }
    const { messages, backlog } = await inspector.stream();
    if (messages !== total) problems.push(`stream holds ${messages} messages, outboxes ${total} rows`);
    for (const [c, n] of Object.entries(backlog)) if (n !== 0) problems.push(`consumer ${c}: ${n} unacked`);
    checks.push(check('outbox drained, stream = outbox rows, consumers caught up', problems, total));
  }

  // 5. No parked messages.
  {
    const rows = await q<{ s: string; n: string }>(
      SCHEMAS.map((s) => `select '${s}' as s, count(*) as n from ${s}.parked_messages`).join(' union all '),
    );
    checks.push(
      check(
        'no parked messages',
        rows.filter((r) => Number(r.n) > 0).map((r) => `${r.s}: ${r.n}`),
      ),
    );
  }

  // 6. DQT: every push delivered, none lost, none duplicated beyond the recorded attempts, order kept.
  {
    const deliveries = await q<{
      id: string;
      trn: string;
      state: string;
      qualification_type: string;
      completion_date: string | null;
      attempts: string;
    }>(
      `select d.id, d.trn, d.state, d.qualification_type, to_char(d.completion_date, 'YYYY-MM-DD') as completion_date,
         (select count(*) from training.outcome_delivery_attempts a where a.delivery_id = d.id) as attempts
       from training.outcome_deliveries d order by d.seq`,
    );
    const problems: string[] = [];
    const byTrn = new Map<string, typeof deliveries>();
    for (const d of deliveries) {
      if (d.state !== 'sent') problems.push(`delivery ${d.id} ${d.state}`);
      byTrn.set(d.trn, [...(byTrn.get(d.trn) ?? []), d]);
    }
    const received = new Map<string, { qualificationType: string; completionDate: string | null }[]>();
    for (const p of dqt.pushes) {
      const body = JSON.parse(p.body) as { qualificationType: string; completionDate: string | null };
      received.set(p.trn, [...(received.get(p.trn) ?? []), body]);
    }
    const same = (
      d: { qualification_type: string; completion_date: string | null },
      b: { qualificationType: string; completionDate: string | null },
    ) => b.qualificationType === d.qualification_type && (b.completionDate ?? null) === d.completion_date;
    let resent = 0;
    for (const [trn, list] of byTrn) {
      const got = received.get(trn) ?? [];
      const attempts = list.reduce((n, d) => n + Number(d.attempts), 0);
      if (got.length > attempts)
        problems.push(`TRN …${trn.slice(-3)}: ${got.length} pushes received, ${attempts} attempts recorded`);
      resent += Math.max(0, got.length - list.length);
      for (const d of list) {
        if (!got.some((b) => same(d, b))) problems.push(`delivery ${d.id} never received`);
      }
      const last = got.at(-1);
      const lastDelivery = list.at(-1)!;
      if (last && !same(lastDelivery, last))
        problems.push(`TRN …${trn.slice(-3)}: an older push arrived after the latest`);
    }
    for (const trn of received.keys())
      if (!byTrn.has(trn)) problems.push(`push for an unknown TRN …${trn.slice(-3)}`);
    checks.push(
      check('DQT pushes recorded, received, in order', problems, deliveries.length).detail.startsWith('ok')
        ? {
            name: 'DQT pushes recorded, received, in order',
            ok: true,
            detail: `ok (${deliveries.length} deliveries, ${dqt.pushes.length} received, ${resent} recorded re-sends)`,
          }
        : check('DQT pushes recorded, received, in order', problems),
    );
  }

  // 7. Each payment run applied once.
  {
    const runs = load.paymentRuns.filter((r) => r.authorised);
    const problems: string[] = [];
    for (const r of runs) {
      const [s] = await q<{ state: string }>(`select state from finance.statements where id = $1`, [
        r.statementId,
      ]);
      if (s?.state !== 'paid') problems.push(`statement ${r.statementId} ${s?.state}`);
      const [paidEvents] = await q<{ n: string }>(
        `select count(*) as n from finance.outbox where name = 'statement.state-changed' and aggregate_id = $1
           and envelope->'data'->>'state' = 'paid'`,
        [r.statementId],
      );
      if (Number(paidEvents!.n) !== 1)
        problems.push(`statement ${r.statementId}: ${paidEvents!.n} payment runs applied`);
      const [left] = await q<{ n: string }>(
        `select count(*) as n from finance.statement_items where statement_id = $1 and state in ('payable', 'awaiting_clawback')`,
        [r.statementId],
      );
      if (Number(left!.n) > 0) problems.push(`statement ${r.statementId}: ${left!.n} items left unpaid`);
    }
    checks.push(check('each payment run applied once', problems, runs.length));
  }

  // 8. No internal error: under these faults a request fails with a 503 (a dependency is down) or loses its
  // connection (its process died), never with a 500.
  {
    const internal = load.exchanges.filter((e) => e.status === 500);
    checks.push(
      check(
        'no 500 answered',
        internal.map((e) => `${e.kind} at ${new Date(e.startedAt).toISOString().slice(11, 19)}`),
      ),
    );
  }

  // 9. Every process logged JSON lines only (a raw stack trace is a connection nobody listens to).
  {
    const problems: string[] = [];
    for (const file of readdirSync(logDir)) {
      const raw = readFileSync(path.join(logDir, file), 'utf8')
        .split('\n')
        // Node's own process warnings (deprecations) are not the platform's logging.
        .filter((l) => l !== '' && !l.startsWith('{') && !/^\((node:\d+|Use `node)/.test(l));
      if (raw.length > 0) problems.push(`${file}: ${raw.length} line(s), first: ${raw[0]!.slice(0, 120)}`);
    }
    checks.push(check('logs are JSON lines only', problems));
  }

  // 10. No request hung.
  {
    const slow = load.exchanges.filter((e: Exchange) => e.ms > maxRequestMs);
    const max = Math.max(0, ...load.exchanges.map((e) => e.ms));
    checks.push({
      name: `no request over ${maxRequestMs / 1000} s`,
      ok: slow.length === 0,
      detail:
        slow.length === 0
          ? `ok (slowest ${(max / 1000).toFixed(1)} s)`
          : `${slow.length} request(s), slowest ${(max / 1000).toFixed(1)} s (${slow[0]!.kind})`,
    });
  }
  return checks;
}
