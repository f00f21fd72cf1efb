import type { FastifyInstance } from 'fastify';
import {
  badRequest,
  isUuid,
  list,
  ListQuery,
  notFound,
  requireLeadProvider,
  assertFilterShape,
  unprocessable,
  type Query,
} from '@npq/service-kit';
import { SubscriptionRepository } from '../subscriptions/repository';
import { redeliver } from './commands';
import type { DeliveryState } from './entity';
import { DELIVERY_STATES, DeliveryRepository } from './repository';
import { serializeAttempt, serializeDelivery } from './serializer';

type Params = { Params: { id: string; delivery_id: string } };

/** A provider's deliveries, their attempts, and redelivery (docs/webhooks.md, "Delivery"). */
export function deliveryRoutes(app: FastifyInstance): void {
  app.get<{ Params: { id: string } }>('/api/v3/webhook-subscriptions/:id/deliveries', async (req) => {
    const q = ListQuery.forProvider(req);
    const state = q.scalar('state');
    if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) {
      throw badRequest(`The filter '#/state' must be one of ${DELIVERY_STATES.join(', ')}`);
    }
    const page = q.page();
    if (!isUuid(req.params.id)) throw notFound();
    const sub = await new SubscriptionRepository(req.em).findOwned(
      q.leadProviderId,
      req.params.id.toLowerCase(),
    );
    if (!sub) throw notFound();
    const deliveries = await new DeliveryRepository(req.em).listOfSubscription(sub.id, {
      state: state as DeliveryState | undefined,
      ...page,
    });
    return list(deliveries.map(serializeDelivery));
  });

  app.get<Params>('/api/v3/webhook-subscriptions/:id/deliveries/:delivery_id/attempts', async (req) => {
    const q = ListQuery.forProvider(req);
    const page = q.page();
    if (!isUuid(req.params.id) || !isUuid(req.params.delivery_id)) throw notFound();
    const sub = await new SubscriptionRepository(req.em).findOwned(
      q.leadProviderId,
      req.params.id.toLowerCase(),
    );
    if (!sub) throw notFound();
    const repo = new DeliveryRepository(req.em);
    const d = await repo.findOfSubscription(sub.id, req.params.delivery_id.toLowerCase());
    if (!d) throw notFound();
    return list((await repo.attemptsOf(d.id, page)).map(serializeAttempt));
  });

  app.post<Params>(
    '/api/v3/webhook-subscriptions/:id/deliveries/:delivery_id/redeliver',
    async (req, reply) => {
      const leadProviderId = requireLeadProvider(req);
      assertFilterShape(req.query as Query);
      if (!isUuid(req.params.id) || !isUuid(req.params.delivery_id)) throw notFound();
      const body = await req.em.transactional(async (tx) => {
        const sub = await new SubscriptionRepository(tx).findOwned(
          leadProviderId,
          req.params.id.toLowerCase(),
        );
        if (!sub) throw notFound();
        const d = await new DeliveryRepository(tx).findOfSubscription(
          sub.id,
          req.params.delivery_id.toLowerCase(),
        );
        if (!d) throw notFound();
        if (d.state === 'pending') {
          throw unprocessable([
            { title: 'delivery', detail: 'The delivery is still pending: it will be retried' },
          ]);
        }
        return { data: serializeDelivery(await redeliver(tx, d)) };
      });
      return reply.code(202).send(body);
    },
  );
}
