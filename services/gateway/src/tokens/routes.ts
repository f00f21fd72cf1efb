import type { FastifyInstance } from 'fastify';
import { isUuid, notFound, single, toRfc3339 } from '@npq/service-kit';
import type { TokenCache } from '../auth/token-cache';
import { LeadProviderRepository } from '../lead-providers/repository';
import type { ApiToken } from './entity';
import { ApiTokenRepository } from './repository';
import { digestToken, generateToken } from './token-digest';

function serializeCreatedToken(token: ApiToken, clear: string) {
  return single(token.id, 'api-token' as const, {
    token: clear,
    scope: token.scope,
    lead_provider_id: token.leadProviderId,
    created_at: toRfc3339(token.createdAt),
  });
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
