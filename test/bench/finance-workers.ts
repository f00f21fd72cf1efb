import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import { rssMiB } from './memory';
import { nowMs } from './observer';

/**
 * Finance's statement runs on volumes that matter (docs/performance.md, "Workers"):
 *
 * - **Cut-off**: `POST /admin/v1/finance/statement-cutoffs` (through the gateway, no Idempotency-Key, so each
 *   statement with declarations commits on its own as in the daily run) over every open statement whose
 *   cut-off has passed, `declarations` eligible declarations spread over the first `withDeclarations` of
 *   them.
 * - **Payment run**: one payable statement carrying `declarations` declarations (2% awaiting clawback, the
 *   rest payable), authorised with `POST /admin/v1/statements/{id}/authorise-payment`; the finance worker
 *   process (`dist/worker.js`, started for this phase) runs the job. Time from the 202 to the statement
 *   reading `paid`, the job's own processing time (BullMQ's processedOn → finishedOn), and the worker's RSS
 *   idle and at its peak during the run.
 *
 * Each has a floor measured in the same run on the same rows: the set-based updates the run cannot do
 * without (declarations and statement items moved by one `update … where statement_id = $1` each, and the
 * statement), in a transaction that is rolled back; and the same plus one `insert … select` of an outbox row
 * per moved declaration. The rows are seeded with set-based SQL (like seed.ts does for applications).
 */

export interface PaymentRunRow {
  statementId: string;
  payable: number;
  awaitingClawback: number;
  /** From the authorise-payment answer to the statement reading `paid` (polled every 50 ms). */
  seconds?: number;
  /** The job's processing time in the worker (BullMQ processedOn → finishedOn). */
  jobSeconds?: number;
  jobFailedReason?: string;
  declarationsPaid: number;
  declarationsClawedBack: number;
  /** declaration.state-changed rows the run put in the outbox. */
  eventsStaged: number;
  workerIdleRssMiB?: number;
  workerPeakRssMiB?: number;
  floorSeconds: number;
  floorWithOutboxSeconds: number;
}

export interface CutoffRow {
  asOf: string;
  dueStatements: number;
  statementsWithDeclarations: number;
  declarations: number;
  status: number;
  /** The request's duration (includes the read-your-writes wait, at most READ_YOUR_WRITES_TIMEOUT_MS). */
  seconds: number;
  statementsMarkedPayable?: number;
  declarationsMarkedPayable?: number;
  financePeakRssMiB?: number;
  floorSeconds: number;
  floorWithOutboxSeconds: number;
}

export interface FinanceBenchContext {
  databaseUrl: string;
  gateway: string;
  adminToken: string;
  redisUrl: string;
  /** BullMQ prefix of the system (Naming.queuePrefix). */
  queuePrefix: string;
  financePid?: number;
  log: (line: string) => void;
}

const COURSES = ['npq-headship', 'npq-senior-leadership', 'npq-leading-teaching', 'npq-senco'];

/**
 * One finance application per declaration (the events read course and participant from it), then the
 * declarations and their statement items; `placement` is a SQL expression over `i` (1-based) giving the
 * statement id, `stateOf` the state of declaration i (declaration and item alike).
 */
function seedDeclarationsSql(tag: string, n: number, placement: string, stateOf: string): string {
  return `
    create temp table ${tag} as
      select i, gen_random_uuid() as application_id, gen_random_uuid() as declaration_id,
             gen_random_uuid() as participant_id, ${placement} as statement_id, ${stateOf} as state
      from generate_series(1, ${n}) i;
    insert into finance.applications (id, participant_id, lead_provider_id, course_identifier, cohort_identifier,
      cohort_start_year, status, funded_place, eligible_for_funding, eligible_for_dfe_funding, fundable_snapshot,
      targeted_delivery_funding_eligibility, accepted_at, created_at, updated_at, version)
    select x.application_id, x.participant_id, s.lead_provider_id,
      (array['${COURSES.join("','")}'])[1 + x.i % ${COURSES.length}], s.cohort_identifier, s.cohort_start_year,
      'accepted', true, true, true, true, x.i % 10 = 0, now() - interval '200 days', now() - interval '200 days',
      now() - interval '200 days', 1
    from ${tag} x join finance.statements s on s.id = x.statement_id;
    insert into finance.declarations (id, application_id, lead_provider_id, application_lead_provider_id,
      cohort_identifier, cohort_start_year, declaration_type, declaration_date, state, created_at, updated_at, version)
    select x.declaration_id, x.application_id, s.lead_provider_id, s.lead_provider_id, s.cohort_identifier,
      s.cohort_start_year, 'started', s.deadline_date - 10, x.state, now() - interval '100 days',
      now() - interval '100 days', 1
    from ${tag} x join finance.statements s on s.id = x.statement_id;
    insert into finance.statement_items (statement_id, declaration_id, state, created_at, updated_at)
    select x.statement_id, x.declaration_id, x.state, now() - interval '100 days', now() - interval '100 days'
    from ${tag} x;
    drop table ${tag};`;
}

async function timed(client: pg.Client, sqls: string[]): Promise<number> {
  await client.query('begin');
  try {
    const started = nowMs();
    for (const sql of sqls) await client.query(sql);
    return (nowMs() - started) / 1000;
  } finally {
    await client.query('rollback');
  }
}

/** One outbox row per declaration matched by `from … where`, with an envelope of the events' size. */
function outboxInsert(fromWhere: string): string {
  return `insert into finance.outbox (id, name, subject, aggregate_id, envelope)
    select gen_random_uuid(), 'declaration.state-changed', 'bench.floor', d.id,
      jsonb_build_object('id', gen_random_uuid(), 'name', 'declaration.state-changed', 'version', 1,
        'producer', 'finance', 'occurredAt', now(), 'aggregateId', d.id, 'aggregateVersion', d.version,
        'data', jsonb_build_object('declaration', to_jsonb(d)))
    ${fromWhere}`;
}

async function postAdmin(ctx: FinanceBenchContext, path: string, body?: unknown) {
  const res = await fetch(`${ctx.gateway}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ctx.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

/**
 * Deletes the BullMQ keys of this run's namespace (`<prefix>:*` only, never anything else): job ids such as
 * `pay-<statement>` are fixed per statement and seeded statement ids are stable, so a completed job left by
 * an earlier run on the same namespace would make BullMQ ignore the new one.
 */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

const today = () => new Date().toISOString().slice(0, 10);

export async function cutoffRun(
  ctx: FinanceBenchContext,
  declarations: number,
  withDeclarations: number,
): Promise<CutoffRow> {
  const client = new pg.Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  try {
    const asOf = today();
    const due = (
      await client.query<{ id: string }>(
        `select id from finance.statements where state = 'open' and deadline_date < $1 order by deadline_date, id`,
        [asOf],
      )
    ).rows.map((r) => r.id);
    const busy = Math.min(withDeclarations, due.length);
    if (busy === 0) throw new Error('cut-off bench: no open statement whose cut-off has passed');
    ctx.log(
      `cut-off: seeding ${declarations} eligible declarations on ${busy} of the ${due.length} due statements`,
    );
    await client.query(
      seedDeclarationsSql(
        'bench_cutoff',
        declarations,
        `(array['${due.slice(0, busy).join("','")}']::uuid[])[1 + i % ${busy}]`,
        `'eligible'`,
      ),
    );
    await client.query('vacuum analyze finance.declarations');
    await client.query('vacuum analyze finance.statement_items');
    const dueWhere = `select si.declaration_id from finance.statement_items si join finance.statements s on s.id = si.statement_id
      where s.state = 'open' and s.deadline_date < '${asOf}' and si.state = 'eligible'`;
    const floorUpdates = [
      `update finance.declarations set state = 'payable', updated_at = now(), version = version + 1
         where state = 'eligible' and id in (${dueWhere})`,
      `update finance.statement_items si set state = 'payable', updated_at = now() from finance.statements s
         where s.id = si.statement_id and s.state = 'open' and s.deadline_date < '${asOf}' and si.state = 'eligible'`,
      `update finance.statements set state = 'payable', updated_at = now(), version = version + 1
         where state = 'open' and deadline_date < '${asOf}'`,
    ];
    const floorSeconds = await timed(client, floorUpdates);
    const floorWithOutboxSeconds = await timed(client, [
      outboxInsert(`from finance.declarations d where d.state = 'eligible' and d.id in (${dueWhere})`),
      ...floorUpdates,
    ]);
    await client.query('vacuum analyze finance.declarations');

    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(ctx.financePid) ?? 0)), 250);
    const started = nowMs();
    const res = await postAdmin(ctx, '/admin/v1/finance/statement-cutoffs', {
      data: { type: 'statement-cutoff', attributes: { as_of: asOf } },
    });
    const seconds = (nowMs() - started) / 1000;
    clearInterval(sampler);
    let attrs: { statements_marked_payable?: number; declarations_marked_payable?: number } = {};
    try {
      attrs = (JSON.parse(res.text) as { data: { attributes: typeof attrs } }).data.attributes;
    } catch {
      ctx.log(`cut-off answered ${res.status}: ${res.text.slice(0, 300)}`);
    }
    return {
      asOf,
      dueStatements: due.length,
      statementsWithDeclarations: busy,
      declarations,
      status: res.status,
      seconds,
      statementsMarkedPayable: attrs.statements_marked_payable,
      declarationsMarkedPayable: attrs.declarations_marked_payable,
      financePeakRssMiB: peak || undefined,
      floorSeconds,
      floorWithOutboxSeconds,
    };
  } finally {
    await client.end();
  }
}

/**
 * The payment run. Start it after the cut-off phase: the worker runs a cut-off at start, which must find
 * nothing left to do, so that only the payment run is measured.
 */
export async function paymentRun(
  ctx: FinanceBenchContext,
  declarations: number,
  startWorker: () => ChildProcess,
  limitS: number,
): Promise<PaymentRunRow> {
  const client = new pg.Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  const redis = new Redis(ctx.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let worker: ChildProcess | undefined;
  try {
    // A statement of the past no declaration of the other phases is on: payable, not authorised yet.
    const [statement] = (
      await client.query<{ id: string }>(
        `select s.id from finance.statements s where s.output_fee and s.deadline_date < current_date
           and not exists (select 1 from finance.statement_items si where si.statement_id = s.id)
         order by s.deadline_date, s.id limit 1`,
      )
    ).rows;
    if (!statement) throw new Error('payment run bench: no statement of the past without declarations');
    const id = statement.id;
    await client.query(
      `update finance.statements set state = 'payable', marked_as_paid_at = null, updated_at = now() where id = $1`,
      [id],
    );
    const clawbackEvery = 50; // 2% awaiting clawback
    ctx.log(`payment run: seeding ${declarations} declarations on statement ${id}`);
    await client.query(
      seedDeclarationsSql(
        'bench_payment',
        declarations,
        `'${id}'::uuid`,
        `case when i % ${clawbackEvery} = 0 then 'awaiting_clawback' else 'payable' end`,
      ),
    );
    const [counts] = (
      await client.query<{ payable: string; clawback: string }>(
        `select count(*) filter (where state = 'payable') as payable,
                count(*) filter (where state = 'awaiting_clawback') as clawback
         from finance.statement_items where statement_id = $1`,
        [id],
      )
    ).rows;
    await client.query('vacuum analyze finance.declarations');
    await client.query('vacuum analyze finance.statement_items');

    const onStatement = (state: string) =>
      `select si.declaration_id from finance.statement_items si where si.statement_id = '${id}' and si.state = '${state}'`;
    const floorUpdates = [
      `update finance.declarations set state = 'paid', updated_at = now(), version = version + 1
         where state = 'payable' and id in (${onStatement('payable')})`,
      `update finance.declarations set state = 'clawed_back', updated_at = now(), version = version + 1
         where state = 'awaiting_clawback' and id in (${onStatement('awaiting_clawback')})`,
      `update finance.statement_items set state = case state when 'payable' then 'paid' else 'clawed_back' end,
         updated_at = now() where statement_id = '${id}' and state in ('payable', 'awaiting_clawback')`,
      `update finance.statements set state = 'paid', updated_at = now(), version = version + 1 where id = '${id}'`,
    ];
    const floorSeconds = await timed(client, floorUpdates);
    const floorWithOutboxSeconds = await timed(client, [
      outboxInsert(
        `from finance.declarations d where d.id in (select si.declaration_id from finance.statement_items si
           where si.statement_id = '${id}' and si.state in ('payable', 'awaiting_clawback'))`,
      ),
      ...floorUpdates,
    ]);
    await client.query('vacuum analyze finance.declarations');
    await client.query('vacuum analyze finance.statement_items');

    await deleteQueueKeys(ctx.redisUrl, ctx.queuePrefix);
    worker = startWorker();
    // Its start-up cut-off (nothing due by now) and schedules; then it idles.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idle = rssMiB(worker.pid);
    let peak = idle ?? 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(worker?.pid) ?? 0)), 100);
    const authorised = await postAdmin(ctx, `/admin/v1/statements/${id}/authorise-payment`);
    const started = nowMs();
    if (authorised.status !== 202) {
      clearInterval(sampler);
      throw new Error(`authorise-payment answered ${authorised.status}: ${authorised.text.slice(0, 300)}`);
    }
    let seconds: number | undefined;
    const deadline = started + limitS * 1000;
    while (nowMs() < deadline && worker.exitCode === null) {
      const { rows } = await client.query<{ state: string }>(
        'select state from finance.statements where id = $1',
        [id],
      );
      if (rows[0]?.state === 'paid') {
        seconds = (nowMs() - started) / 1000;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    clearInterval(sampler);
    await redis.connect();
    const job = await redis.hgetall(`${ctx.queuePrefix}:finance-payment-run:pay-${id}`);
    // The job finishes after the commit (it logs and publishes); wait for it, bounded.
    for (let i = 0; i < 100 && !job.finishedOn && !job.failedReason; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      Object.assign(job, await redis.hgetall(`${ctx.queuePrefix}:finance-payment-run:pay-${id}`));
    }
    const [after] = (
      await client.query<{ paid: string; clawed_back: string; events: string }>(
        `select count(*) filter (where d.state = 'paid') as paid,
                count(*) filter (where d.state = 'clawed_back') as clawed_back,
                (select count(*) from finance.outbox o where o.name = 'declaration.state-changed'
                   and o.aggregate_id in (select declaration_id from finance.statement_items where statement_id = $1)) as events
         from finance.declarations d where d.id in (select declaration_id from finance.statement_items where statement_id = $1)`,
        [id],
      )
    ).rows;
    return {
      statementId: id,
      payable: Number(counts?.payable ?? 0),
      awaitingClawback: Number(counts?.clawback ?? 0),
      seconds,
      jobSeconds:
        job.processedOn && job.finishedOn
          ? (Number(job.finishedOn) - Number(job.processedOn)) / 1000
          : undefined,
      jobFailedReason: job.failedReason || undefined,
      declarationsPaid: Number(after?.paid ?? 0),
      declarationsClawedBack: Number(after?.clawed_back ?? 0),
      eventsStaged: Number(after?.events ?? 0),
      workerIdleRssMiB: idle,
      workerPeakRssMiB: peak || undefined,
      floorSeconds,
      floorWithOutboxSeconds,
    };
  } finally {
    redis.disconnect();
    await client.end();
  }
}
