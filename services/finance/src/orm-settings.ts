import path from 'node:path';
import type { OrmSettings } from '@npq/service-kit';
import { DeclarationSchema } from './declarations/entity';
import { DELIVERY_PARTNER_ENTITIES } from './delivery-partners/entity';
import { PROJECTION_ENTITIES } from './applications/entity';
import { STATEMENT_ENTITIES } from './statements/entity';

export const FINANCE_SCHEMA = 'finance';

export function financeOrmSettings(clientUrl: string): OrmSettings {
  return {
    schema: FINANCE_SCHEMA,
    clientUrl,
    entities: [
      ...PROJECTION_ENTITIES,
      DeclarationSchema,
      ...STATEMENT_ENTITIES,
      ...DELIVERY_PARTNER_ENTITIES,
    ],
    migrationsDir: path.join(__dirname, 'migrations'),
  };
}
