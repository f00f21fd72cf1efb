import { toRfc3339 } from '@npq/service-kit';
import type { Subscription } from './entity';

/** Wire shape of a subscription; the secret only in the answers that create or rotate it. */
export function serializeSubscription(s: Subscription, withSecret = false) {
  return {
    id: s.id,
    type: 'webhook-subscription' as const,
    attributes: {
      url: s.url,
      event_types: s.eventTypes,
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
export function serializeSubscriptionForAdmin(s: Subscription) {
  const base = serializeSubscription(s);
  return { ...base, attributes: { ...base.attributes, lead_provider_id: s.leadProviderId } };
}
