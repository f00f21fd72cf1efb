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
 * Reads `Authorization: Bearer <t>`, `Token <t>` or `Token token="<t>"`. The scheme word is
 * case-sensitive, as in Rails; a blank token is no token.
 */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(Token|Bearer)\s+(.+)$/.exec(header);
  if (!m) return undefined;
  let token = m[2]!.trim();
  const quoted = /^token="([^"]*)"/.exec(token);
  if (m[1] === 'Token' && quoted) token = quoted[1]!;
  return token === '' ? undefined : token;
}
