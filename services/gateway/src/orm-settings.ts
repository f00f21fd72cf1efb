import path from 'node:path';
import type { OrmSettings } from '@npq/service-kit';
import { LeadProviderSchema } from './lead-providers/entity';
import { ApiTokenSchema } from './tokens/entity';

export const GATEWAY_SCHEMA = 'gateway';

export function gatewayOrmSettings(clientUrl: string): OrmSettings {
  return {
    schema: GATEWAY_SCHEMA,
    clientUrl,
    entities: [LeadProviderSchema, ApiTokenSchema],
    migrationsDir: path.join(__dirname, 'migrations'),
    poolMax: 20,
    // The gateway neither publishes nor consumes events.
    messagingTables: false,
  };
}
