import type { FastifyInstance } from 'fastify';
import { API_TOKEN_SCOPES, type ApiTokenScope } from '@npq/contracts';
import {
  badRequest,
  isUuid,
  list,
  notFound,
  parsePagination,
  scalarFilter,
  type Query,
} from '@npq/service-kit';
import type { TokenCache } from '../auth/token-cache';
import { LeadProviderRepository } from '../lead-providers/repository';
import { ApiTokenRepository, type ApiTokenFilters } from './repository';
import { serializeApiToken, serializeCreatedToken } from './serializer';
import { digestToken, generateToken } from './token-digest';

/**
 * `filter[lead_provider_id]` and `filter[scope]` of the token list. An unknown scope is a 400, as the admin
 * statements' `state`; a lead provider id that is not a UUID matches nothing (null: answer an empty page).
 */
function readListFilters(query: Query): ApiTokenFilters | null {
  const scope = scalarFilter(query, 'scope');
  if (scope !== undefined && !(API_TOKEN_SCOPES as readonly string[]).includes(scope)) {
    throw badRequest(`The filter '#/scope' must be one of ${API_TOKEN_SCOPES.join(', ')}`);
  }
  const leadProviderId = scalarFilter(query, 'lead_provider_id');
  if (leadProviderId !== undefined && !isUuid(leadProviderId)) return null;
  return { leadProviderId: leadProviderId?.toLowerCase(), scope: scope as ApiTokenScope | undefined };
}

export function tokenRoutes(app: FastifyInstance, hmacSecret: string, cache: TokenCache): void {
  app.post<{ Params: { id: string } }>('/admin/v1/lead-providers/:id/api-tokens', async (req, reply) => {
    if (!isUuid(req.params.id)) throw notFound();
    const lp = await new LeadProviderRepository(req.em).findById(req.params.id);
    if (!lp) throw notFound();
    const clear = generateToken();
    const token = await new ApiTokenRepository(req.em).insert(
      digestToken(hmacSecret, clear),
      'lead_provider',
      lp.id,
    );
    return reply.status(201).send(serializeCreatedToken(token, clear));
  });

  app.post('/admin/v1/teacher-record-service/api-tokens', async (req, reply) => {
    const clear = generateToken();
    const token = await new ApiTokenRepository(req.em).insert(
      digestToken(hmacSecret, clear),
      'teacher_record_service',
      null,
    );
    return reply.status(201).send(serializeCreatedToken(token, clear));
  });

  app.get('/admin/v1/api-tokens', async (req) => {
    const query = req.query as Query;
    const { limit, offset } = parsePagination(query);
    const filters = readListFilters(query);
    if (!filters) return list([]);
    const rows = await new ApiTokenRepository(req.em).list(filters, limit, offset);
    return list(rows.map(serializeApiToken));
  });

  app.delete<{ Params: { id: string } }>('/admin/v1/api-tokens/:id', async (req, reply) => {
    if (!isUuid(req.params.id)) throw notFound();
    const repo = new ApiTokenRepository(req.em);
    const token = await repo.findById(req.params.id);
    if (!token) throw notFound();
    await repo.revoke(token, new Date());
    await cache.revoke(token.id);
    return reply.status(204).send();
  });
}
