import type { FastifyRequest } from 'fastify';
import { safeEqual, unauthorized, type CallerScope, type Logger, type MikroORM } from '@npq/service-kit';
import { ApiTokenRepository } from '../tokens/repository';
import { digestToken, tokenFromHeader } from '../tokens/token-digest';
import type { TokenCache } from './token-cache';

export interface AuthenticatedCaller {
  scope: CallerScope;
  leadProviderId?: string;
  /** Who is calling, for per-caller limits: the token's id, or `admin` for the admin token. */
  callerKey: string;
}

/**
 * Resolves the caller for a route's scope. Every failure is the same 401 (no hint whether the token
 * exists, is revoked or has another scope): `{"error":"HTTP Token: Access denied"}`.
 */
export class Authenticator {
  /** When each token's use was last written by this process (the write is skipped within a second). */
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly orm: MikroORM,
    private readonly hmacSecret: string,
    private readonly adminToken: string,
    private readonly cache: TokenCache,
    private readonly logger: Logger,
  ) {}

  async authenticate(req: FastifyRequest, scope: CallerScope): Promise<AuthenticatedCaller> {
    const token = tokenFromHeader(req.headers.authorization);
    if (!token) throw unauthorized();
    if (scope === 'admin') {
      if (!safeEqual(token, this.adminToken)) throw unauthorized();
      return { scope, callerKey: 'admin' };
    }
    const digest = digestToken(this.hmacSecret, token);
    let record = this.cache.get(digest, scope);
    if (!record) {
      const found = await new ApiTokenRepository(this.orm.em.fork()).findActive(digest, scope);
      if (!found) throw unauthorized();
      record = { id: found.id, leadProviderId: found.leadProviderId };
      this.cache.set(digest, scope, record);
    }
    this.touch(record.id);
    return { scope, leadProviderId: record.leadProviderId ?? undefined, callerKey: record.id };
  }

  /** Records use off the request path, at most once a second per token and process. */
  private touch(tokenId: string): void {
    const at = Date.now();
    if (at - (this.lastTouched.get(tokenId) ?? 0) < 1000) return;
    this.lastTouched.set(tokenId, at);
    new ApiTokenRepository(this.orm.em.fork())
      .touch(tokenId, new Date(at))
      .catch((err: unknown) => this.logger.warn({ err }, 'could not record token use'));
  }
}
