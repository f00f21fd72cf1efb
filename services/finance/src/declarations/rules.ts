import {
  CLAWBACK_STATES,
  courseByIdentifier,
  hasOutcomes,
  isUpliftPaidState,
  rebrandedAlternatives,
  REBRANDED_COURSE_IDENTIFIERS,
  type CourseIdentifier,
  type DeclarationState,
} from '@npq/contracts';
import { isUuid, parseRfc3339Strict, parseServerDate, type ValidationErrors } from '@npq/service-kit';
import { isUpliftIneligible } from '../payments/rules';

/**
 * The declaration rules that need no database (docs/domain.md#creating-a-declaration): DfE's messages, how request
 * values are read the way Rails reads them, the delivery partner rules, and the state a declaration takes.
 */

/** DfE's messages for declaration create, void and change-delivery-partner (config/locales/en.yml), verbatim. */
export const MESSAGES = {
  participantIdBlank: "The property '#/participant_id' must be present",
  participantIdChanged: (from: string, to: string) =>
    `The participant_id '${from}' has been replaced with '${to}'.`,
  invalidParticipant:
    "Your update cannot be made as the '#/participant_id' is not recognised. Check participant details and try again.",
  withdrawn: (at: string) =>
    `This participant withdrew from this course on ${at}. Enter a '#/declaration_date' that's on or before the withdrawal date.`,
  courseInvalid:
    "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again.",
  dateInvalid: "Enter a valid RFC3339 '#/declaration_date'.",
  dateBeforeScheduleStart: "Enter a '#/declaration_date' that's on or after the schedule start.",
  dateBlank: "Enter a '#/declaration_date'.",
  dateInFuture: "The '#/declaration_date' value cannot be a future date. Check the date and try again.",
  typeBlank: "Enter a '#/declaration_type'.",
  typeInclusion: "The entered '#/declaration_type' is not recognised.",
  typeNotInSchedule: "The property '#/declaration_type' does not exist for this schedule.",
  scheduleMissing: 'The application is missing a schedule.',
  missingContract:
    'You cannot submit a declaration for this participant as you do not have a contract for the cohort and course. Contact the DfE for assistance.',
  contractEnded: (year: number) =>
    `You cannot submit or void declarations for the ${year} cohort. The funding contract for this cohort has ended. Get in touch if you need to discuss this with us.`,
  hasPassedInvalid:
    "Enter 'true' or 'false' in the '#/has_passed' field to indicate whether this participant has passed or failed their course.",
  slotTaken: 'A declaration has already been submitted that will be, or has been, paid for this event',
  duplicateOnApplication: (state: string) =>
    `There is already a declaration with state ${state} for this application`,
  deliveryPartnerNotFound: "The property '#/delivery_partner_id' does not exist",
  secondaryNotFound: "The property '#/secondary_delivery_partner_id' does not exist",
  deliveryPartnerRequired: "The property '#/delivery_partner_id' must be present",
  deliveryPartnerNotPartnered:
    "The entered '#/delivery_partner_id' is not from your list of confirmed Delivery Partners for the Cohort",
  deliveryPartnerOverseas:
    "The property '#/delivery_partner_id' cannot be specified for Applications from outside of England",
  secondaryWithoutPrimary:
    "The property '#/secondary_delivery_partner_id' cannot be specified without the property '#/delivery_partner_id'",
  secondaryOverseas:
    "The property '#/secondary_delivery_partner_id' cannot be specified for Applications from outside of England",
  secondaryNotPartnered:
    "The entered '#/secondary_delivery_partner_id' is not from your list of confirmed Delivery Partners for the Cohort",
  secondarySameAsPrimary:
    "The property '#/secondary_delivery_partner_id' cannot have the same value as the property '#/delivery_partner_id'",
  completedOutcomeFailed: 'Could not create completed declaration. Contact the DfE for support.',
  alreadyVoided: 'This declaration has already been voided.',
  alreadyRefunded: 'The declaration will or has been be refunded.',
  mustBePaid: 'The declaration must be paid before it can be clawed back.',
  cannotModifyTitle: 'Cannot modify declaration',
  cannotModifyDetail: 'The declaration cannot be modified because it was created by another lead provider',
} as const;

/** Rails `blank?`: nil, false, a string of only whitespace, or an empty array or hash. */
export function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === false ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
  );
}

/** Ruby truthiness (`if: :delivery_partner_id`): everything but nil and false, so `""` counts as given. */
export function isTruthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

/** Ruby `to_s` of a JSON value, for `has_passed` (true → "true"; nil → ""). */
export function rubyToS(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/**
 * The declaration date as ActiveModel's datetime attribute casts it: anything Rails can read as a time
 * (including forms the RFC 3339 check refuses, such as a date only), else nil. An impossible calendar date
 * is nil, so it is reported both as "not RFC 3339" and as missing, as DfE does.
 */
export function castDeclarationDate(raw: unknown): Date | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const value = raw.trim();
  const strict = parseRfc3339Strict(value) ?? parseServerDate(value);
  if (strict) return strict;
  // Two more forms Ruby's Date._parse reads: a time without seconds, and day/month/year.
  const noSeconds = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(value);
  if (noSeconds) {
    const [, y, mo, d, h, mi, zone] = noSeconds;
    return parseRfc3339Strict(`${y}-${mo}-${d}T${h}:${mi}:00${zone ?? ''}`);
  }
  const dayFirst = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(value);
  if (dayFirst) {
    const [, d, mo, y, h = '0', mi = '00', sec = '00'] = dayFirst;
    return parseRfc3339Strict(
      `${y}-${mo!.padStart(2, '0')}-${d!.padStart(2, '0')}T${h.padStart(2, '0')}:${mi}:${sec}Z`,
    );
  }
  return null;
}

/** A delivery partner id as given (`""` and non-UUIDs are "given but unknown"); null when absent. */
export function partnerInput(value: unknown): { given: boolean; id: string | null } {
  if (!isTruthy(value)) return { given: false, id: null };
  return { given: true, id: isUuid(value) ? value.toLowerCase() : null };
}

export interface DeclarationPartners {
  primaryId: string | null;
  secondaryId: string | null;
}

/** The course and its rebranded alternatives (ASO and EHCO count as one course); empty for unknown courses. */
export function courseAlternatives(courseIdentifier: unknown): string[] {
  if (typeof courseIdentifier !== 'string' || !courseByIdentifier(courseIdentifier)) return [];
  return [...rebrandedAlternatives(courseIdentifier as CourseIdentifier)];
}

/** One key per "same course" (ASO/EHCO share one), for lock names. */
export function courseKey(courseIdentifier: string): string {
  return (REBRANDED_COURSE_IDENTIFIERS as readonly string[]).includes(courseIdentifier)
    ? 'ehco-aso'
    : courseIdentifier;
}

/** Leadership and specialist courses: `completed` declarations carry `has_passed` and record an outcome. */
export function courseHasOutcomes(courseIdentifier: unknown): boolean {
  return typeof courseIdentifier === 'string' && hasOutcomes(courseIdentifier);
}

/** Delivery partners are required for declarations from this cohort start year (inside England). */
export const DELIVERY_PARTNER_REQUIRED_FROM = 2024;

/**
 * The delivery partner rules (docs/domain.md#delivery-partner-rules), in DfE's order, shared by create and
 * change-delivery-partner. `changed` says which partner differs from what is stored (a new declaration: both),
 * since the "is a confirmed partner" rule only checks a partner being set; `partnered` is which of the given
 * partners the provider works with in the declaration's cohort.
 */
export function checkDeliveryPartners(
  errors: ValidationErrors,
  ctx: {
    cohortStartYear: number;
    insideEngland: boolean;
    partners: DeclarationPartners;
    changed: { primary: boolean; secondary: boolean };
    partnered: ReadonlySet<string>;
  },
): void {
  const { primaryId, secondaryId } = ctx.partners;
  const inside = ctx.insideEngland;
  if (
    ctx.changed.primary &&
    primaryId === null &&
    inside &&
    ctx.cohortStartYear >= DELIVERY_PARTNER_REQUIRED_FROM
  ) {
    errors.add('delivery_partner_id', MESSAGES.deliveryPartnerRequired);
  }
  if (primaryId !== null && !inside) errors.add('delivery_partner_id', MESSAGES.deliveryPartnerOverseas);
  if (primaryId !== null && ctx.changed.primary && !ctx.partnered.has(primaryId)) {
    errors.add('delivery_partner_id', MESSAGES.deliveryPartnerNotPartnered);
  }
  if (secondaryId !== null && primaryId === null)
    errors.add('secondary_delivery_partner_id', MESSAGES.secondaryWithoutPrimary);
  if (secondaryId !== null && primaryId !== null && !inside) {
    errors.add('secondary_delivery_partner_id', MESSAGES.secondaryOverseas);
  }
  if (secondaryId !== null && ctx.changed.secondary && !ctx.partnered.has(secondaryId)) {
    errors.add('secondary_delivery_partner_id', MESSAGES.secondaryNotPartnered);
  }
  if (primaryId !== null && secondaryId !== null && primaryId === secondaryId) {
    errors.add('secondary_delivery_partner_id', MESSAGES.secondarySameAsPrimary);
  }
}

/**
 * The state a new declaration takes (docs/domain.md#declaration-states): a duplicate of another person's
 * declaration (same TRN) is ineligible; a fundable application's declaration is eligible; else submitted.
 */
export function stateOnCreate(q: { duplicate: boolean; fundable: boolean }): DeclarationState {
  if (q.duplicate) return 'ineligible';
  return q.fundable ? 'eligible' : 'submitted';
}

/** Submitted declarations belong on no statement; eligible and ineligible ones go on the next one. */
export function goesOnStatement(state: DeclarationState): boolean {
  return state !== 'submitted';
}

/** `has_passed` as shown: the latest outcome's pass or fail; voided or no outcome is null. */
export function hasPassedFromOutcome(state: string | undefined): boolean | null {
  return state === 'passed' ? true : state === 'failed' ? false : null;
}

/** DfE's `uplift_paid?`: a paid (or since clawed back) started declaration with targeted delivery funding. */
export function upliftPaid(v: {
  courseIdentifier: string;
  state: DeclarationState;
  declarationType: string;
  targetedDeliveryFundingEligibility: boolean;
}): boolean {
  return (
    !isUpliftIneligible(v.courseIdentifier) &&
    isUpliftPaidState(v.state) &&
    v.declarationType === 'started' &&
    v.targetedDeliveryFundingEligibility
  );
}

/** Only ineligible declarations have a reason; `duplicate` reads `duplicate_declaration`. */
export function ineligibleForFundingReason(v: {
  state: DeclarationState;
  stateReason: string | null;
}): 'duplicate_declaration' | null {
  if (v.state !== 'ineligible' || v.stateReason === null) return null;
  return v.stateReason === 'duplicate' ? 'duplicate_declaration' : (v.stateReason as 'duplicate_declaration');
}

/**
 * Voiding (docs/domain.md#voiding): a declaration that was paid (or is on its way to being paid past the
 * point of no return) is clawed back; any other one is simply voided.
 */
export function voidsByClawback(state: DeclarationState): boolean {
  return (CLAWBACK_STATES as readonly DeclarationState[]).includes(state);
}
