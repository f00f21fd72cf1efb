import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit';
import type { WebhookSubscriptionState } from '../gateway/types';
import { param, UUID } from '../pagination';
import { page, renderError, setFlash } from '../views/render';

const STATES: WebhookSubscriptionState[] = ['active', 'failing', 'disabled'];

function idParam(req: FastifyRequest): string | undefined {
  const id = (req.params as { id: string }).id;
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

/** Page 7 (continued): every provider's webhook subscriptions and their delivery health (docs/webhooks.md). */
export function webhookSubscriptionRoutes(app: FastifyInstance): void {
  app.get('/webhook-subscriptions', async (req, reply) => {
    const stateParam = param(req.query, 'state');
    const state = STATES.find((s) => s === stateParam);
    const api = req.consoleSession!.api;
    const [subscriptions, providers] = await Promise.all([
      api.webhookSubscriptions({ state }),
      api.leadProviders(),
    ]);
    return page(req, reply, 'webhook-subscriptions/index.njk', {
      title: 'Webhook subscriptions',
      state: state ?? 'all',
      states: [...STATES, 'all'],
      subscriptions,
      names: Object.fromEntries(providers.map((p) => [p.id, p.attributes.name])),
    });
  });

  app.post('/webhook-subscriptions/:id/disable', async (req, reply) => {
    const id = idParam(req);
    if (!id) return renderError(req, reply, 404);
    await req.consoleSession!.api.disableWebhookSubscription(id);
    audit(req, 'webhook-subscription.disable', { webhook_subscription_id: id });
    await setFlash(req, {
      kind: 'success',
      title: 'Subscription disabled',
      text: 'Nothing more is sent to it.',
    });
    const back = (req.body as Record<string, unknown>).lead_provider_id;
    return reply.redirect(
      typeof back === 'string' && UUID.test(back) ? `/lead-providers/${back}` : '/webhook-subscriptions',
      303,
    );
  });
}
