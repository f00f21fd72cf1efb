import { closeOnSignal, createLogger, createOrm, createRedis, loadConfig, Naming } from '@npq/service-kit';
import { buildGateway } from './app';
import { gatewayOrmSettings } from './orm-settings';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const orm = await createOrm(gatewayOrmSettings(config.DATABASE_URL));
  const redis = createRedis(config.REDIS_URL, 'gateway');
  const http = await buildGateway({
    config,
    logger,
    orm,
    redis,
    keyPrefix: new Naming(config.NPQ_NAMESPACE).queuePrefix,
  });
  closeOnSignal(
    [
      { name: 'readiness', close: async () => http.markDraining() },
      { name: 'http', close: () => http.app.close() },
      { name: 'redis', close: () => redis.quit() },
      { name: 'orm', close: () => orm.close() },
    ],
    logger,
  );
  await http.app.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `gateway failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
