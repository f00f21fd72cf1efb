/**
 * Enumerations (docs/domain.md, "Enumerations"). Values are exactly as stored/emitted by the Rails app,
 * in the same order.
 */
import type { DeclarationState } from '../events';
import type { AssertTrue, TypesEqual } from './type-assert';

/** Builds an `isX(value: unknown)` type guard for a list of string literals. */
export function oneOf<const T extends readonly string[]>(values: T): (value: unknown) => value is T[number] {
  return (value: unknown): value is T[number] =>
    typeof value === 'string' && (values as readonly string[]).includes(value);
}

// --- Applications ---------------------------------------------------------------------------------

/** Application `status` in the API (`lead_provider_approval_status`). */
export const APPLICATION_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];
export const isApplicationStatus = oneOf(APPLICATION_STATUSES);
/** Same list under its DB enum name (`lead_provider_approval_statuses`). */
export const LEAD_PROVIDER_APPROVAL_STATUSES = APPLICATION_STATUSES;

/** `reason_for_rejection` (null when not rejected). */
export const REASONS_FOR_REJECTION = [
  'registration_expired',
  'rejected_by_provider',
  'other_application_in_this_cohort_accepted',
] as const;
export type ReasonForRejection = (typeof REASONS_FOR_REJECTION)[number];
export const isReasonForRejection = oneOf(REASONS_FOR_REJECTION);

/** `training_status` and `ApplicationState.state` (DB enum `application_statuses`). */
export const TRAINING_STATUSES = ['active', 'deferred', 'withdrawn'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
export const isTrainingStatus = oneOf(TRAINING_STATUSES);

/** `funding_choice` (null when the application is eligible for funding). */
export const FUNDING_CHOICES = ['school', 'trust', 'self', 'another', 'employer'] as const;
export type FundingChoice = (typeof FUNDING_CHOICES)[number];
export const isFundingChoice = oneOf(FUNDING_CHOICES);

export const HEADTEACHER_STATUSES = [
  'no',
  'yes_when_course_starts',
  'yes_in_first_two_years',
  'yes_over_two_years',
  'yes_in_first_five_years',
  'yes_over_five_years',
] as const;
export type HeadteacherStatus = (typeof HEADTEACHER_STATUSES)[number];
export const isHeadteacherStatus = oneOf(HEADTEACHER_STATUSES);

/** `works_as_senco` is a string (swagger wrongly says boolean). Note the capitalised `SENCO`. */
export const WORKS_AS_SENCO_VALUES = [
  'yes',
  'no_but_i_plan_to_become_one',
  'no_i_do_not_plan_to_be_a_SENCO',
] as const;
export type WorksAsSenco = (typeof WORKS_AS_SENCO_VALUES)[number];
export const isWorksAsSenco = oneOf(WORKS_AS_SENCO_VALUES);

/** Raw `applications.teacher_catchment` values. */
export const TEACHER_CATCHMENTS = [
  'england',
  'scotland',
  'wales',
  'northern_ireland',
  'jersey_guernsey_isle_of_man',
  'another',
] as const;
export type TeacherCatchment = (typeof TEACHER_CATCHMENTS)[number];
export const isTeacherCatchment = oneOf(TEACHER_CATCHMENTS);

/** Raw catchments for which the API's boolean `teacher_catchment` is true. */
export const UK_CATCHMENTS = [
  'jersey_guernsey_isle_of_man',
  'england',
  'northern_ireland',
  'scotland',
  'wales',
] as const satisfies readonly TeacherCatchment[];
export type UkCatchment = (typeof UK_CATCHMENTS)[number];
export const isUkCatchment = oneOf(UK_CATCHMENTS);

/** The API's boolean `teacher_catchment` for a raw value (false for `another`, null or anything else). */
export function teacherCatchmentFlag(raw: unknown): boolean {
  return isUkCatchment(raw);
}

export const KINDS_OF_NURSERY = [
  'local_authority_maintained_nursery',
  'preschool_class_as_part_of_school',
  'private_nursery',
  'another_early_years_setting',
  'childminder',
] as const;
export type KindOfNursery = (typeof KINDS_OF_NURSERY)[number];
export const isKindOfNursery = oneOf(KINDS_OF_NURSERY);

export const EMPLOYMENT_TYPES = [
  'hospital_school',
  'lead_mentor_for_accredited_itt_provider',
  'local_authority_supply_teacher',
  'local_authority_virtual_school',
  'young_offender_institution',
  'other',
] as const;
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number];
export const isEmploymentType = oneOf(EMPLOYMENT_TYPES);

export const REVIEW_STATUSES = [
  'needs_review',
  'awaiting_information',
  'reregister',
  'decision_made',
] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const isReviewStatus = oneOf(REVIEW_STATUSES);

/** Application `ineligible_for_funding_reason` (`INELIGIBLE_FOR_FUNDING_REASONS`); `previously-funded` is checked first. */
export const APPLICATION_INELIGIBLE_REASONS = ['previously-funded', 'establishment-ineligible'] as const;
export type ApplicationIneligibleReason = (typeof APPLICATION_INELIGIBLE_REASONS)[number];
export const isApplicationIneligibleReason = oneOf(APPLICATION_INELIGIBLE_REASONS);

// --- Participant actions --------------------------------------------------------------------------

/** `Participants::Defer::DEFERRAL_REASONS`. */
export const DEFERRAL_REASONS = [
  'bereavement',
  'long-term-sickness',
  'parental-leave',
  'career-break',
  'other',
] as const;
export type DeferralReason = (typeof DEFERRAL_REASONS)[number];
export const isDeferralReason = oneOf(DEFERRAL_REASONS);

/** `Participants::Withdraw::WITHDRAWAL_REASONS`. The trailing full stop on the 9th value is real. */
export const WITHDRAWAL_REASONS = [
  'insufficient-capacity-to-undertake-programme',
  'personal-reason-health-or-pregnancy-related',
  'personal-reason-moving-school',
  'personal-reason-other',
  'insufficient-capacity',
  'change-in-developmental-or-personal-priorities',
  'change-in-school-circumstances',
  'change-in-school-leadership',
  'quality-of-programme-structure-not-suitable.',
  'quality-of-programme-content-not-suitable',
  'quality-of-programme-facilitation-not-effective',
  'quality-of-programme-accessibility',
  'quality-of-programme-other',
  'programme-not-appropriate-for-role-and-cpd-needs',
  'started-in-error',
  'expected-commitment-unclear',
  'assessment-requirements-not-met',
  'change-in-career',
  'disengaged-and-unresponsive',
  'non-payment-of-invoice',
  'other',
] as const;
export type WithdrawalReason = (typeof WITHDRAWAL_REASONS)[number];
export const isWithdrawalReason = oneOf(WITHDRAWAL_REASONS);

// --- Declarations ---------------------------------------------------------------------------------

/** Internal declaration states (underscores), PG enum `declaration_states` order. */
export const DECLARATION_STATES = [
  'submitted',
  'eligible',
  'payable',
  'paid',
  'voided',
  'ineligible',
  'awaiting_clawback',
  'clawed_back',
] as const;
/**
 * Internal declaration state. Declared in the package's `events.ts`; re-exported here (not re-declared)
 * so the package root's `export *` lines do not clash. The assertion keeps it identical to the list.
 */
export type { DeclarationState };
type _DeclarationStateMatchesList = AssertTrue<
  TypesEqual<DeclarationState, (typeof DECLARATION_STATES)[number]>
>;
export const isDeclarationState = oneOf(DECLARATION_STATES);

/** Type-level `String#dasherize`. */
export type Dasherize<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}-${Dasherize<Tail>}`
  : S;

/** Declaration state as the API emits it (`state.dasherize`). */
export type ApiDeclarationState = Dasherize<DeclarationState>;

/** `String#dasherize`: every underscore becomes a dash (`awaiting_clawback` → `awaiting-clawback`). */
export function dasherizeState<S extends DeclarationState>(state: S): Dasherize<S> {
  return state.replace(/_/g, '-') as Dasherize<S>;
}

/** The API spellings, in `DECLARATION_STATES` order. */
export const API_DECLARATION_STATES = [
  'submitted',
  'eligible',
  'payable',
  'paid',
  'voided',
  'ineligible',
  'awaiting-clawback',
  'clawed-back',
] as const;
type _ApiDeclarationStatesMatch = AssertTrue<
  TypesEqual<ApiDeclarationState, (typeof API_DECLARATION_STATES)[number]>
>;
export const isApiDeclarationState = oneOf(API_DECLARATION_STATES);

/** Declaration state-machine events: `from` states → `to` state. */
export const DECLARATION_STATE_TRANSITIONS = {
  mark_eligible: { from: ['submitted'], to: 'eligible' },
  mark_payable: { from: ['eligible'], to: 'payable' },
  mark_paid: { from: ['payable'], to: 'paid' },
  mark_ineligible: { from: ['submitted'], to: 'ineligible' },
  mark_awaiting_clawback: { from: ['paid'], to: 'awaiting_clawback' },
  mark_clawed_back: { from: ['awaiting_clawback'], to: 'clawed_back' },
  mark_voided: { from: ['submitted', 'eligible', 'payable', 'ineligible'], to: 'voided' },
  revert_to_eligible: { from: ['payable'], to: 'eligible' },
} as const satisfies Readonly<
  Record<string, { readonly from: readonly DeclarationState[]; readonly to: DeclarationState }>
>;
export type DeclarationStateEvent = keyof typeof DECLARATION_STATE_TRANSITIONS;

/** Declaration `state_reason` values. */
export const DECLARATION_STATE_REASONS = ['duplicate'] as const;
export type DeclarationStateReason = (typeof DECLARATION_STATE_REASONS)[number];

/** `Declaration::BILLABLE_STATES`. */
export const BILLABLE_STATES = ['eligible', 'payable', 'paid'] as const satisfies readonly DeclarationState[];
/** `Declaration::CHANGEABLE_STATES`. */
export const CHANGEABLE_STATES = ['eligible', 'submitted'] as const satisfies readonly DeclarationState[];
/**
 * Billable or changeable (`billable_or_changeable`, `billable_or_submitted`, `DUPLICATES_NOT_ALLOWED_STATES`):
 * the declarations that block duplicates and schedule changes.
 */
export const LIVE_DECLARATION_STATES = [
  'submitted',
  'eligible',
  'payable',
  'paid',
] as const satisfies readonly DeclarationState[];
/** `Declaration::VOIDABLE_STATES` (void moves these straight to `voided`; `paid` goes to clawback instead). */
export const VOIDABLE_STATES = [
  'submitted',
  'eligible',
  'payable',
  'ineligible',
] as const satisfies readonly DeclarationState[];
/** `billable_or_voidable`. */
export const BILLABLE_OR_VOIDABLE_STATES = [
  'submitted',
  'eligible',
  'payable',
  'paid',
  'ineligible',
] as const satisfies readonly DeclarationState[];
/** `Declaration::UPLIFT_PAID_STATES`. */
export const UPLIFT_PAID_STATES = [
  'paid',
  'awaiting_clawback',
  'clawed_back',
] as const satisfies readonly DeclarationState[];
/** `Declarations::Void::CLAWBACK_STATES`. */
export const CLAWBACK_STATES = [
  'paid',
  'awaiting_clawback',
  'clawed_back',
] as const satisfies readonly DeclarationState[];

export type BillableState = (typeof BILLABLE_STATES)[number];
export type ChangeableState = (typeof CHANGEABLE_STATES)[number];
export type LiveDeclarationState = (typeof LIVE_DECLARATION_STATES)[number];
export type VoidableState = (typeof VOIDABLE_STATES)[number];
export type UpliftPaidState = (typeof UPLIFT_PAID_STATES)[number];
export const isBillableState = oneOf(BILLABLE_STATES);
export const isChangeableState = oneOf(CHANGEABLE_STATES);
export const isLiveDeclarationState = oneOf(LIVE_DECLARATION_STATES);
export const isVoidableState = oneOf(VOIDABLE_STATES);
export const isUpliftPaidState = oneOf(UPLIFT_PAID_STATES);

/** API `ineligible_for_funding_reason` for an ineligible declaration whose `state_reason` is `duplicate`. */
export const DUPLICATE_DECLARATION_REASON = 'duplicate_declaration';

// --- Outcomes, statements, tokens -----------------------------------------------------------------

/** Participant outcome states (`outcome_states`). */
export const OUTCOME_STATES = ['passed', 'failed', 'voided'] as const;
export type OutcomeState = (typeof OUTCOME_STATES)[number];
export const isOutcomeState = oneOf(OUTCOME_STATES);
/** The outcome states a provider may submit. */
export const SUBMITTABLE_OUTCOME_STATES = ['passed', 'failed'] as const satisfies readonly OutcomeState[];
export type SubmittableOutcomeState = (typeof SUBMITTABLE_OUTCOME_STATES)[number];
export const isSubmittableOutcomeState = oneOf(SUBMITTABLE_OUTCOME_STATES);

export const STATEMENT_STATES = ['open', 'payable', 'paid'] as const;
export type StatementState = (typeof STATEMENT_STATES)[number];
export const isStatementState = oneOf(STATEMENT_STATES);

export const STATEMENT_ITEM_STATES = [
  'eligible',
  'payable',
  'paid',
  'voided',
  'ineligible',
  'awaiting_clawback',
  'clawed_back',
] as const;
export type StatementItemState = (typeof STATEMENT_ITEM_STATES)[number];
export const isStatementItemState = oneOf(STATEMENT_ITEM_STATES);
/** Statement-item scopes: `billable`, `refundable`, `not_eligible`. */
export const BILLABLE_STATEMENT_ITEM_STATES = [
  'eligible',
  'payable',
  'paid',
] as const satisfies readonly StatementItemState[];
export const REFUNDABLE_STATEMENT_ITEM_STATES = [
  'awaiting_clawback',
  'clawed_back',
] as const satisfies readonly StatementItemState[];
export const NOT_ELIGIBLE_STATEMENT_ITEM_STATES = [
  'ineligible',
  'voided',
] as const satisfies readonly StatementItemState[];

export const API_TOKEN_SCOPES = ['lead_provider', 'teacher_record_service'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];
