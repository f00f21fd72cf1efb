import { createHmac, randomBytes } from 'node:crypto';

/** HMAC-SHA256 of the clear token, hex: what the database stores and looks up. */
export function digestToken(secret: string, token: string): string {
  return createHmac('sha256', secret).update(token, 'utf8').digest('hex');
}

/** 32 URL-safe characters (192 bits). */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * A development token per lead provider, derived from the admin token: stable across restarts of the
 * same environment (so a developer's client keeps working) and different in every environment.
 */
export function bootstrapToken(adminToken: string, leadProviderId: string): string {
  return createHmac('sha256', adminToken)
    .update(`bootstrap-token:${leadProviderId}`)
    .digest('base64url')
    .slice(0, 32);
}

/**
 * The token of an `Authorization` header, parsed as Rails' `token_and_options` does: the scheme is
 * `Token` or `Bearer` (case-sensitive); the rest splits into parameters on `,`, `;` or tab; the first one
 * is the token, written either bare (`Bearer <t>`, `Token <t>`) or as `token=<t>` / `token="<t>"` under
 * either scheme; surrounding double quotes are removed. A blank token is no token.
 */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const scheme = /^(Token|Bearer)\s+/.exec(header);
  if (!scheme) return undefined;
  const params = header
    .slice(scheme[0].length)
    .split(/\s*(?:,|;|\t)\s*/)
    .filter((p) => p !== '');
  if (params.length === 0) return undefined;
  const first = params[0]!.startsWith('token=') ? params[0]! : `token=${params[0]!}`;
  const token = first.slice('token='.length).replace(/^"|"$/g, '').trim();
  return token === '' ? undefined : token;
}
