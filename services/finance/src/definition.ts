import type { ServiceDefinition, WorkerDefinition } from '@npq/service-kit';
import { buildFinanceApp } from './app';
import { startFinanceWorkers } from './jobs/workers';
import { financeOrmSettings } from './orm-settings';
import { financeHandlers } from './events/handlers';

export const financeService: ServiceDefinition & WorkerDefinition = {
  service: 'finance',
  ormSettings: (config) => financeOrmSettings(config.DATABASE_URL),
  buildApp: buildFinanceApp,
  handlers: financeHandlers,
  port: (config) => config.FINANCE_PORT,
  // The statement worker: daily cut-off (and once on start, catching up), payment runs.
  workers: async (runtime, connection, schedules) =>
    (await startFinanceWorkers(runtime, connection, { schedules })).workers,
};
