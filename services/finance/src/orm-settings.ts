import path from 'node:path';
import type { OrmSettings } from '@npq/service-kit';

export const FINANCE_SCHEMA = 'finance';

export function financeOrmSettings(clientUrl: string): OrmSettings {
  return {
    schema: FINANCE_SCHEMA,
    clientUrl,
    entities: [],
    migrationsDir: path.join(__dirname, 'migrations'),
  };
}
