import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit';
import { GatewayError } from '../gateway/client';
import type { OutcomeDeliveryState } from '../gateway/types';
import { pageNumber, pagination, param, UUID } from '../pagination';
import { page, renderError, setFlash } from '../views/render';

const STATES: OutcomeDeliveryState[] = ['failed', 'pending', 'sent'];
const PER_PAGE = 50;

function deliveryId(req: FastifyRequest): string | undefined {
  const id = (req.params as { id: string }).id;
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

/** Page 4: outcome pushes to DQT by state, each one's attempts, and re-sending (docs/console.md). */
export function outcomeDeliveryRoutes(app: FastifyInstance): void {
  app.get('/outcome-deliveries', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const stateParam = param(query, 'state');
    const state = STATES.find((s) => s === stateParam) ?? (stateParam === 'all' ? undefined : 'failed');
    const current = pageNumber(query.page);
    const deliveries = await req.consoleSession!.api.outcomeDeliveries(state, {
      page: current,
      perPage: PER_PAGE,
    });
    return page(req, reply, 'outcome-deliveries/index.njk', {
      title: 'DQT deliveries',
      state: state ?? 'all',
      states: [...STATES, 'all'],
      deliveries,
      pagination: pagination(
        '/outcome-deliveries',
        { state: state ?? 'all' },
        current,
        deliveries.length === PER_PAGE,
      ),
    });
  });

  app.get('/outcome-deliveries/:id', async (req, reply) => {
    const id = deliveryId(req);
    if (!id) return renderError(req, reply, 404);
    const api = req.consoleSession!.api;
    const [delivery, attempts] = await Promise.all([
      api.outcomeDelivery(id),
      api.outcomeDeliveryAttempts(id),
    ]);
    if (!delivery) return renderError(req, reply, 404);
    return page(req, reply, 'outcome-deliveries/show.njk', {
      title: 'DQT delivery',
      delivery,
      attempts,
      idempotencyKey: randomUUID(),
    });
  });

  app.post('/outcome-deliveries/:id/retry', async (req, reply) => {
    const id = deliveryId(req);
    if (!id) return renderError(req, reply, 404);
    const key = (req.body as Record<string, unknown>).idempotency_key;
    try {
      await req.consoleSession!.api.retryOutcomeDelivery(
        id,
        typeof key === 'string' && UUID.test(key) ? key : randomUUID(),
      );
    } catch (err) {
      if (err instanceof GatewayError && err.status === 422) {
        audit(req, 'outcome-delivery.retry', { delivery_id: id }, 'refused', { status: 422 });
        await setFlash(req, { kind: 'important', title: 'Not re-sent', text: err.message });
        return reply.redirect(`/outcome-deliveries/${id}`, 303);
      }
      throw err;
    }
    audit(req, 'outcome-delivery.retry', { delivery_id: id });
    await setFlash(req, {
      kind: 'success',
      title: 'Delivery queued again',
      text: 'The DQT push worker sends it shortly; its attempts appear below.',
    });
    return reply.redirect(`/outcome-deliveries/${id}`, 303);
  });

  app.post('/outcome-deliveries/retry-failed', async (req, reply) => {
    const queued = await req.consoleSession!.api.retryFailedOutcomeDeliveries();
    audit(req, 'outcome-delivery.retry-failed', { queued });
    await setFlash(req, {
      kind: 'success',
      title: `${queued} failed ${queued === 1 ? 'delivery' : 'deliveries'} queued again`,
    });
    return reply.redirect('/outcome-deliveries?state=failed', 303);
  });
}
