import IORedis from 'ioredis';
import {
  CONSOLE_SECRETS,
  createRedis,
  loadConfig,
  logRedisErrors,
  servePublicWithOps,
} from '@npq/service-kit';
import { buildConsole } from './app';
import { createConsoleLogger } from './logger';

async function main(): Promise<void> {
  // The console holds no platform secret: production asks it only for its session secret.
  const config = loadConfig(process.env, {}, { secrets: CONSOLE_SECRETS });
  const logger = createConsoleLogger(config.LOG_LEVEL);
  // Sessions: a page waits on Redis, so a command gives up after 2 s (the page then says so) instead of
  // queueing while Redis is away.
  const redis = logRedisErrors(
    new IORedis(config.REDIS_URL, {
      connectionName: 'console',
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    }),
    logger,
    'console',
  );
  const queueConnection = logRedisErrors(
    createRedis(config.REDIS_URL, 'console-queues'),
    logger,
    'console-queues',
  );
  const http = await buildConsole({ config, logger, redis, queueConnection });
  await servePublicWithOps({
    http,
    logger,
    healthChecks: { redis: () => redis.ping() },
    host: config.CONSOLE_HOST,
    port: config.CONSOLE_PORT,
    opsPort: config.CONSOLE_METRICS_PORT,
    resources: [
      { name: 'redis', close: () => redis.quit() },
      { name: 'queue redis', close: () => queueConnection.quit() },
    ],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `console failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
