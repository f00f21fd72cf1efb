import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  badRequest,
  findForUpdate,
  isUuid,
  list,
  ListQuery,
  notFound,
  now,
  runIdempotent,
  unprocessable,
  type Query,
  assertFilterShape,
  requireAdmin,
  type ServiceRuntime,
} from '@npq/service-kit';
import { OutcomeRepository } from '../outcomes/repository';
import { requeue, retryFailedDeliveries } from './commands';
import { OutcomeDeliverySchema, type DeliveryState } from './entity';
import { DELIVERY_STATES, DeliveryRepository } from './repository';
import { retryRefusal } from './rules';
import { serializeAttempt, serializeDelivery } from './serializer';

/** Ops' view of DQT pushes and their attempts, and re-sending one. */
export function outcomeDeliveryRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  app.get('/admin/v1/outcome-deliveries', async (req) => {
    const q = ListQuery.forAdmin(req);
    const state = q.scalar('state');
    if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) {
      throw badRequest(`The filter '#/state' must be one of ${DELIVERY_STATES.join(', ')}`);
    }
    const deliveries = await new DeliveryRepository(req.em).list({
      state: state as DeliveryState | undefined,
      ...q.page(),
    });
    return list(deliveries.map(serializeDelivery));
  });

  /** Every attempt of one delivery, interrupted ones included (docs/operations.md, "Guarantees"). */
  app.get<{ Params: { id: string } }>('/admin/v1/outcome-deliveries/:id/attempts', async (req) => {
    const q = ListQuery.forAdmin(req);
    const page = q.page();
    if (!isUuid(req.params.id)) throw notFound();
    const id = req.params.id.toLowerCase();
    const repo = new DeliveryRepository(req.em);
    if (!(await repo.findById(id))) throw notFound();
    const attempts = await repo.attemptsOf(id, page);
    return list(attempts.map(serializeAttempt));
  });

  /** Every failed delivery that may go out again, back in the queue (dqt/commands.ts `retryFailedDeliveries`). */
  app.post('/admin/v1/outcome-deliveries/retry-failed', async (req, reply) => {
    requireAdmin(req);
    assertFilterShape(req.query as Query);
    return runIdempotent(req, reply, runtime, async (em) => {
      const queued = await retryFailedDeliveries(em, now());
      return { status: 202, body: { data: { type: 'outcome-delivery-retry', attributes: { queued } } } };
    });
  });

  /**
   * Puts a failed (or stuck pending) delivery back in the queue under a new job id; the worker's sweep
   * queues it. Refusals (already sent, superseded): dqt/rules.ts `retryRefusal`.
   */
  app.post<{ Params: { id: string } }>('/admin/v1/outcome-deliveries/:id/retry', async (req, reply) => {
    requireAdmin(req);
    assertFilterShape(req.query as Query);
    if (!isUuid(req.params.id)) throw notFound();
    return runIdempotent(req, reply, runtime, async (em) => {
      const delivery = await em.transactional(async (tx) => {
        const found = await findForUpdate(tx, OutcomeDeliverySchema, req.params.id);
        const latest =
          found.state === 'failed' ? await new OutcomeRepository(tx).latestOf(found.declarationId) : null;
        const refusal = retryRefusal(found, latest?.id ?? null);
        if (refusal) throw unprocessable([refusal]);
        await requeue(tx, found, `${found.outcomeId}-retry-${randomUUID().slice(0, 8)}`, now());
        return found;
      });
      return { status: 202, body: { data: serializeDelivery(delivery) } };
    });
  });
}
