import {
  closeOnSignal,
  createLogger,
  createOpsServer,
  createOrm,
  createRequestPathRedis,
  loadConfig,
  Naming,
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
  let draining = false;
  // Prometheus and the detailed readiness live on their own port, never on the public one.
  const ops = createOpsServer({
    logger,
    registry: http.metrics,
    healthChecks: {
      postgres: () => orm.em.fork().execute('select 1'),
      redis: () => redis.ping(),
    },
    isDraining: () => draining,
  });
  closeOnSignal(
    [
      {
        name: 'readiness',
        close: async () => {
          draining = true;
          http.markDraining();
        },
      },
      { name: 'http', close: () => http.app.close() },
      { name: 'ops', close: () => ops.close() },
      { name: 'redis', close: () => redis.quit() },
      { name: 'orm', close: () => orm.close() },
    ],
    logger,
  );
  await ops.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_METRICS_PORT });
  await http.app.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `gateway failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
