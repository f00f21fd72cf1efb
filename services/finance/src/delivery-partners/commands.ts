import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { cohortByIdentifier, isLeadProviderId } from '@npq/contracts';
import { isUuid, notFound, now, unprocessable, ValidationErrors, type EntityManager } from '@npq/service-kit';
import { DeliveryPartnershipSchema, DeliveryPartnerSchema } from './entity';
import {
  DeliveryPartnerRepository,
  type DeliveryPartnershipView,
  type DeliveryPartnerView,
} from './repository';

/** POST /admin/v1/delivery-partners. */
export async function createDeliveryPartner(
  em: EntityManager,
  attrs: Record<string, unknown>,
): Promise<DeliveryPartnerView> {
  const name = typeof attrs.name === 'string' ? attrs.name.trim() : '';
  if (name === '') throw unprocessable([{ title: 'name', detail: "The '#/name' must be present" }]);
  if (name.length > 200)
    throw unprocessable([{ title: 'name', detail: "The '#/name' must be at most 200 characters" }]);
  const at = now();
  return em.transactional(
    (tx) => tx.create(DeliveryPartnerSchema, { id: randomUUID(), name, createdAt: at, updatedAt: at }),
    { clear: true },
  );
}

/**
 * POST /admin/v1/delivery-partners/{id}/partnerships: partners a delivery partner with a lead provider for a
 * cohort (start year + suffix, `a` by default). The same partnership twice is a 422.
 */
export async function createDeliveryPartnership(
  em: EntityManager,
  deliveryPartnerId: string,
  attrs: Record<string, unknown>,
): Promise<DeliveryPartnershipView> {
  if (
    !isUuid(deliveryPartnerId) ||
    !(await new DeliveryPartnerRepository(em).findById(deliveryPartnerId.toLowerCase()))
  ) {
    throw notFound();
  }
  const errors = new ValidationErrors();
  const leadProviderId =
    typeof attrs.lead_provider_id === 'string' ? attrs.lead_provider_id.toLowerCase() : '';
  if (!isLeadProviderId(leadProviderId))
    errors.add('lead_provider_id', "The '#/lead_provider_id' is not a known lead provider");
  const suffix =
    attrs.cohort_suffix === undefined || attrs.cohort_suffix === null
      ? 'a'
      : typeof attrs.cohort_suffix === 'string'
        ? attrs.cohort_suffix
        : '';
  const cohort =
    typeof attrs.cohort === 'string' || typeof attrs.cohort === 'number'
      ? cohortByIdentifier(`${attrs.cohort}${suffix}`)
      : undefined;
  if (!cohort) errors.add('cohort', "The '#/cohort' and '#/cohort_suffix' do not name a known cohort");
  errors.throwIfAny();
  const at = now();
  try {
    // A savepoint of its own, so a refused duplicate leaves the caller's transaction usable.
    const created = await em.transactional(
      (tx) =>
        tx.create(DeliveryPartnershipSchema, {
          id: randomUUID(),
          deliveryPartnerId: deliveryPartnerId.toLowerCase(),
          leadProviderId,
          cohortIdentifier: cohort!.identifier,
          cohortStartYear: cohort!.startYear,
          cohortSuffix: cohort!.suffix,
          createdAt: at,
          updatedAt: at,
        }),
      { clear: true },
    );
    return created;
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      throw unprocessable([
        {
          title: 'delivery_partnership',
          detail: 'The delivery partner is already partnered with this lead provider for this cohort',
        },
      ]);
    }
    throw err;
  }
}
