import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/postgresql';
import type { EntityManager } from '@npq/service-kit';
import { OutcomeRepository, type OutcomeView } from '../outcomes/repository';
import { PersonRepository } from '../people/repository';
import { OutcomeDeliveryAttemptSchema, OutcomeDeliverySchema, type OutcomeDelivery } from './entity';
import { DeliveryRepository } from './repository';
import { pushFor, retryRefusal, stateAfterAttempt, type Verdict } from './rules';

/**
 * Decides, in the outcome's transaction, whether DQT must hear about it (rules.ts `pushFor`) and writes its
 * delivery if so, so an outcome that exists always has the delivery it needs. Returns the delivery id.
 */
export async function planDelivery(em: EntityManager, outcome: OutcomeView): Promise<string | null> {
  const person = await new PersonRepository(em).findById(outcome.participantId);
  const passPushed =
    outcome.state !== 'passed' && (await new DeliveryRepository(em).passPushed(outcome.declarationId));
  const plan = pushFor(outcome, person, passPushed);
  if (!plan) return null;
  const delivery = em.create(OutcomeDeliverySchema, {
    id: randomUUID(),
    outcomeId: outcome.id,
    declarationId: outcome.declarationId,
    participantId: outcome.participantId,
    ...plan,
    state: 'pending',
    jobId: outcome.id,
    attempts: 0,
    createdAt: outcome.createdAt,
    updatedAt: outcome.createdAt,
  });
  await em.flush();
  return delivery.id;
}

/** An attempt recorded as in flight, before its request goes out. */
export interface StartedAttempt {
  seq: string;
  attempt: number;
  /** Earlier attempts found still in flight: their worker died mid-request; now marked interrupted. */
  interrupted: number;
}

export const INTERRUPTED_ERROR = 'no answer recorded: the worker stopped while the request was in flight';

/**
 * Records an attempt as in flight, before its request is sent (the caller's transaction commits first): a
 * worker that dies mid-request leaves an attempt without an answer, which the next run marks `interrupted`
 * here, so a re-send of a push DQT may already have is visible and counted. Null when the delivery is no
 * longer pending (nothing to send).
 */
export async function startAttempt(
  em: EntityManager,
  deliveryId: string,
  startedAt: Date,
): Promise<StartedAttempt | null> {
  const unanswered = await em.find(OutcomeDeliveryAttemptSchema, { deliveryId, outcome: 'in_flight' });
  for (const a of unanswered) {
    a.outcome = 'interrupted';
    a.error ??= INTERRUPTED_ERROR;
  }
  const delivery = await em.findOne(
    OutcomeDeliverySchema,
    { id: deliveryId, state: 'pending' },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (!delivery) {
    await em.flush();
    return null;
  }
  delivery.attempts += 1;
  delivery.lastAttemptAt = startedAt;
  delivery.updatedAt = startedAt;
  const attempt = em.create(OutcomeDeliveryAttemptSchema, {
    deliveryId,
    attempt: delivery.attempts,
    outcome: 'in_flight',
    startedAt,
  });
  await em.flush();
  return { seq: attempt.seq, attempt: attempt.attempt, interrupted: unanswered.length };
}

/** The answer to one attempt, recorded once it came (or the request failed). */
export interface AttemptResult {
  finishedAt: Date;
  verdict: Verdict;
}

/**
 * Records an attempt's answer and its effect. Only a pending delivery changes state, so a push that
 * succeeds twice (a worker stopped mid-request, then the job resumed) is recorded as sent once.
 */
export async function finishAttempt(
  em: EntityManager,
  deliveryId: string,
  attemptSeq: string,
  { finishedAt, verdict }: AttemptResult,
): Promise<void> {
  const attempt = await em.findOneOrFail(OutcomeDeliveryAttemptSchema, { seq: attemptSeq });
  Object.assign(attempt, {
    outcome: verdict.state,
    finishedAt,
    statusCode: verdict.statusCode,
    error: verdict.error,
    responseExcerpt: verdict.excerpt,
  });
  const delivery = await em.findOneOrFail(
    OutcomeDeliverySchema,
    { id: deliveryId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  const wasPending = delivery.state === 'pending';
  Object.assign(delivery, {
    lastStatusCode: verdict.statusCode,
    lastError: verdict.error,
    lastAttemptAt: finishedAt,
    updatedAt: finishedAt,
    claimedUntil: null,
    state: stateAfterAttempt(delivery.state, verdict.state),
  });
  if (wasPending) delivery.sentAt = verdict.state === 'sent' ? finishedAt : null;
  await em.flush();
}

/** Gives up on a pending delivery without an HTTP attempt (e.g. retries exhausted elsewhere). */
export async function markFailed(em: EntityManager, id: string, error: string, at: Date): Promise<void> {
  await em.nativeUpdate(
    OutcomeDeliverySchema,
    { id, state: 'pending' },
    { state: 'failed', lastError: error, updatedAt: at },
  );
}

/** Pending again, under a new job id (the old job, if any, then finds it is not its own). */
export async function requeue(
  em: EntityManager,
  delivery: OutcomeDelivery,
  jobId: string,
  at: Date,
): Promise<void> {
  Object.assign(delivery, { state: 'pending', jobId, updatedAt: at });
  await em.flush();
}

/**
 * Puts every failed delivery that may go out again (rules.ts `retryRefusal`: its outcome is still the latest
 * of its declaration) back in the queue, each under a new job id, as the one-by-one retry does; the sweep
 * queues them. Rows are locked (`skip locked`: one a concurrent retry holds is that retry's). Returns how
 * many were queued again.
 */
export async function retryFailedDeliveries(em: EntityManager, at: Date): Promise<number> {
  return em.transactional(async (tx) => {
    const failed = await tx.find(
      OutcomeDeliverySchema,
      { state: 'failed' },
      { orderBy: { seq: 'asc' }, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
    );
    const outcomes = new OutcomeRepository(tx);
    let queued = 0;
    for (const delivery of failed) {
      const latest = await outcomes.latestOf(delivery.declarationId);
      if (retryRefusal(delivery, latest?.id ?? null)) continue;
      await requeue(tx, delivery, `${delivery.outcomeId}-retry-${randomUUID().slice(0, 8)}`, at);
      queued++;
    }
    return queued;
  });
}
