import type { ServiceDefinition, WorkerDefinition } from '@npq/service-kit';
import { buildFinanceApp } from './app';
import { financeHandlers } from './consumers';
import { financeOrmSettings } from './orm-settings';

export const financeService: ServiceDefinition & WorkerDefinition = {
  service: 'finance',
  ormSettings: (config) => financeOrmSettings(config.DATABASE_URL),
  buildApp: buildFinanceApp,
  handlers: financeHandlers,
  port: (config) => config.FINANCE_PORT,
};
