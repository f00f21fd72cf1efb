import type { ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import type { DeliveryPartnershipView, DeliveryPartnerView } from './repository';

type Schemas = ApiComponents['schemas'];

/** The v3 resource: `cohort` is the sorted start years (integers) of partnerships with the caller. */
export function serializeDeliveryPartner(
  dp: DeliveryPartnerView,
  cohorts: number[],
): Schemas['DeliveryPartner'] {
  return {
    id: dp.id,
    type: 'delivery-partner',
    attributes: {
      name: dp.name,
      cohort: cohorts,
      created_at: toRfc3339(dp.createdAt),
      updated_at: toRfc3339(dp.updatedAt),
    },
  };
}

export function serializeAdminDeliveryPartner(dp: DeliveryPartnerView): Schemas['AdminDeliveryPartner'] {
  return {
    id: dp.id,
    type: 'delivery-partner',
    attributes: { name: dp.name, created_at: toRfc3339(dp.createdAt), updated_at: toRfc3339(dp.updatedAt) },
  };
}

export function serializeDeliveryPartnership(p: DeliveryPartnershipView): Schemas['DeliveryPartnership'] {
  return {
    id: p.id,
    type: 'delivery-partnership',
    attributes: {
      delivery_partner_id: p.deliveryPartnerId,
      lead_provider_id: p.leadProviderId,
      cohort: String(p.cohortStartYear),
      cohort_suffix: p.cohortSuffix,
      created_at: toRfc3339(p.createdAt),
    },
  };
}
