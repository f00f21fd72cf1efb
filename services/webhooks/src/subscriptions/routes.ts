import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  badRequest,
  DATA_STRUCTURE_REQUIRED,
  isUuid,
  list,
  ListQuery,
  notFound,
  requireAdmin,
  requireLeadProvider,
  assertFilterShape,
  type Query,
  type ServiceRuntime,
} from '@npq/service-kit';
import { queuePing } from '../deliveries/commands';
import { serializeDelivery } from '../deliveries/serializer';
import { createSubscription, deleteSubscription, disableSubscription, rotateSecret } from './commands';
import type { SubscriptionState } from './entity';
import { SubscriptionRepository } from './repository';
import type { Resolver } from './rules';
import { serializeSubscription, serializeSubscriptionForAdmin } from './serializer';

const STATES: readonly SubscriptionState[] = ['active', 'failing', 'disabled'];

type WithId = { Params: { id: string } };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{ data: { attributes: {...} } }`, DfE's request shape; anything else is DfE's 400. */
function attributesOf(req: FastifyRequest): Record<string, unknown> {
  const body = req.body;
  if (!isObject(body) || !isObject(body.data) || !isObject(body.data.attributes)) {
    throw badRequest(DATA_STRUCTURE_REQUIRED);
  }
  return body.data.attributes;
}

function ownId(req: FastifyRequest<WithId>): { leadProviderId: string; id: string } {
  const leadProviderId = requireLeadProvider(req);
  assertFilterShape(req.query as Query);
  if (!isUuid(req.params.id)) throw notFound();
  return { leadProviderId, id: req.params.id.toLowerCase() };
}

/** Provider subscription management (docs/webhooks.md) and the admin list and disable. */
export function subscriptionRoutes(
  app: FastifyInstance,
  runtime: ServiceRuntime,
  options: { resolve?: Resolver } = {},
): void {
  const sandbox = runtime.config.SANDBOX;

  app.get('/api/v3/webhook-subscriptions', async (req) => {
    const q = ListQuery.forProvider(req);
    const subs = await new SubscriptionRepository(req.em).list({
      leadProviderId: q.leadProviderId,
      ...q.page(),
    });
    return list(subs.map((s) => serializeSubscription(s)));
  });

  app.post('/api/v3/webhook-subscriptions', async (req, reply) => {
    const leadProviderId = requireLeadProvider(req);
    assertFilterShape(req.query as Query);
    const attributes = attributesOf(req);
    const sub = await createSubscription(
      req.em,
      leadProviderId,
      { url: attributes.url, eventTypes: attributes.event_types },
      { sandbox, resolve: options.resolve },
    );
    return reply.code(201).send({ data: serializeSubscription(sub, true) });
  });

  app.get<WithId>('/api/v3/webhook-subscriptions/:id', async (req) => {
    const { leadProviderId, id } = ownId(req);
    const sub = await new SubscriptionRepository(req.em).findOwned(leadProviderId, id);
    if (!sub) throw notFound();
    return { data: serializeSubscription(sub) };
  });

  app.delete<WithId>('/api/v3/webhook-subscriptions/:id', async (req, reply) => {
    const { leadProviderId, id } = ownId(req);
    await deleteSubscription(req.em, leadProviderId, id);
    return reply.code(204).send();
  });

  app.post<WithId>('/api/v3/webhook-subscriptions/:id/rotate-secret', async (req) => {
    const { leadProviderId, id } = ownId(req);
    return { data: serializeSubscription(await rotateSecret(req.em, leadProviderId, id), true) };
  });

  app.post<WithId>('/api/v3/webhook-subscriptions/:id/ping', async (req, reply) => {
    const { leadProviderId, id } = ownId(req);
    const sub = await new SubscriptionRepository(req.em).findOwned(leadProviderId, id);
    if (!sub) throw notFound();
    return reply.code(202).send({ data: serializeDelivery(await queuePing(req.em, sub)) });
  });

  app.get('/admin/v1/webhook-subscriptions', async (req) => {
    const q = ListQuery.forAdmin(req);
    const state = q.scalar('state');
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
      throw badRequest(`The filter '#/state' must be one of ${STATES.join(', ')}`);
    }
    const leadProvider = q.uuids('lead_provider_id');
    const subs = await new SubscriptionRepository(req.em).list({
      state: state as SubscriptionState | undefined,
      leadProviderId: leadProvider?.[0],
      ...q.page(),
    });
    return list(subs.map(serializeSubscriptionForAdmin));
  });

  app.post<WithId>('/admin/v1/webhook-subscriptions/:id/disable', async (req) => {
    requireAdmin(req);
    assertFilterShape(req.query as Query);
    if (!isUuid(req.params.id)) throw notFound();
    return {
      data: serializeSubscriptionForAdmin(await disableSubscription(req.em, req.params.id.toLowerCase())),
    };
  });
}
