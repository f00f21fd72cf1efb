import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signature (https://www.standardwebhooks.com): `v1,` and the base64 HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the base64-decoded part of `whsec_<base64>`.
 */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export interface BackoffSettings {
  /** First retry delay. */
  baseMs: number;
  /** Cap of one delay. */
  maxMs: number;
  /** After this long since the delivery was created, it fails and the subscription is marked failing. */
  giveUpAfterMs: number;
}

export const ONE_DAY_MS = 24 * 60 * 60 * 1000;

/** Production schedule: 10 s doubling to 1 h between attempts, for 26 hours (docs/webhooks.md). */
export const DELIVERY_BACKOFF: BackoffSettings = {
  baseMs: 10_000,
  maxMs: 60 * 60 * 1000,
  giveUpAfterMs: ONE_DAY_MS + 2 * 60 * 60 * 1000,
};

/** Exponential backoff with full jitter in [delay/2, delay]: retries of many deliveries do not align. */
export function retryDelay(failedAttempts: number, settings: BackoffSettings, random = Math.random): number {
  const delay = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(delay / 2 + (random() * delay) / 2);
}

/** 2xx is delivered; everything else (3xx included: redirects are not followed) is retried. */
export function isDelivered(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

export const RESPONSE_EXCERPT_CHARS = 500;
