/**
 * The bare baseline, started by run.ts beside the system: Fastify + `pg` and nothing else (no gateway, no
 * ORM, no kit, no auth, no validation, no serialiser schema). It runs the same SQL as the applications
 * service for the list and show routes (copied from services/applications/src/applications/repository.ts;
 * run.ts checks that both return the same application ids), and a write route that inserts one row and one
 * outbox row in a transaction, which is the least any command can do. Every scenario of the benchmark is
 * reported as a ratio to one of these, measured in the same run on the same machine.
 *
 * Environment: BARE_PORT, BARE_DATABASE_URL, BARE_POOL (default 10, as the services' pools).
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const ALTERNATIVES = `('npq-additional-support-offer', 'npq-early-headship-coaching-offer')`;

export const BARE_SELECT = `
  select a.id, a.person_id, a.course_identifier, a.cohort_start_year, a.cohort_suffix, a.status,
    a.reason_for_rejection, a.eligible_for_funding, a.funding_eligibility_status_code,
    a.targeted_delivery_funding_eligibility, a.funding_choice, a.school_urn, a.school_ukprn,
    a.private_childcare_provider_urn, a.works_in_school, a.employer_name, a.employment_role,
    a.headteacher_status, a.teacher_catchment, a.teacher_catchment_country,
    a.teacher_catchment_iso_country_code, a.itt_provider, a.lead_mentor, a.works_as_senco,
    to_char(a.senco_start_date, 'YYYY-MM-DD') as senco_start_date, a.funded_place, a.schedule_identifier,
    a.created_at, a.updated_at, p.full_name, p.email, p.trn, p.trn_verified, p.significantly_updated_at,
    exists (
      select 1 from applications.applications o
      where o.person_id = a.person_id and o.id <> a.id and o.status = 'accepted' and o.eligible_for_funding
        and (o.funded_place is null or o.funded_place)
        and (o.course_identifier = a.course_identifier
             or (a.course_identifier in ${ALTERNATIVES} and o.course_identifier in ${ALTERNATIVES}))) as previously_funded
  from applications.applications a
  join applications.people p on p.id = a.person_id`;

/** The list query of the default sort (created_at, id), as the service sends it. */
export const BARE_LIST = `with page as (
    select a.id, row_number() over (order by a.created_at asc, a.id asc) as position
    from applications.applications a where a.lead_provider_id = $1 order by a.created_at asc, a.id asc limit $2 offset $3
  )
  ${BARE_SELECT} join page on page.id = a.id order by page.position`;

export const BARE_SHOW = `${BARE_SELECT} where a.id = $1 and a.lead_provider_id = $2`;

/** Tables of the write baseline, in a schema of their own in the benchmark database. */
export const BARE_SCHEMA_SQL = `
create schema if not exists bench_bare;
create table if not exists bench_bare.declarations (
  id uuid primary key, participant_id uuid not null, lead_provider_id uuid not null,
  declaration_type text not null, declaration_date timestamptz not null, course_identifier text not null,
  state text not null, created_at timestamptz not null, updated_at timestamptz not null);
create table if not exists bench_bare.outbox (
  seq bigserial primary key, id uuid not null unique, name varchar(100) not null, subject varchar(200) not null,
  aggregate_id uuid not null, envelope jsonb not null, created_at timestamptz not null default now(),
  published_at timestamptz null, attempts int not null default 0);
create index if not exists bare_outbox_unpublished_idx on bench_bare.outbox (seq) where published_at is null;
`;

interface DeclarationBody {
  data?: { attributes?: Record<string, string> };
}

async function main(): Promise<void> {
  const pool = new pg.Pool({
    connectionString: process.env.BARE_DATABASE_URL,
    max: Number(process.env.BARE_POOL ?? 10),
  });
  const app = Fastify({ logger: false });

  app.get<{ Querystring: { lp: string; limit?: string; offset?: string } }>('/list', async (req) => {
    const { rows } = await pool.query(BARE_LIST, [
      req.query.lp,
      Number(req.query.limit ?? 100),
      Number(req.query.offset ?? 0),
    ]);
    return { data: rows };
  });

  app.get<{ Params: { id: string }; Querystring: { lp: string } }>('/show/:id', async (req, reply) => {
    const { rows } = await pool.query(BARE_SHOW, [req.params.id, req.query.lp]);
    if (rows.length === 0) return reply.code(404).send({ error: 'not found' });
    return { data: rows[0] };
  });

  app.post<{ Body: DeclarationBody }>('/write', async (req) => {
    const a = req.body?.data?.attributes ?? {};
    const id = randomUUID();
    const now = new Date();
    const row = {
      id,
      participant_id: a.participant_id ?? randomUUID(),
      lead_provider_id: a.lead_provider_id ?? randomUUID(),
      declaration_type: a.declaration_type ?? 'started',
      declaration_date: a.declaration_date ?? now.toISOString(),
      course_identifier: a.course_identifier ?? 'npq-headship',
      state: 'submitted',
    };
    const envelope = {
      id: randomUUID(),
      name: 'declaration.created',
      producer: 'bare',
      occurredAt: now.toISOString(),
      aggregateId: id,
      aggregateVersion: 1,
      data: row,
    };
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(
        `insert into bench_bare.declarations (id, participant_id, lead_provider_id, declaration_type,
           declaration_date, course_identifier, state, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
        [
          row.id,
          row.participant_id,
          row.lead_provider_id,
          row.declaration_type,
          row.declaration_date,
          row.course_identifier,
          row.state,
          now,
        ],
      );
      await client.query(
        `insert into bench_bare.outbox (id, name, subject, aggregate_id, envelope, created_at) values ($1, $2, $3, $4, $5, $6)`,
        [envelope.id, envelope.name, 'bare.declaration.created', id, JSON.stringify(envelope), now],
      );
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    return { data: { id, type: 'participant-declaration', attributes: row } };
  });

  app.get('/health', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: Number(process.env.BARE_PORT) });
  const stop = () => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.env.BARE_PORT) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `bare server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
