import { randomUUID } from 'node:crypto';
import type { ApiTokenScope } from '@npq/contracts';
import type { EntityManager } from '@npq/service-kit';
import { type ApiToken, ApiTokenSchema } from './entity';

export interface ApiTokenFilters {
  leadProviderId?: string;
  scope?: ApiTokenScope;
}

export class ApiTokenRepository {
  constructor(private readonly em: EntityManager) {}

  /** The active (not revoked) token with this digest and scope. */
  async findActive(hashedToken: string, scope: ApiTokenScope): Promise<ApiToken | null> {
    return this.em.findOne(ApiTokenSchema, { hashedToken, scope, revokedAt: null });
  }

  async findById(id: string): Promise<ApiToken | null> {
    return this.em.findOne(ApiTokenSchema, { id });
  }

  async insert(
    hashedToken: string,
    scope: ApiTokenScope,
    leadProviderId: string | null,
    kind: ApiToken['kind'] = 'minted',
  ): Promise<ApiToken> {
    const token = this.em.create(ApiTokenSchema, {
      id: randomUUID(),
      hashedToken,
      scope,
      leadProviderId,
      kind,
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.em.persist(token).flush();
    return token;
  }

  /**
   * Inserts the bootstrap token unless one with this digest exists, and returns the stored row. An existing
   * row is left exactly as it is: a revoked bootstrap token stays revoked through every restart and re-seed.
   */
  async ensureBootstrap(hashedToken: string, leadProviderId: string): Promise<ApiToken> {
    await this.em.execute(
      `insert into gateway.api_tokens (id, hashed_token, scope, lead_provider_id, kind, created_at)
       values (?, ?, 'lead_provider', ?, 'bootstrap', now())
       on conflict (hashed_token) do nothing`,
      [randomUUID(), hashedToken, leadProviderId],
    );
    const token = await this.em.findOne(ApiTokenSchema, { hashedToken }, { refresh: true });
    if (!token) throw new Error('bootstrap token vanished after its insert');
    return token;
  }

  /** Every token matching the filters, oldest first (`created_at`, then `id` for stable pages). */
  async list(filters: ApiTokenFilters, limit: number, offset: number): Promise<ApiToken[]> {
    return this.em.find(
      ApiTokenSchema,
      {
        ...(filters.leadProviderId !== undefined ? { leadProviderId: filters.leadProviderId } : {}),
        ...(filters.scope !== undefined ? { scope: filters.scope } : {}),
      },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit, offset },
    );
  }

  async revoke(token: ApiToken, at: Date): Promise<void> {
    token.revokedAt ??= at;
    await this.em.flush();
  }

  /** Records use; skipped when the stored value is already this recent (one write per token per second). */
  async touch(id: string, at: Date): Promise<void> {
    await this.em.execute(
      `update gateway.api_tokens set last_used_at = ? where id = ? and (last_used_at is null or last_used_at < ?)`,
      [at, id, new Date(at.getTime() - 1000)],
    );
  }
}
