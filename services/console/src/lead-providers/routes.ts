import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit';
import { UUID } from '../pagination';
import { page, renderError, setFlash } from '../views/render';

function idParam(req: FastifyRequest): string | undefined {
  const id = (req.params as { id: string }).id;
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

/** Page 7: lead providers, their API tokens (create, shown once; revoke) and webhook subscriptions. */
export function leadProviderRoutes(app: FastifyInstance): void {
  app.get('/lead-providers', async (req, reply) => {
    const api = req.consoleSession!.api;
    const [providers, tokens, subscriptions] = await Promise.all([
      api.leadProviders(),
      api.apiTokens(),
      api.webhookSubscriptions({}),
    ]);
    const rows = providers.map((p) => ({
      ...p,
      activeTokens: tokens.filter((t) => t.attributes.lead_provider_id === p.id && !t.attributes.revoked_at)
        .length,
      subscriptions: subscriptions.filter((s) => s.attributes.lead_provider_id === p.id).length,
      failing: subscriptions.filter(
        (s) => s.attributes.lead_provider_id === p.id && s.attributes.state === 'failing',
      ).length,
    }));
    return page(req, reply, 'lead-providers/index.njk', { title: 'Lead providers', providers: rows });
  });

  app.get('/lead-providers/:id', async (req, reply) => {
    const id = idParam(req);
    if (!id) return renderError(req, reply, 404);
    const api = req.consoleSession!.api;
    const [providers, tokens, subscriptions] = await Promise.all([
      api.leadProviders(),
      api.apiTokens(id),
      api.webhookSubscriptions({ leadProviderId: id }),
    ]);
    const provider = providers.find((p) => p.id === id);
    if (!provider) return renderError(req, reply, 404);
    return page(req, reply, 'lead-providers/show.njk', {
      title: provider.attributes.name,
      provider,
      tokens: [...tokens].reverse(),
      subscriptions,
    });
  });

  app.post('/lead-providers/:id/api-tokens', async (req, reply) => {
    const id = idParam(req);
    if (!id) return renderError(req, reply, 404);
    const created = await req.consoleSession!.api.createApiToken(id);
    audit(req, 'api-token.create', { lead_provider_id: id, api_token_id: created.id });
    // The token travels to the next page sealed in the session, and is gone once shown.
    await setFlash(req, {
      kind: 'success',
      title: 'API token created',
      secretLabel: 'Give this token to the lead provider:',
      secret: created.attributes.token,
    });
    return reply.redirect(`/lead-providers/${id}`, 303);
  });

  app.get('/api-tokens/:id/revoke', async (req, reply) => {
    const id = idParam(req);
    if (!id) return renderError(req, reply, 404);
    const api = req.consoleSession!.api;
    const [tokens, providers] = await Promise.all([api.apiTokens(), api.leadProviders()]);
    const token = tokens.find((t) => t.id === id);
    if (!token) return renderError(req, reply, 404);
    const provider = providers.find((p) => p.id === token.attributes.lead_provider_id);
    return page(req, reply, 'lead-providers/revoke.njk', { title: 'Revoke API token', token, provider });
  });

  app.post('/api-tokens/:id/revoke', async (req, reply) => {
    const id = idParam(req);
    if (!id) return renderError(req, reply, 404);
    const body = req.body as Record<string, unknown>;
    const providerId =
      typeof body.lead_provider_id === 'string' && UUID.test(body.lead_provider_id)
        ? body.lead_provider_id
        : undefined;
    await req.consoleSession!.api.revokeApiToken(id);
    audit(req, 'api-token.revoke', { api_token_id: id, lead_provider_id: providerId });
    await setFlash(req, { kind: 'success', title: 'API token revoked', text: 'It gets 401 from now on.' });
    return reply.redirect(providerId ? `/lead-providers/${providerId}` : '/lead-providers', 303);
  });
}
