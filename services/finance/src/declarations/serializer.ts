import { dasherizeState, leadProviderById, type ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import { ineligibleForFundingReason, upliftPaid } from './rules';
import type { DeclarationExtras, DeclarationView, ParticipantDeclarationView } from './repository';

type Schemas = ApiComponents['schemas'];
export type DeclarationResource = Schemas['ParticipantDeclaration'];

/** The submitting provider's name (`lead_provider_name`); ids come from our own rows, so always known. */
function leadProviderName(id: string): string {
  return leadProviderById(id)?.name ?? '';
}

/** The v3 declaration resource, attributes in DfE's emitted order (docs/domain.md#declaration-states). */
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

/** A person's declaration as operators see it (any lead provider), with its latest statement. */
export function serializeParticipantDeclaration(
  d: ParticipantDeclarationView,
): Schemas['AdminParticipantDeclaration'] {
  return {
    id: d.id,
    type: 'participant-declaration',
    attributes: {
      lead_provider_id: d.leadProviderId,
      course_identifier: d.courseIdentifier as Schemas['CourseIdentifier'],
      declaration_type: d.declarationType as Schemas['DeclarationType'],
      declaration_date: toRfc3339(d.declarationDate),
      state: dasherizeState(d.state),
      statement_id: d.statementId,
    },
  };
}
