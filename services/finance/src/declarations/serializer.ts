import { dasherizeState, isUpliftPaidState, type ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import { isUpliftIneligible, leadProviderName } from '../reference';
import type { DeclarationExtras, DeclarationView } from './repository';

type Schemas = ApiComponents['schemas'];
export type DeclarationResource = Schemas['ParticipantDeclaration'];

/** DfE's `uplift_paid?`: a paid (or since clawed back) started declaration with targeted delivery funding. */
export function upliftPaid(
  v: Pick<
    DeclarationView,
    'courseIdentifier' | 'state' | 'declarationType' | 'targetedDeliveryFundingEligibility'
  >,
): boolean {
  return (
    !isUpliftIneligible(v.courseIdentifier) &&
    isUpliftPaidState(v.state) &&
    v.declarationType === 'started' &&
    v.targetedDeliveryFundingEligibility
  );
}

/** Only ineligible declarations have a reason; `duplicate` reads `duplicate_declaration`. */
export function ineligibleForFundingReason(
  v: Pick<DeclarationView, 'state' | 'stateReason'>,
): 'duplicate_declaration' | null {
  if (v.state !== 'ineligible' || v.stateReason === null) return null;
  return v.stateReason === 'duplicate' ? 'duplicate_declaration' : (v.stateReason as 'duplicate_declaration');
}

/** The v3 declaration resource, attributes in DfE's emitted order (§7.0). */
export function serializeDeclaration(v: DeclarationView, x: DeclarationExtras): DeclarationResource {
  return {
    id: v.id,
    type: 'participant-declaration',
    attributes: {
      participant_id: v.participantId,
      declaration_type: v.declarationType as Schemas['DeclarationType'],
      course_identifier: v.courseIdentifier as Schemas['CourseIdentifier'],
      declaration_date: toRfc3339(v.declarationDate),
      state: dasherizeState(v.state),
      has_passed: x.hasPassed,
      delivery_partner_id: v.deliveryPartnerId,
      delivery_partner_name: x.deliveryPartnerName,
      secondary_delivery_partner_id: v.secondaryDeliveryPartnerId,
      secondary_delivery_partner_name: x.secondaryDeliveryPartnerName,
      statement_id: x.statementId,
      application_id: v.applicationId,
      clawback_statement_id: x.clawbackStatementId,
      uplift_paid: upliftPaid(v),
      lead_provider_name: leadProviderName(v.leadProviderId),
      ineligible_for_funding_reason: ineligibleForFundingReason(v),
      created_at: toRfc3339(v.createdAt),
      updated_at: toRfc3339(v.updatedAt),
    },
  };
}
