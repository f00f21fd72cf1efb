import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * One webhook message as the platform sends it (docs/webhooks.md, "Payload"): `id` is the platform event id
 * (also the `webhook-id` header, the same on every retry and redelivery: dedupe on it), `type` the event type
 * (`application.updated`, …, or `webhook.ping`), `timestamp` when it happened, `data` the v3 resource.
 */
export interface WebhookMessage<D = WebhookResource> {
  id: string;
  type: string;
  timestamp: string;
  data: D;
}

/** The v3 resource a message carries: what the provider's own `GET` of it shows. */
export interface WebhookResource {
  id: string;
  type: string;
  attributes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Headers as Node's `IncomingHttpHeaders` or a fetch `Headers` give them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /**
   * How far (seconds) `webhook-timestamp` may be from now, either way (default 300): an older message is a
   * replay. Retries are signed anew, so a genuine one is always fresh.
   */
  toleranceSeconds?: number;
  /** The current time (tests). */
  now?: Date;
}

/** Why a message was refused: answer it with a 4xx and do not act on it. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies a webhook as Standard Webhooks defines it and returns the parsed message, or throws a
 * `WebhookVerificationError`. `body` must be the raw bytes received (as a string or Buffer), not re-serialised
 * JSON: the signature covers `<webhook-id>.<webhook-timestamp>.<body>` exactly, keyed with the base64 part of
 * the subscription's `whsec_` secret. `secret` may be a list: during a rotation, accept the old and the new.
 */
export function verifyWebhook<D = WebhookResource>(
  secret: string | readonly string[],
  headers: WebhookHeaders,
  body: string | Buffer,
  options: VerifyWebhookOptions = {},
): WebhookMessage<D> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook headers');
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('bad webhook-timestamp');
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('webhook-timestamp too far from now');
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const given = signatures
    .split(' ')
    .map((s) => s.split(','))
    .filter(([version, sig]) => version === 'v1' && sig !== undefined)
    .map(([, sig]) => Buffer.from(sig!, 'base64'));
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const ok = secrets.some((s) => {
    const key = Buffer.from(s.startsWith('whsec_') ? s.slice('whsec_'.length) : s, 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${text}`).digest();
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });
  if (!ok) throw new WebhookVerificationError('no valid signature');
  try {
    return JSON.parse(text) as WebhookMessage<D>;
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
}
