import {
  BILLABLE_OR_VOIDABLE_STATES,
  hasOutcomes,
  isSubmittableOutcomeState,
  OUTCOME_COURSE_IDENTIFIERS,
  type OutcomeState,
} from '@npq/contracts';
import { isValidDateOnly, type ValidationErrors } from '@npq/service-kit';

/** States of a completed declaration that can carry an outcome (docs/domain.md, "Outcomes"). */
export const OUTCOME_DECLARATION_STATES = BILLABLE_OR_VOIDABLE_STATES;

export const OUTCOME_MESSAGES = {
  courseInclusion:
    "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again.",
  courseBlank: "Enter a '#/course_identifier' value for this participant.",
  stateInclusion:
    "The attribute '#/state' can only include 'passed' or 'failed' values. If you need to void an outcome, you will need to void the associated 'completed' declaration.",
  stateBlank:
    "The '#/state' is missing from your request. Please include a 'passed' or 'failed' value and try again.",
  completionDateBlank:
    "The '#/completion_date' is missing from your request. Please include a completion_date value and try again.",
  completionDateFormat: "The '#/completion_date' value must be in the following format: 'yyyy-mm-dd'",
  completionDateFuture:
    "The '#/completion_date' value cannot be a future date. Check the date and try again.",
  noCompletedDeclarations:
    "The participant has not had a 'completed' declaration submitted for them. Therefore you cannot update their outcome.",
  invalidParticipant:
    "Your update cannot be made as the '#/participant_id' is not recognised. Check participant details and try again.",
} as const;

/** DfE's completion-date format check is an unanchored `\d{4}-\d{2}-\d{2}`: any string containing one passes. */
const COMPLETION_DATE = /\d{4}-\d{2}-\d{2}/;

/** Ruby's `blank?` for a JSON value. */
export function blank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === false ||
    (typeof value === 'string' && value.trim() === '')
  );
}

/**
 * The calendar date a completion date names, or null when it has no `YYYY-MM-DD` in it or that is not a
 * real date (2021-02-30). DfE reads the date the way `String#to_date` does: the first such date in it.
 */
export function completionDateOf(value: unknown): string | null {
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  const match = COMPLETION_DATE.exec(text);
  return match && isValidDateOnly(match[0]) ? match[0] : null;
}

/** What a provider sent: the attributes of POST /participants/npq/{id}/outcomes. */
export interface OutcomeInput {
  courseIdentifier: unknown;
  state: unknown;
  completionDate: unknown;
}

/**
 * The checks on an outcome submission's attributes, in DfE's order up to the declaration lookup (the
 * command adds the rest): course, state, completion date. Returns the completion date it names, if any.
 */
export function checkOutcomeAttributes(errors: ValidationErrors, input: OutcomeInput): string | null {
  const course = input.courseIdentifier;
  if (typeof course !== 'string' || !(OUTCOME_COURSE_IDENTIFIERS as readonly string[]).includes(course))
    errors.add('course_identifier', OUTCOME_MESSAGES.courseInclusion);
  if (blank(course)) errors.add('course_identifier', OUTCOME_MESSAGES.courseBlank);
  if (!isSubmittableOutcomeState(input.state)) errors.add('state', OUTCOME_MESSAGES.stateInclusion);
  if (blank(input.state)) errors.add('state', OUTCOME_MESSAGES.stateBlank);
  if (blank(input.completionDate)) errors.add('completion_date', OUTCOME_MESSAGES.completionDateBlank);
  const completionDate = completionDateOf(input.completionDate);
  if (!completionDate) errors.add('completion_date', OUTCOME_MESSAGES.completionDateFormat);
  return completionDate;
}

/**
 * Outcome de-duplication against the declaration's current outcome: asking for `passed` over a `passed`
 * outcome, or for the same state and date, returns the existing one instead of recording another.
 */
export function isRepeat(
  latest: { state: OutcomeState; completionDate: string } | null,
  state: OutcomeState,
  completionDate: string,
): boolean {
  if (!latest) return false;
  if (state === 'passed' && latest.state === 'passed') return true;
  return latest.state === state && latest.completionDate === completionDate;
}

/** Only completed declarations of leadership and specialist courses carry outcomes. */
export function carriesOutcome(d: { declarationType: string; courseIdentifier: string }): boolean {
  return d.declarationType === 'completed' && hasOutcomes(d.courseIdentifier);
}

/** The outcome a completed declaration submitted with `has_passed` records (null: it records none). */
export function outcomeStateFromDeclaration(hasPassed: boolean | null): 'passed' | 'failed' | null {
  if (hasPassed === null) return null;
  return hasPassed ? 'passed' : 'failed';
}
