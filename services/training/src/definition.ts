import type { Redis } from 'ioredis';
import type { ServiceDefinition, ServiceRuntime, Worker, WorkerDefinition } from '@npq/service-kit';
import { buildTrainingApp } from './app';
import { DqtPushService, type DqtWorkerOptions } from './jobs/dqt-push';
import { trainingOrmSettings } from './orm-settings';
import { trainingHandlers } from './events/handlers';

/** The DQT push service of a training runtime (the worker process; tests build their own with shorter delays). */
export function createDqtPushService(
  runtime: ServiceRuntime,
  connection: Redis,
  overrides: Partial<DqtWorkerOptions> = {},
): DqtPushService {
  return new DqtPushService({
    orm: runtime.orm,
    logger: runtime.logger,
    connection,
    prefix: runtime.naming.queuePrefix,
    apiUrl: runtime.config.DQT_API_URL,
    apiKey: runtime.config.DQT_API_KEY,
    timeoutMs: runtime.config.DQT_TIMEOUT_MS,
    metrics: runtime.metrics,
    ...overrides,
  });
}

export const trainingService: ServiceDefinition & WorkerDefinition = {
  service: 'training',
  ormSettings: (config) => trainingOrmSettings(config.DATABASE_URL),
  buildApp: buildTrainingApp,
  handlers: trainingHandlers,
  port: (config) => config.TRAINING_PORT,
  workers: async (runtime, connection, schedules): Promise<Worker[]> =>
    createDqtPushService(runtime, connection, { schedules }).start(),
};
