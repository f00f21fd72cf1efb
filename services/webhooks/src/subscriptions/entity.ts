import { EntitySchema } from '@mikro-orm/postgresql';

export type SubscriptionState = 'active' | 'failing' | 'disabled';

/**
 * A provider's webhook endpoint. `secret` is the Standard Webhooks signing secret (`whsec_<base64>`); it is
 * shown only when created or rotated. `failing` is set when a delivery gave up after a day of retries
 * (docs/webhooks.md); a later successful delivery makes it `active` again. `disabled` (admin) stops sending.
 */
export class Subscription {
  id!: string;
  leadProviderId!: string;
  url!: string;
  eventTypes!: string[];
  secret!: string;
  state: SubscriptionState = 'active';
  failingSince: Date | null = null;
  disabledAt: Date | null = null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const SubscriptionSchema = new EntitySchema<Subscription>({
  class: Subscription,
  tableName: 'subscriptions',
  properties: {
    id: { type: 'uuid', primary: true },
    leadProviderId: { type: 'uuid', index: 'subscriptions_provider_idx' },
    url: { type: 'text' },
    eventTypes: { type: 'json', columnType: 'jsonb' },
    secret: { type: 'string', length: 100 },
    state: { type: 'string', length: 20 },
    failingSince: { type: 'Date', columnType: 'timestamptz', nullable: true },
    disabledAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});

/** Which provider owns each application (from application events), so a merge can be routed. */
export class ApplicationOwner {
  applicationId!: string;
  leadProviderId!: string;
}

export const ApplicationOwnerSchema = new EntitySchema<ApplicationOwner>({
  class: ApplicationOwner,
  tableName: 'application_owners',
  properties: {
    applicationId: { type: 'uuid', primary: true },
    leadProviderId: { type: 'uuid' },
  },
});
