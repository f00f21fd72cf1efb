import path from 'node:path';
import type { OrmSettings } from '@npq/service-kit';

export const TRAINING_SCHEMA = 'training';

export function trainingOrmSettings(clientUrl: string): OrmSettings {
  return {
    schema: TRAINING_SCHEMA,
    clientUrl,
    entities: [],
    migrationsDir: path.join(__dirname, 'migrations'),
  };
}
