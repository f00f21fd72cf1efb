import type { ApiComponents } from '@npq/contracts';

/**
 * Wire shapes of the admin API the console reads. Existing routes use the generated OpenAPI types; the
 * routes added for the console (system status, breakdowns, people, parked messages) are typed here as
 * packages/contracts/openapi/openapi.yaml documents them.
 */
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

export type UpDown = 'up' | 'down';

export interface SystemStatus {
  generated_at: string;
  services: { name: string; status: UpDown }[];
  dependencies: { name: string; status: UpDown }[];
  queues: {
    service: string;
    name: string;
    waiting: number;
    active: number;
    delayed: number;
    failed: number;
    oldest_waiting_age_seconds: number | null;
  }[];
  consumers: { service: string; consumer: string; pending: number; ack_pending: number; redelivered: number }[];
  outbox: { service: string; backlog: number; oldest_age_seconds: number | null }[];
  parked_messages: { service: string; count: number }[];
  outcome_deliveries: { pending: number; failed: number };
  webhook_subscriptions: { active: number; failing: number; disabled: number };
  statements_due: { payable: number; authorised_unpaid: number };
}

type Money = string | number;

export interface StatementBreakdown {
  lead_provider_id: string;
  cohort: string;
  month: string;
  year: string;
  state: StatementState;
  deadline_date: string | null;
  payment_date: string | null;
  marked_as_paid_at: string | null;
  output_payments: {
    course_identifier: string;
    declaration_type: string;
    count: number;
    unit_price: Money;
    subtotal: Money;
  }[];
  targeted_delivery_funding: { count: number; unit_price: Money; subtotal: Money };
  service_fees: { course_identifier: string; participants: number; monthly_fee: Money; subtotal: Money }[];
  clawbacks: {
    course_identifier: string;
    declaration_type: string;
    count: number;
    unit_price: Money;
    subtotal: Money;
  }[];
  adjustments: { description: string; amount: Money }[];
  total: Money;
}

export interface StatementDeclaration {
  participant_id: string;
  course_identifier: string;
  declaration_type: string;
  state: string;
  declaration_date: string;
  amount: Money | null;
}

export interface Participant {
  full_name: string;
  email: string | null;
  teacher_reference_number: string | null;
  teacher_reference_number_validated: boolean;
  previous_names?: string[];
  created_at: string;
  updated_at: string;
}

export interface ParticipantApplication {
  id: string;
  lead_provider_id: string;
  course_identifier: string;
  cohort: string;
  status: string;
  training_status: string | null;
  funded_place: boolean | null;
  created_at: string;
}

export interface ParticipantIdChange {
  from_participant_id: string;
  to_participant_id: string;
  changed_at: string;
}

export interface ParticipantDetail extends Participant {
  applications: ParticipantApplication[];
  participant_id_changes: ParticipantIdChange[];
}

export interface ParticipantDeclaration {
  lead_provider_id: string;
  course_identifier: string;
  declaration_type: string;
  declaration_date: string;
  state: string;
  statement_id: string | null;
}

export interface MergePreview {
  from_participant_id: string;
  into_participant_id: string;
  applications_moving: number;
  conflicts: string[];
  allowed: boolean;
}

export type ParkedMessageState = 'parked' | 'redriven' | 'discarded';

export interface ParkedMessage {
  service: string;
  consumer: string;
  subject: string;
  event_id: string;
  error: string;
  deliveries: number;
  parked_at: string;
  state: ParkedMessageState;
  resolved_at: string | null;
  payload?: unknown;
}
