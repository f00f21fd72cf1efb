import type { ApiComponents } from '@npq/contracts';
import { single, toRfc3339 } from '@npq/service-kit';
import type { ApiToken } from './entity';

type Schemas = ApiComponents['schemas'];

/** A token just issued: the only time its clear value is ever shown. */
export function serializeCreatedToken(token: ApiToken, clear: string): Schemas['ApiTokenResponse'] {
  return single(token.id, 'api-token' as const, {
    token: clear,
    scope: token.scope,
    lead_provider_id: token.leadProviderId,
    created_at: toRfc3339(token.createdAt),
  });
}

/** A stored token, for listing: never the clear token nor its digest. */
export function serializeApiToken(token: ApiToken): Schemas['ApiTokenRecord'] {
  return single(token.id, 'api-token' as const, {
    scope: token.scope,
    lead_provider_id: token.leadProviderId,
    bootstrap: token.kind === 'bootstrap',
    created_at: toRfc3339(token.createdAt),
    last_used_at: token.lastUsedAt ? toRfc3339(token.lastUsedAt) : null,
    revoked_at: token.revokedAt ? toRfc3339(token.revokedAt) : null,
  }).data;
}
