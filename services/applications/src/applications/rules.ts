import {
  defaultScheduleFor,
  findSchedule,
  isScheduleValidForCourse,
  rebrandedAlternatives,
  type ApplicationStatus,
  type Cohort,
  type CourseIdentifier,
} from '@npq/contracts';
import { ValidationErrors } from '@npq/service-kit';

/** DfE's messages for the application commands (docs/domain.md, "Accepting", "Rejecting", "Funded place"). */
export const MESSAGES = {
  alreadyAccepted: 'This NPQ application has already been accepted',
  cannotChangeFromRejected: 'Once rejected an application cannot change state',
  anotherAccepted: 'The participant has already had an application accepted for this course.',
  notEligibleForFundedPlace:
    "The participant is not eligible for funding, so '#/funded_place' cannot be set to true.",
  fundedPlaceInclusion: "Set '#/funded_place' to true or false.",
  fundedPlaceUnfunded: "The '#/funded_place' field should be false for unfunded cohorts.",
  scheduleNotFound: 'The selected schedule cannot be found in the application cohort',
  scheduleInvalidForCourse: 'The selected schedule is not valid for the course',
  scheduleBlank: 'Schedule cannot be determined',
  alreadyRejected: 'This NPQ application has already been rejected',
  rejectWithDeclarations:
    'This application has declarations that prevent it from being rejected. Void the declarations first, or contact us for assistance.',
  changeNotAccepted:
    "You must accept the application before attempting to change the '#/funded_place' setting.",
  changeNotEligible: 'This participant is not eligible for funding. Contact us if you think this is wrong.',
  changeNotCapped:
    "Leave the '#/funded_place' field blank. It's only needed for participants starting NPQs from autumn 2024 onwards.",
  changeWithDeclarations:
    'You cannot change the funded place because declarations have been submitted. You will need to void the existing declarations and resubmit them after changing the funded place.',
} as const;

/** The reason given to the other applications of a person when one is accepted. */
export const OTHER_APPLICATION_ACCEPTED = 'other_application_in_this_cohort_accepted';

/** Whether two courses count as one (ASO and EHCO do; docs/domain.md, "Funding eligibility"). */
export function sameCourse(a: string, b: string): boolean {
  return rebrandedAlternatives(a as CourseIdentifier).includes(b as CourseIdentifier);
}

/** What "previously funded" looks at in another application of the same person. */
export interface FundingHistoryEntry {
  id: string;
  courseIdentifier: string;
  status: ApplicationStatus;
  eligibleForFunding: boolean;
  fundedPlace: boolean | null;
}

/**
 * "Previously funded" (docs/domain.md, "Funding eligibility"): another accepted, funding-eligible application
 * of the same person for the same course (ASO and EHCO count as one) whose funded place is not false, at any
 * provider and in any cohort. The list and show query say the same in SQL (`PREVIOUSLY_FUNDED`).
 */
export function isPreviouslyFunded(
  application: Pick<FundingHistoryEntry, 'id' | 'courseIdentifier'>,
  others: readonly FundingHistoryEntry[],
): boolean {
  return others.some(
    (o) =>
      o.id !== application.id &&
      o.status === 'accepted' &&
      o.eligibleForFunding &&
      o.fundedPlace !== false &&
      sameCourse(o.courseIdentifier, application.courseIdentifier),
  );
}

/**
 * `eligible_for_funding` as providers see it (docs/domain.md, "Funding eligibility"): the registration's
 * eligibility, unless the person was previously funded for the course and policy has not marked them funded.
 */
export function eligibleForDfeFunding(v: {
  previouslyFunded: boolean;
  fundingEligibilityStatusCode: string | null;
  eligibleForFunding: boolean;
}): boolean {
  if (v.previouslyFunded && v.fundingEligibilityStatusCode !== 'marked_funded_by_policy') return false;
  return v.eligibleForFunding;
}

/** `ineligible_for_funding_reason`: previously funded first, then the registration's own eligibility. */
export function ineligibleForFundingReason(v: { previouslyFunded: boolean; eligibleForFunding: boolean }) {
  if (v.previouslyFunded) return 'previously-funded' as const;
  if (!v.eligibleForFunding) return 'establishment-ineligible' as const;
  return null;
}

/** Whether an application counts as fundable downstream: eligible and not refused a funded place. */
export function isFundable(eligible: boolean, fundedPlace: boolean | null): boolean {
  return eligible && fundedPlace !== false;
}

/** What accept needs to know about the application. */
export interface AcceptTarget {
  status: ApplicationStatus;
  courseIdentifier: string;
  eligibleForFunding: boolean;
}

export interface AcceptRequest {
  /** `undefined` when the request had no body or did not mention it. */
  fundedPlace: unknown;
  scheduleIdentifier: unknown;
}

export interface AcceptDecision {
  scheduleIdentifier: string;
  /** Set only for capped cohorts; other cohorts keep the funded place they have. */
  fundedPlace?: boolean;
}

/**
 * Accept's checks in DfE's order (docs/domain.md, "Accepting"). Every failing check is reported, but some are
 * only made while nothing else has failed, as DfE's validations do. `anotherAccepted` is whether the person
 * (or, with a validated TRN, anyone with that TRN) already has a live accepted application for the course in
 * the cohort; `date` picks the default schedule. Throws the 422; otherwise returns what to set.
 */
export function decideAccept(
  application: AcceptTarget,
  cohort: Cohort,
  request: AcceptRequest,
  anotherAccepted: boolean,
  date: string,
): AcceptDecision {
  const errors = new ValidationErrors();
  const { fundedPlace } = request;
  if (cohort.funding === 'capped' && typeof fundedPlace !== 'boolean') {
    errors.add('funded_place', MESSAGES.fundedPlaceInclusion);
  }
  if (cohort.funding === 'zero' && fundedPlace !== false)
    errors.add('funded_place', MESSAGES.fundedPlaceUnfunded);
  if (application.status === 'accepted') errors.add('application', MESSAGES.alreadyAccepted);
  if (application.status === 'rejected') errors.add('application', MESSAGES.cannotChangeFromRejected);
  if (anotherAccepted) errors.add('application', MESSAGES.anotherAccepted);
  if (
    !errors.any() &&
    cohort.funding === 'capped' &&
    fundedPlace === true &&
    !application.eligibleForFunding
  ) {
    errors.add('application', MESSAGES.notEligibleForFundedPlace);
  }

  const scheduleIdentifier = chooseSchedule(application, cohort, request.scheduleIdentifier, date, errors);
  errors.throwIfAny();
  return {
    scheduleIdentifier: scheduleIdentifier!,
    ...(cohort.funding === 'capped' ? { fundedPlace: fundedPlace as boolean } : {}),
  };
}

/**
 * The schedule accept gives: the one asked for, if it exists in the cohort and suits the course, else the
 * course's default for the cohort on `date`. Ruby's `present?` decides whether one was asked for (a blank
 * string is not); the lookup then uses the value exactly as sent (DfE does not strip it), and a value that
 * is not a string names no schedule.
 */
function chooseSchedule(
  application: AcceptTarget,
  cohort: Cohort,
  requested: unknown,
  date: string,
  errors: ValidationErrors,
): string | undefined {
  const given =
    requested !== undefined &&
    requested !== null &&
    !(typeof requested === 'string' && requested.trim() === '');
  if (given) {
    const schedule = typeof requested === 'string' ? findSchedule(cohort.identifier, requested) : undefined;
    if (!schedule) errors.add('schedule_identifier', MESSAGES.scheduleNotFound);
    else if (!errors.any() && !isScheduleValidForCourse(schedule.identifier, application.courseIdentifier)) {
      errors.add('schedule_identifier', MESSAGES.scheduleInvalidForCourse);
    } else return schedule.identifier;
    return undefined;
  }
  const fallback = defaultScheduleFor({
    courseIdentifier: application.courseIdentifier as CourseIdentifier,
    cohortIdentifier: cohort.identifier,
    date,
  });
  if (!fallback.schedule) errors.add('schedule', MESSAGES.scheduleBlank);
  return fallback.schedule?.identifier;
}

/**
 * Which other applications accept rejects (docs/domain.md, "Accepting"): every other application of the person
 * for exactly this course and cohort, at any provider and in any status, except one already rejected for
 * this very reason (DfE rewrites the reason of an application rejected otherwise).
 */
export function needsRejectingOnAccept(sibling: {
  status: ApplicationStatus;
  reasonForRejection: string | null;
}): boolean {
  return sibling.status !== 'rejected' || sibling.reasonForRejection !== OTHER_APPLICATION_ACCEPTED;
}

/** Reject's checks in order (docs/domain.md, "Rejecting"). Throws the 422. */
export function checkReject(status: ApplicationStatus, hasLiveDeclarations: boolean): void {
  const errors = new ValidationErrors();
  if (status === 'rejected') errors.add('application', MESSAGES.alreadyRejected);
  if (hasLiveDeclarations) errors.add('application', MESSAGES.rejectWithDeclarations);
  errors.throwIfAny();
}

/**
 * Change-funded-place's checks in order (docs/domain.md, "Funded place"). `fundedPlace` is the value as sent;
 * Ruby truthiness decides whether it asks for a place (anything but nil and false, so the string "false"
 * does). Throws the 422; otherwise the value is a boolean.
 */
export function checkChangeFundedPlace(
  application: { status: ApplicationStatus; eligibleForFunding: boolean },
  cohort: Pick<Cohort, 'funding'> | undefined,
  fundedPlace: unknown,
  hasLiveDeclarations: boolean,
): asserts fundedPlace is boolean {
  const errors = new ValidationErrors();
  if (typeof fundedPlace !== 'boolean') errors.add('funded_place', MESSAGES.fundedPlaceInclusion);
  if (application.status !== 'accepted') errors.add('application', MESSAGES.changeNotAccepted);
  const truthy = fundedPlace !== undefined && fundedPlace !== null && fundedPlace !== false;
  if (truthy && !application.eligibleForFunding) errors.add('application', MESSAGES.changeNotEligible);
  if (!errors.any() && cohort?.funding !== 'capped') errors.add('application', MESSAGES.changeNotCapped);
  if (hasLiveDeclarations) errors.add('application', MESSAGES.changeWithDeclarations);
  errors.throwIfAny();
}
