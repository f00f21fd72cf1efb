import { randomUUID } from 'node:crypto';
import { courseByIdentifier, hasOutcomes } from '@npq/contracts';
import type { EntityManager } from '@npq/service-kit';
import type { OutcomeView } from '../outcomes/repository';
import type { AttemptOutcome, DeliveryState } from './entity';

export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'sent', 'failed'];

export interface DeliveryView {
  seq: string;
  id: string;
  outcomeId: string;
  declarationId: string;
  participantId: string;
  trn: string;
  courseIdentifier: string;
  qualificationType: string;
  completionDate: string | null;
  state: DeliveryState;
  jobId: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  seq: string;
  id: string;
  outcome_id: string;
  declaration_id: string;
  participant_id: string;
  trn: string;
  course_identifier: string;
  qualification_type: string;
  completion_date: string | null;
  state: DeliveryState;
  job_id: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `
  select d.seq, d.id, d.outcome_id, d.declaration_id, d.participant_id, d.trn, d.course_identifier, d.qualification_type,
    to_char(d.completion_date, 'YYYY-MM-DD') as completion_date, d.state, d.job_id, d.attempts, d.last_status_code,
    d.last_error, d.last_attempt_at, d.sent_at, d.created_at, d.updated_at
  from training.outcome_deliveries d`;

const date = (v: Date | null): Date | null => (v ? new Date(v) : null);

function toView(r: Row): DeliveryView {
  return {
    seq: String(r.seq),
    id: r.id,
    outcomeId: r.outcome_id,
    declarationId: r.declaration_id,
    participantId: r.participant_id,
    trn: r.trn,
    courseIdentifier: r.course_identifier,
    qualificationType: r.qualification_type,
    completionDate: r.completion_date,
    state: r.state,
    jobId: r.job_id,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    lastAttemptAt: date(r.last_attempt_at),
    sentAt: date(r.sent_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/** The answer to one attempt, recorded once it came (or the request failed). */
export interface AttemptResult {
  finishedAt: Date;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  /** The delivery's state after this attempt. */
  outcome: 'sent' | 'retry' | 'failed';
}

/** An attempt recorded as in flight, before its request goes out. */
export interface StartedAttempt {
  seq: string;
  attempt: number;
  /** Earlier attempts found still in flight: their worker died mid-request; now marked interrupted. */
  interrupted: number;
}

export const INTERRUPTED_ERROR = 'no answer recorded: the worker stopped while the request was in flight';

export class DeliveryRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Decides, in the outcome's transaction, whether DQT must hear about it (reference-and-finance §3.5:
   * the latest outcome of a declaration is pushed when it is a pass; a fail or void only to retract a pass
   * that was, or is about to be, pushed). Nothing for EHCO/ASO, nor for a person without a validated TRN.
   * Returns the delivery id, if one was written.
   */
  async planFor(outcome: OutcomeView): Promise<string | null> {
    const course = courseByIdentifier(outcome.courseIdentifier);
    if (!course || !hasOutcomes(course.identifier)) return null;
    const people: { trn: string | null; trn_verified: boolean }[] = await this.em.execute(
      `select trn, trn_verified from training.people where id = ?`,
      [outcome.participantId],
    );
    const person = people[0];
    if (!person?.trn_verified || !person.trn) return null;

    let completionDate: string | null = outcome.completionDate;
    if (outcome.state !== 'passed') {
      // A pass still pending goes out first (pushes of a participant are ordered), so retract it too.
      const passes: unknown[] = await this.em.execute(
        `select 1 from training.outcome_deliveries
         where declaration_id = ? and completion_date is not null and state in ('pending', 'sent') limit 1`,
        [outcome.declarationId],
      );
      if (passes.length === 0) return null;
      completionDate = null;
    }
    const id = randomUUID();
    await this.em.execute(
      `insert into training.outcome_deliveries (id, outcome_id, declaration_id, participant_id, trn, course_identifier,
         qualification_type, completion_date, state, job_id, attempts, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?::date, 'pending', ?, 0, ?, ?)
       on conflict (outcome_id) do nothing`,
      [
        id,
        outcome.id,
        outcome.declarationId,
        outcome.participantId,
        person.trn,
        course.identifier,
        course.shortCode,
        completionDate,
        outcome.id,
        outcome.createdAt,
        outcome.createdAt,
      ],
    );
    return id;
  }

  async findById(id: string): Promise<DeliveryView | null> {
    const rows: Row[] = await this.em.execute(`${SELECT} where d.id = ?`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async lockById(id: string): Promise<DeliveryView | null> {
    const rows: Row[] = await this.em.execute(`${SELECT} where d.id = ? for update`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async list(q: { state?: DeliveryState; limit: number; offset: number }): Promise<DeliveryView[]> {
    const rows: Row[] = q.state
      ? await this.em.execute(`${SELECT} where d.state = ? order by d.created_at, d.id limit ? offset ?`, [
          q.state,
          q.limit,
          q.offset,
        ])
      : await this.em.execute(`${SELECT} order by d.created_at, d.id limit ? offset ?`, [q.limit, q.offset]);
    return rows.map(toView);
  }

  /** Pending deliveries, oldest first: what the sweep (re)queues. */
  async pending(limit: number): Promise<DeliveryView[]> {
    const rows: Row[] = await this.em.execute(`${SELECT} where d.state = 'pending' order by d.seq limit ?`, [
      limit,
    ]);
    return rows.map(toView);
  }

  /** True when an older push of the same participant is still pending (it must go out first). */
  async hasOlderPending(delivery: DeliveryView): Promise<boolean> {
    const rows: unknown[] = await this.em.execute(
      `select 1 from training.outcome_deliveries where participant_id = ? and state = 'pending' and seq < ? limit 1`,
      [delivery.participantId, delivery.seq],
    );
    return rows.length > 0;
  }

  /**
   * Claims a pending delivery for one job run for `leaseMs`: false when it is no longer pending or another
   * run holds it (a job BullMQ thought stalled and restarted while the first run is still sending). The
   * lease outlives one request, so a run that dies mid-request frees it by expiry.
   */
  async claim(id: string, leaseMs: number): Promise<boolean> {
    const rows: unknown[] = await this.em.execute(
      `update training.outcome_deliveries set claimed_until = now() + make_interval(secs => ?)
       where id = ? and state = 'pending' and (claimed_until is null or claimed_until < now()) returning id`,
      [leaseMs / 1000, id],
    );
    return rows.length > 0;
  }

  /**
   * Records an attempt as in flight, before its request is sent (the caller commits first): a worker that
   * dies mid-request leaves an attempt without an answer, which the next run marks `interrupted` here, so
   * a re-send of a push DQT may already have is visible and counted. Null when the delivery is no longer
   * pending (nothing to send).
   */
  async startAttempt(deliveryId: string, startedAt: Date): Promise<StartedAttempt | null> {
    const interrupted: unknown[] = await this.em.execute(
      `update training.outcome_delivery_attempts set outcome = 'interrupted', error = coalesce(error, ?)
       where delivery_id = ? and outcome = 'in_flight' returning seq`,
      [INTERRUPTED_ERROR, deliveryId],
    );
    const counted: { attempts: number }[] = await this.em.execute(
      `update training.outcome_deliveries set attempts = attempts + 1, last_attempt_at = ?, updated_at = ?
       where id = ? and state = 'pending' returning attempts`,
      [startedAt, startedAt, deliveryId],
    );
    const attempt = counted[0]?.attempts;
    if (attempt === undefined) return null;
    const rows: { seq: string }[] = await this.em.execute(
      `insert into training.outcome_delivery_attempts (delivery_id, attempt, outcome, started_at)
       values (?, ?, 'in_flight', ?) returning seq`,
      [deliveryId, attempt, startedAt],
    );
    return { seq: String(rows[0]!.seq), attempt, interrupted: interrupted.length };
  }

  /**
   * Records an attempt's answer and its effect. Only a pending delivery changes state, so a push that
   * succeeds twice (a worker stopped mid-request, then the job resumed) is recorded as sent once.
   */
  async finishAttempt(deliveryId: string, attemptSeq: string, a: AttemptResult): Promise<void> {
    await this.em.execute(
      `update training.outcome_delivery_attempts set outcome = ?, finished_at = ?, status_code = ?, error = ?,
         response_excerpt = ?
       where seq = ?`,
      [a.outcome, a.finishedAt, a.statusCode, a.error, a.responseExcerpt, attemptSeq],
    );
    const state = a.outcome;
    await this.em.execute(
      `update training.outcome_deliveries set last_status_code = ?, last_error = ?, last_attempt_at = ?, updated_at = ?,
         claimed_until = null,
         state = case when state = 'pending' then ? else state end,
         sent_at = case when state = 'pending' then ?::timestamptz else sent_at end
       where id = ?`,
      [
        a.statusCode,
        a.error,
        a.finishedAt,
        a.finishedAt,
        state === 'retry' ? 'pending' : state,
        a.outcome === 'sent' ? a.finishedAt : null,
        deliveryId,
      ],
    );
  }

  /** Gives up on a pending delivery without an HTTP attempt (e.g. retries exhausted elsewhere). */
  async markFailed(id: string, error: string, at: Date): Promise<void> {
    await this.em.execute(
      `update training.outcome_deliveries set state = 'failed', last_error = ?, updated_at = ? where id = ? and state = 'pending'`,
      [error, at, id],
    );
  }

  /** Admin retry: pending again, under a new job id (the old job, if any, then finds it is not its own). */
  async requeue(id: string, jobId: string, at: Date): Promise<void> {
    await this.em.execute(
      `update training.outcome_deliveries set state = 'pending', job_id = ?, updated_at = ? where id = ?`,
      [jobId, at, id],
    );
  }

  /** Every attempt of a delivery, oldest first (ops). */
  async attemptsOf(deliveryId: string, page = { limit: 3000, offset: 0 }): Promise<AttemptView[]> {
    const rows: AttemptRow[] = await this.em.execute(
      `select seq, attempt, outcome, started_at, finished_at, status_code, error, response_excerpt
       from training.outcome_delivery_attempts where delivery_id = ? order by seq limit ? offset ?`,
      [deliveryId, page.limit, page.offset],
    );
    return rows.map((r) => ({
      seq: String(r.seq),
      attempt: r.attempt,
      outcome: r.outcome,
      startedAt: new Date(r.started_at),
      finishedAt: date(r.finished_at),
      statusCode: r.status_code,
      error: r.error,
      responseExcerpt: r.response_excerpt,
    }));
  }
}

interface AttemptRow {
  seq: string;
  attempt: number;
  outcome: AttemptOutcome;
  started_at: Date;
  finished_at: Date | null;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
}

export interface AttemptView {
  seq: string;
  attempt: number;
  outcome: AttemptOutcome;
  startedAt: Date;
  finishedAt: Date | null;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}
