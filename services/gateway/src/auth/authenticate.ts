import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { unauthorized, type CallerScope, type Logger, type MikroORM } from '@npq/service-kit';
import { ApiTokenRepository } from '../tokens/repository';
import { digestToken, tokenFromHeader } from '../tokens/token-digest';

export interface AuthenticatedCaller {
  scope: CallerScope;
  leadProviderId?: string;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Resolves the caller for a route's scope. Every failure is the same 401 (no hint whether the token
 * exists, is revoked or has another scope): `{"error":"HTTP Token: Access denied"}`.
 */
export class Authenticator {
  constructor(
    private readonly orm: MikroORM,
    private readonly hmacSecret: string,
    private readonly adminToken: string,
    private readonly logger: Logger,
  ) {}

  async authenticate(req: FastifyRequest, scope: CallerScope): Promise<AuthenticatedCaller> {
    const token = tokenFromHeader(req.headers.authorization);
    if (!token) throw unauthorized();
    if (scope === 'admin') {
      if (!safeEqual(token, this.adminToken)) throw unauthorized();
      return { scope };
    }
    const repo = new ApiTokenRepository(this.orm.em.fork());
    const record = await repo.findActive(digestToken(this.hmacSecret, token), scope);
    if (!record) throw unauthorized();
    // Not awaited: recording use must not add a database write to every request's latency.
    repo.touch(record.id, new Date()).catch((err: unknown) => this.logger.warn({ err }, 'could not record token use'));
    return { scope, leadProviderId: record.leadProviderId ?? undefined };
  }
}
