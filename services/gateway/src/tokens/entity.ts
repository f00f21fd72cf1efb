import { EntitySchema } from '@mikro-orm/postgresql';
import { API_TOKEN_SCOPES, type ApiTokenScope } from '@npq/contracts';

/** An API token. Only its HMAC-SHA256 digest is stored; the clear token is shown once, at creation. */
export class ApiToken {
  id!: string;
  hashedToken!: string;
  scope!: ApiTokenScope;
  leadProviderId: string | null = null;
  /** Bootstrap tokens are derived from the admin token for local development; minted ones are random. */
  kind: 'minted' | 'bootstrap' = 'minted';
  createdAt: Date = new Date();
  lastUsedAt: Date | null = null;
  revokedAt: Date | null = null;
}

export const ApiTokenSchema = new EntitySchema<ApiToken>({
  class: ApiToken,
  tableName: 'api_tokens',
  properties: {
    id: { type: 'uuid', primary: true },
    hashedToken: { type: 'string', length: 64, unique: 'api_tokens_hashed_token_unique' },
    scope: { enum: true, items: [...API_TOKEN_SCOPES] },
    leadProviderId: { type: 'uuid', nullable: true, index: 'api_tokens_lead_provider_idx' },
    kind: { enum: true, items: ['minted', 'bootstrap'] },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    lastUsedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    revokedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
  },
  checks: [
    {
      name: 'api_tokens_lead_provider_scope_check',
      // Like DfE: a lead provider id if and only if the token is a lead provider token.
      expression: "(scope = 'lead_provider') = (lead_provider_id is not null)",
    },
  ],
});
