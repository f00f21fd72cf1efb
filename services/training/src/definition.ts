import type { ServiceDefinition, WorkerDefinition } from '@npq/service-kit';
import { buildTrainingApp } from './app';
import { trainingHandlers } from './consumers';
import { trainingOrmSettings } from './orm-settings';

export const trainingService: ServiceDefinition & WorkerDefinition = {
  service: 'training',
  ormSettings: (config) => trainingOrmSettings(config.DATABASE_URL),
  buildApp: buildTrainingApp,
  handlers: trainingHandlers,
  port: (config) => config.TRAINING_PORT,
};
