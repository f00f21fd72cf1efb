import type { ApiComponents } from '@npq/contracts';

/** Wire shapes of the admin API the console reads: the types generated from the OpenAPI document. */
type Schemas = ApiComponents['schemas'];

export type LeadProvider = Schemas['LeadProvider'];
export type ApiTokenRecord = Schemas['ApiTokenRecord'];
export type NewApiToken = Schemas['ApiToken'];
export type AdminStatement = Schemas['AdminStatement'];
export type StatementState = Schemas['StatementState'];
export type OutcomeDelivery = Schemas['OutcomeDelivery'];
export type OutcomeDeliveryState = Schemas['OutcomeDeliveryState'];
export type OutcomeDeliveryAttempt = Schemas['OutcomeDeliveryAttempt'];
export type WebhookSubscription = Schemas['WebhookSubscription'];
export type WebhookSubscriptionState = Schemas['WebhookSubscriptionState'];
export type AdminParticipantAttributes = Schemas['AdminParticipant']['attributes'];

export type SystemStatus = Schemas['SystemStatus']['attributes'];
export type StatementBreakdown = Schemas['StatementBreakdown']['attributes'];
export type StatementDeclaration = Schemas['AdminStatementDeclaration']['attributes'];
export type Participant = Schemas['AdminParticipantSummary']['attributes'];
export type ParticipantDetail = Schemas['AdminParticipantDetail']['attributes'];
export type ParticipantDeclaration = Schemas['AdminParticipantDeclaration']['attributes'];
export type MergePreview = Schemas['ParticipantMergePreview']['attributes'];
export type ParkedMessageState = Schemas['ParkedMessageState'];
export type ParkedMessage = Schemas['ParkedMessageDetail']['attributes'];
