import type { ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import type { Subscription } from './entity';
import type { WebhookEventType } from './rules';

type Schemas = ApiComponents['schemas'];

/** Wire shape of a subscription; the secret only in the answers that create or rotate it. */
export function serializeSubscription(s: Subscription, withSecret = false): Schemas['WebhookSubscription'] {
  return {
    id: s.id,
    type: 'webhook-subscription',
    attributes: {
      url: s.url,
      event_types: s.eventTypes as WebhookEventType[],
      state: s.state,
      ...(withSecret ? { secret: s.secret } : {}),
      failing_since: toRfc3339(s.failingSince),
      disabled_at: toRfc3339(s.disabledAt),
      created_at: toRfc3339(s.createdAt),
      updated_at: toRfc3339(s.updatedAt),
    },
  };
}

/** Admin view: also says whose it is; never the secret. */
export function serializeSubscriptionForAdmin(s: Subscription): Schemas['WebhookSubscription'] {
  const base = serializeSubscription(s);
  return { ...base, attributes: { ...base.attributes, lead_provider_id: s.leadProviderId } };
}
