import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the current window ends (the `Retry-After` value when refused). */
  retryAfterSeconds: number;
  remaining: number;
}

/**
 * Fixed windows (DfE's rack-attack buckets are floor(now / period)), counted in Redis so every gateway
 * replica shares one budget per token. Keyed on a digest of the raw Authorization header value, never the
 * token itself.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly max: number,
    private readonly windowSeconds: number,
  ) {}

  async hit(authorizationHeader: string, nowMs = Date.now()): Promise<RateLimitDecision> {
    const window = Math.floor(nowMs / 1000 / this.windowSeconds);
    const digest = createHash('sha256').update(authorizationHeader).digest('hex').slice(0, 32);
    const key = `${this.keyPrefix}:ratelimit:${digest}:${window}`;
    const results = await this.redis
      .multi()
      .incr(key)
      .expire(key, this.windowSeconds + 5)
      .exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    const windowEndsMs = (window + 1) * this.windowSeconds * 1000;
    return {
      allowed: count <= this.max,
      retryAfterSeconds: Math.max(1, Math.ceil((windowEndsMs - nowMs) / 1000)),
      remaining: Math.max(0, this.max - count),
    };
  }
}
