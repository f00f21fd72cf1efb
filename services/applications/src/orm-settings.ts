import path from 'node:path';
import type { OrmSettings } from '@npq/service-kit';
import { ApplicationSchema } from './applications/entity';
import { ParticipantIdChangeSchema, PersonSchema } from './people/entity';
import { DeclarationProjectionSchema } from './declarations/entity';

export const APPLICATIONS_SCHEMA = 'applications';

export function applicationsOrmSettings(clientUrl: string): OrmSettings {
  return {
    schema: APPLICATIONS_SCHEMA,
    clientUrl,
    entities: [PersonSchema, ParticipantIdChangeSchema, ApplicationSchema, DeclarationProjectionSchema],
    migrationsDir: path.join(__dirname, 'migrations'),
  };
}
