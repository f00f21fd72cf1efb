import type { ServiceDefinition, WorkerDefinition } from '@npq/service-kit';
import { buildApplicationsApp } from './app';
import { applicationsHandlers } from './events/handlers';
import { applicationsOrmSettings } from './orm-settings';

export const applicationsService: ServiceDefinition & WorkerDefinition = {
  service: 'applications',
  ormSettings: (config) => applicationsOrmSettings(config.DATABASE_URL),
  buildApp: buildApplicationsApp,
  handlers: applicationsHandlers,
  port: (config) => config.APPLICATIONS_PORT,
};
