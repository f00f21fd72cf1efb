import { createRedis, createServiceRuntime, loadConfig } from '@npq/service-kit';
import { createDqtPushService, trainingService } from '@npq/training';

/**
 * A DQT push worker in a process of its own, for tests that kill it mid-request (SIGKILL: nothing runs on
 * the way out). Configured by the environment like the real worker; `TEST_WORKER_OVERRIDES` (JSON) holds
 * the short test delays. Prints `ready` once it is consuming.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = await createServiceRuntime({
    service: 'training',
    config,
    ormSettings: trainingService.ormSettings(config),
  });
  const redis = createRedis(config.REDIS_URL, 'dqt-worker-process');
  const overrides = JSON.parse(process.env.TEST_WORKER_OVERRIDES ?? '{}') as Record<string, unknown>;
  await createDqtPushService(runtime, redis, overrides).start();
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
