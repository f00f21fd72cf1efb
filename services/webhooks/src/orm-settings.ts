import path from 'node:path';
import type { OrmSettings } from '@npq/service-kit';
import { DeliveryAttemptSchema, DeliverySchema } from './deliveries/entity';
import { SandboxMuteSchema } from './sandbox/entity';
import { ApplicationOwnerSchema, SubscriptionSchema } from './subscriptions/entity';

export const WEBHOOKS_SCHEMA = 'webhooks';

export function webhooksOrmSettings(clientUrl: string): OrmSettings {
  return {
    schema: WEBHOOKS_SCHEMA,
    clientUrl,
    entities: [
      SubscriptionSchema,
      ApplicationOwnerSchema,
      DeliverySchema,
      DeliveryAttemptSchema,
      SandboxMuteSchema,
    ],
    migrationsDir: path.join(__dirname, 'migrations'),
  };
}
