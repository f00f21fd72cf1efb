import IORedis, { type Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How often one connection may repeat the same complaint while Redis stays unreachable. */
const ERROR_LOG_EVERY_MS = 30_000;

/**
 * Sends a connection's errors to the process's JSON log (at most one line per interval), instead of
 * ioredis printing "Unhandled error event" to stderr when nobody listens.
 */
export function logRedisErrors(redis: Redis, logger: Logger, name: string): Redis {
  let lastLoggedAt = 0;
  redis.on('error', (err: Error) => {
    const at = Date.now();
    if (at - lastLoggedAt < ERROR_LOG_EVERY_MS) return;
    lastLoggedAt = at;
    logger.warn({ connection: name, err: err.message }, 'redis connection error');
  });
  return redis;
}

/**
 * A Redis connection for the request path (the gateway's rate limits and token revocations): while Redis
 * is unreachable a command fails at once instead of queueing, and a slow one gives up after `timeoutMs`,
 * so callers can fail open and a request never waits on Redis (docs/operations.md, "Guarantees").
 */
export function createRequestPathRedis(url: string, name: string, logger: Logger, timeoutMs = 250): Redis {
  const redis = new IORedis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: 500,
    // Keep trying to reconnect in the background, at most every 2 s.
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
  });
  return logRedisErrors(redis, logger, name);
}
