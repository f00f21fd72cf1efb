import {
  createLogger,
  createOrm,
  createRequestPathRedis,
  loadConfig,
  Naming,
  servePublicWithOps,
} from '@npq/service-kit';
import { buildGateway } from './app';
import { gatewayOrmSettings } from './orm-settings';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const orm = await createOrm(gatewayOrmSettings(config.DATABASE_URL));
  // Fail-fast Redis: the limits fail open rather than make a request wait (docs/security.md).
  const redis = createRequestPathRedis(config.REDIS_URL, 'gateway', logger);
  const http = await buildGateway({
    config,
    logger,
    orm,
    redis,
    keyPrefix: new Naming(config.NPQ_NAMESPACE).queuePrefix,
  });
  // Prometheus and the detailed readiness live on their own port, never on the public one.
  await servePublicWithOps({
    http,
    logger,
    healthChecks: {
      postgres: () => orm.em.fork().execute('select 1'),
      redis: () => redis.ping(),
    },
    host: config.GATEWAY_HOST,
    port: config.GATEWAY_PORT,
    opsPort: config.GATEWAY_METRICS_PORT,
    resources: [
      { name: 'redis', close: () => redis.quit() },
      { name: 'orm', close: () => orm.close() },
    ],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `gateway failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
