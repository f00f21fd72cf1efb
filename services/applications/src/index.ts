export { buildApplicationsApp } from './app';
export { applicationsService } from './definition';
export { applicationsOrmSettings, APPLICATIONS_SCHEMA } from './orm-settings';
