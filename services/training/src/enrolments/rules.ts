import {
  cohortByIdentifier,
  contractTemplateFor,
  currentCohort,
  isDeclarationTypeAllowed,
  isDeferralReason,
  isFunded,
  isScheduleValidForCourse,
  isWithdrawalReason,
  type Cohort,
  type CohortFunding,
  type Schedule,
  type TrainingStatus,
} from '@npq/contracts';
import { startOfDayUtc, type ValidationErrors } from '@npq/service-kit';

/**
 * The rules of the participant actions (docs/domain.md, "Participant actions"). Each check adds DfE's
 * message to `errors` in DfE's order; the commands load the facts and write the result.
 */
export const MESSAGES = {
  courseIdentifier:
    "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again.",
  invalidParticipant:
    "Your update cannot be made as the '#/participant_id' is not recognised. Check participant details and try again.",
  applicationNotFound:
    "Your update cannot be made as an accepted application cannot be found for the given '#/participant_id' and '#/course_identifier'.",
  invalidReason: "The property '#/reason' must be a valid reason",
  alreadyActive: 'The participant is already active',
  alreadyDeferred: 'The participant is already deferred',
  alreadyWithdrawn: 'The participant is already withdrawn',
  noDeclarations: 'You cannot defer an NPQ participant that has no declarations',
  noStartedDeclarations:
    'An NPQ participant who has not got a started declaration cannot be withdrawn. Please contact support for assistance',
  scheduleBlank: "The property '#/schedule_identifier' must be present",
  invalidatesDeclaration: 'Changing schedule would invalidate existing declarations. Please void them first.',
  scheduleUnchanged: 'The participant already has the specified schedule',
  scheduleInvalidForCourse: 'The selected schedule is not valid for the course',
  missingContract:
    'You cannot change a participant to this cohort as you do not have a contract for the cohort and course. Contact the DfE for assistance.',
  cohortWithDeclarations:
    "You cannot change the '#/cohort' field when there are submitted, eligible, payable, or paid declarations in the new cohort",
  cohortCappedToFull:
    "You cannot change the '#/cohort' field from one with a funding cap to one without a funding cap",
  cohortZeroToFunded:
    "You cannot change the '#/cohort' field from one that is not funded to with that is funded",
} as const;

export const participantIdReplaced = (from: string, to: string) =>
  `The participant_id '${from}' has been replaced with '${to}'.`;

/** Ruby's `present?` for a JSON value. */
export function present(value: unknown): boolean {
  return (
    value !== undefined &&
    value !== null &&
    !(typeof value === 'string' && value.trim() === '') &&
    value !== false
  );
}

/** What the status checks need to know about the enrolment; null when there is no application to act on. */
export interface StatusFacts {
  trainingStatus: TrainingStatus;
  /** Any declaration at all, voided included. */
  hasDeclarations: boolean;
  /** A `started` declaration, in any state. */
  hasStartedDeclaration: boolean;
}

/** Defer: a deferral reason; not already deferred or withdrawn; at least one declaration. */
export function checkDefer(errors: ValidationErrors, reason: unknown, e: StatusFacts | null): void {
  if (!isDeferralReason(reason)) errors.add('reason', MESSAGES.invalidReason);
  if (e?.trainingStatus === 'deferred') errors.add('participant_id', MESSAGES.alreadyDeferred);
  if (e?.trainingStatus === 'withdrawn') errors.add('participant_id', MESSAGES.alreadyWithdrawn);
  if (e && !e.hasDeclarations) errors.add('participant_id', MESSAGES.noDeclarations);
}

/** Resume: from deferred or withdrawn. */
export function checkResume(errors: ValidationErrors, e: StatusFacts | null): void {
  if (e?.trainingStatus === 'active') errors.add('participant_id', MESSAGES.alreadyActive);
}

/** Withdraw: a withdrawal reason; not already withdrawn; then (only if all else passed) a started declaration. */
export function checkWithdraw(errors: ValidationErrors, reason: unknown, e: StatusFacts | null): void {
  if (!isWithdrawalReason(reason)) errors.add('reason', MESSAGES.invalidReason);
  if (e?.trainingStatus === 'withdrawn') errors.add('participant_id', MESSAGES.alreadyWithdrawn);
  if (!errors.any() && e && !e.hasStartedDeclaration)
    errors.add('participant_id', MESSAGES.noStartedDeclarations);
}

/**
 * The start year change-schedule looks in: the `cohort` attribute when given (a string or integer year;
 * anything else, including "", matches no cohort), else the current schedule's cohort, else the current
 * cohort. DfE reads it as `@cohort_start_year || …`, so `null` and `false` count as not given.
 */
export function targetStartYear(
  cohort: unknown,
  current: { scheduleIdentifier: string | null; cohortIdentifier: string } | null,
  today: string,
): number | undefined {
  if (cohort !== undefined && cohort !== null && cohort !== false) {
    if (typeof cohort === 'number') return Number.isInteger(cohort) ? cohort : undefined;
    if (typeof cohort === 'string' && /^\s*\d+\s*$/.test(cohort)) return Number.parseInt(cohort.trim(), 10);
    return undefined;
  }
  const scheduled = current?.scheduleIdentifier ? cohortByIdentifier(current.cohortIdentifier) : undefined;
  return scheduled?.startYear ?? currentCohort(today)?.startYear;
}

/**
 * The funded place after change-schedule: full → capped takes the raw eligibility; moving to a zero cohort
 * means no funded place; anything else keeps it (capped → capped keeps its value).
 */
export function fundedPlaceAfterMove(
  from: CohortFunding,
  to: CohortFunding,
  fundedPlace: boolean | null,
  eligibleForFunding: boolean,
): boolean | null {
  if (from === 'full' && to === 'capped') return eligibleForFunding;
  if (to === 'zero') return false;
  return fundedPlace;
}

/** What the change-schedule checks look at. */
export interface ScheduleChange {
  /** The `schedule_identifier` attribute as sent. */
  scheduleIdentifier: unknown;
  courseIdentifier: unknown;
  /** The schedule it names in the target start year, if any. */
  newSchedule: Schedule | undefined;
  /** The new schedule's cohort, or the current cohort when no schedule was found. */
  targetCohort: Cohort | undefined;
  /** Null when there is no application to act on (only the checks that need none run). */
  enrolment: {
    trainingStatus: TrainingStatus;
    courseIdentifier: string;
    /** The schedule it is on now, if any. */
    current: Schedule | undefined;
    cohort: Cohort;
  } | null;
  /** Its submitted, eligible, payable or paid declarations (looked up only when a new schedule was found). */
  liveDeclarations: { declarationType: string; declarationDate: Date }[];
}

/**
 * Change-schedule's checks in DfE's order. The checks on the new schedule need one; the funding checks
 * only need the application, and compare its cohort with the target cohort.
 */
export function checkScheduleChange(errors: ValidationErrors, c: ScheduleChange): void {
  const { newSchedule, targetCohort, enrolment } = c;
  if (!present(c.scheduleIdentifier) || !newSchedule)
    errors.add('schedule_identifier', MESSAGES.scheduleBlank);
  if (
    !errors.any() &&
    !(targetCohort && contractTemplateFor(c.courseIdentifier as string, targetCohort.identifier))
  ) {
    errors.add('cohort', MESSAGES.missingContract);
  }
  if (enrolment?.trainingStatus === 'withdrawn') errors.add('participant_id', MESSAGES.alreadyWithdrawn);
  if (!enrolment) return;

  const current = enrolment.current;
  if (newSchedule) {
    const appliesFrom = startOfDayUtc(newSchedule.appliesFrom).getTime();
    for (const d of c.liveDeclarations) {
      if (!isDeclarationTypeAllowed(newSchedule, d.declarationType))
        errors.add('schedule_identifier', MESSAGES.invalidatesDeclaration);
      // `<=`: a declaration at exactly 00:00 on the new start invalidates (creation allows equality).
      if (d.declarationDate.getTime() <= appliesFrom)
        errors.add('schedule_identifier', MESSAGES.invalidatesDeclaration);
    }
    if (
      current &&
      current.identifier === newSchedule.identifier &&
      current.cohortIdentifier === newSchedule.cohortIdentifier
    ) {
      errors.add('schedule_identifier', MESSAGES.scheduleUnchanged);
    }
    if (!errors.any() && !isScheduleValidForCourse(newSchedule.identifier, enrolment.courseIdentifier)) {
      errors.add('schedule_identifier', MESSAGES.scheduleInvalidForCourse);
    }
    if (
      !errors.any() &&
      c.liveDeclarations.length > 0 &&
      newSchedule.cohortIdentifier !== current?.cohortIdentifier
    ) {
      errors.add('cohort', MESSAGES.cohortWithDeclarations);
    }
  }
  if (targetCohort) {
    const from = enrolment.cohort;
    if (
      from.identifier !== targetCohort.identifier &&
      from.funding === 'capped' &&
      targetCohort.funding === 'full'
    )
      errors.add('cohort', MESSAGES.cohortCappedToFull);
    if (isFunded(targetCohort) && from.funding === 'zero') errors.add('cohort', MESSAGES.cohortZeroToFunded);
  }
}
