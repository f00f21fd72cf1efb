import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  assertFilterShape,
  badRequest,
  isUuid,
  list,
  notFound,
  now,
  parsePagination,
  requireAdmin,
  runIdempotent,
  scalarFilter,
  single,
  toRfc3339,
  unprocessable,
  type Query,
  type ServiceRuntime,
} from '@npq/service-kit';
import type { ApiComponents } from '@npq/contracts';
import { OutcomeRepository } from '../outcomes/repository';
import { DELIVERY_STATES, DeliveryRepository, type AttemptView, type DeliveryView } from './repository';
import type { DeliveryState } from './entity';

type Schemas = ApiComponents['schemas'];

export function serializeDelivery(d: DeliveryView): Schemas['OutcomeDelivery'] {
  return single(d.id, 'outcome-delivery' as const, {
    outcome_id: d.outcomeId,
    participant_id: d.participantId,
    trn: d.trn,
    course_identifier: d.courseIdentifier as Schemas['OutcomeCourseIdentifier'],
    qualification_type: d.qualificationType as Schemas['QualificationShortCode'],
    completion_date: d.completionDate,
    state: d.state,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    last_attempt_at: toRfc3339(d.lastAttemptAt),
    sent_at: toRfc3339(d.sentAt),
    created_at: toRfc3339(d.createdAt),
    updated_at: toRfc3339(d.updatedAt),
  }).data;
}

export function serializeAttempt(deliveryId: string, a: AttemptView): Schemas['OutcomeDeliveryAttempt'] {
  return single(a.seq, 'outcome-delivery-attempt' as const, {
    delivery_id: deliveryId,
    attempt: a.attempt,
    outcome: a.outcome,
    started_at: toRfc3339(a.startedAt),
    finished_at: toRfc3339(a.finishedAt),
    status_code: a.statusCode,
    error: a.error,
    response_excerpt: a.responseExcerpt,
  }).data;
}

/** Ops' view of DQT pushes and their attempts, and re-sending one. */
export function outcomeDeliveryRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  app.get('/admin/v1/outcome-deliveries', async (req) => {
    requireAdmin(req);
    const query = req.query as Query;
    assertFilterShape(query);
    const state = scalarFilter(query, 'state');
    if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) {
      throw badRequest(`The filter '#/state' must be one of ${DELIVERY_STATES.join(', ')}`);
    }
    const { limit, offset } = parsePagination(query);
    const rows = await new DeliveryRepository(req.em).list({
      state: state as DeliveryState | undefined,
      limit,
      offset,
    });
    return list(rows.map(serializeDelivery));
  });

  /** Every attempt of one delivery, interrupted ones included (docs/operations.md, "Guarantees"). */
  app.get<{ Params: { id: string } }>('/admin/v1/outcome-deliveries/:id/attempts', async (req) => {
    requireAdmin(req);
    const query = req.query as Query;
    assertFilterShape(query);
    const { limit, offset } = parsePagination(query);
    if (!isUuid(req.params.id)) throw notFound();
    const id = req.params.id.toLowerCase();
    const repo = new DeliveryRepository(req.em);
    if (!(await repo.findById(id))) throw notFound();
    const attempts = await repo.attemptsOf(id, { limit, offset });
    return list(attempts.map((a) => serializeAttempt(id, a)));
  });

  /**
   * Puts a failed (or stuck pending) delivery back in the queue under a new job id; the worker's sweep
   * queues it. A delivery already sent cannot be sent again, nor one whose outcome is no longer the latest
   * of its declaration (reference-and-finance §3.5: DfE re-sends only the latest outcome), so a pass that
   * was voided or failed afterwards never reaches DQT late.
   */
  app.post<{ Params: { id: string } }>('/admin/v1/outcome-deliveries/:id/retry', async (req, reply) => {
    requireAdmin(req);
    assertFilterShape(req.query as Query);
    if (!isUuid(req.params.id)) throw notFound();
    const id = req.params.id.toLowerCase();
    return runIdempotent(req, reply, runtime, async (em) => {
      const delivery = await em.transactional(async (tx) => {
        const repo = new DeliveryRepository(tx);
        const found = await repo.lockById(id);
        if (!found) throw notFound();
        if (found.state === 'sent')
          throw unprocessable([{ title: 'state', detail: 'The outcome delivery has already been sent' }]);
        // A pending one is still going out, in order, ahead of whatever superseded it: requeueing it is safe.
        const latest =
          found.state === 'failed' ? await new OutcomeRepository(tx).latestOf(found.declarationId) : null;
        if (latest && latest.id !== found.outcomeId) {
          throw unprocessable([
            {
              title: 'outcome_id',
              detail:
                'The outcome has been superseded by a later outcome of its declaration and cannot be re-sent',
            },
          ]);
        }
        await repo.requeue(id, `${found.outcomeId}-retry-${randomUUID().slice(0, 8)}`, now());
        return repo.findById(id);
      });
      return { status: 202, body: { data: serializeDelivery(delivery!) } };
    });
  });
}
