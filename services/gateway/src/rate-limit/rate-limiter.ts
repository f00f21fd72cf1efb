import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import type { Logger } from '@npq/service-kit';
import type { Registry } from 'prom-client';

export interface LimitSettings {
  /** Requests per token and window (DfE: 1000 per 5 minutes). */
  max: number;
  windowSeconds: number;
  /** Failed authentications per client address and window. */
  authFailuresMax: number;
  authFailuresWindowSeconds: number;
}

export type LimitDecision =
  { allowed: true } | { allowed: false; reason: 'token' | 'auth-failures'; retryAfterSeconds: number };

/** How often the "limits unavailable" warning may repeat while Redis stays down. */
const WARN_EVERY_MS = 30_000;

/** Seconds until the fixed window containing `nowMs` ends (at least 1). */
function secondsLeft(nowMs: number, windowSeconds: number): number {
  const window = Math.floor(nowMs / 1000 / windowSeconds);
  return Math.max(1, Math.ceil(((window + 1) * windowSeconds * 1000 - nowMs) / 1000));
}

function shortDigest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

/**
 * The gateway's request budgets, shared by every replica through Redis (docs/security.md, "Limits"):
 *
 * - per token: fixed windows as DfE's rack-attack counts them (floor(now / period)), keyed on the token
 *   itself, however the Authorization header spells it, so `Bearer T`, `Token token="T"` and `Bearer T,1`
 *   share one budget;
 * - per client address: failed authentications, on every scope (admin included), so guessing tokens or
 *   flooding with invalid ones stops after a few attempts.
 *
 * Redis is not allowed to take the API down: a command that fails or times out lets the request through
 * (fail open), with one warning per interval and a counter for alerting.
 */
export class RateLimiter {
  private lastWarnedAt = 0;
  private readonly failOpen: Counter;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly settings: LimitSettings,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.failOpen = new Counter({
      name: 'gateway_rate_limit_fail_open_total',
      help: 'Requests let through unchecked because Redis did not answer',
      registers: [registry],
    });
  }

  /**
   * Counts one request. `token` is the canonical token when the path is throttled per token (v3 and the
   * teacher record service; never the admin API); the caller's address is always checked for failures.
   */
  async check(token: string | undefined, clientAddress: string, nowMs = Date.now()): Promise<LimitDecision> {
    const { max, windowSeconds, authFailuresMax, authFailuresWindowSeconds } = this.settings;
    const failuresKey = this.failuresKey(clientAddress, nowMs);
    try {
      const pipeline = this.redis.multi().get(failuresKey);
      const tokenKey =
        token === undefined
          ? undefined
          : `${this.keyPrefix}:ratelimit:${shortDigest(token)}:${Math.floor(nowMs / 1000 / windowSeconds)}`;
      if (tokenKey) pipeline.incr(tokenKey).expire(tokenKey, windowSeconds + 5);
      const results = await pipeline.exec();
      if (!results) throw new Error('rate-limit transaction aborted');
      const failures = Number(results[0]?.[1] ?? 0);
      if (failures >= authFailuresMax) {
        return {
          allowed: false,
          reason: 'auth-failures',
          retryAfterSeconds: secondsLeft(nowMs, authFailuresWindowSeconds),
        };
      }
      if (tokenKey && Number(results[1]?.[1] ?? 0) > max) {
        return { allowed: false, reason: 'token', retryAfterSeconds: secondsLeft(nowMs, windowSeconds) };
      }
      return { allowed: true };
    } catch (err) {
      this.unavailable(err);
      return { allowed: true };
    }
  }

  /** Records a failed authentication from this address (off the request path; failures only log). */
  recordAuthFailure(clientAddress: string, nowMs = Date.now()): void {
    const key = this.failuresKey(clientAddress, nowMs);
    this.redis
      .multi()
      .incr(key)
      .expire(key, this.settings.authFailuresWindowSeconds + 5)
      .exec()
      .catch((err: unknown) => this.unavailable(err));
  }

  private failuresKey(clientAddress: string, nowMs: number): string {
    const window = Math.floor(nowMs / 1000 / this.settings.authFailuresWindowSeconds);
    return `${this.keyPrefix}:authfail:${shortDigest(clientAddress)}:${window}`;
  }

  private unavailable(err: unknown): void {
    this.failOpen.inc();
    const at = Date.now();
    if (at - this.lastWarnedAt < WARN_EVERY_MS) return;
    this.lastWarnedAt = at;
    this.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'rate limits unavailable (Redis); letting requests through',
    );
  }
}
