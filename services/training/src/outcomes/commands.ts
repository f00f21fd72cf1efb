import {
  isSubmittableOutcomeState,
  OUTCOME_COURSE_IDENTIFIERS,
  type EventEnvelope,
  type OutcomeState,
} from '@npq/contracts';
import {
  isValidDateOnly,
  now,
  today,
  ValidationErrors,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { DeclarationRepository } from '../declarations/repository';
import { participantIdReplaced } from '../enrolments/commands';
import { ParticipantRepository } from '../participants/repository';
import { OutcomeRepository, type OutcomeView } from './repository';
import { appendOutcome, isRepeat } from './service';

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

export interface OutcomeInput {
  courseIdentifier: unknown;
  state: unknown;
  completionDate: unknown;
}

export interface OutcomeCommandResult {
  outcome: OutcomeView;
  events: EventEnvelope[];
}

function blank(value: unknown): boolean {
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

/**
 * POST /participants/npq/{id}/outcomes (business-rules §6.1): every check in DfE's order, then, on the
 * latest completed declaration the provider may report on, either the existing equal outcome or a new one.
 * An impossible calendar date is a 422 format error (DfE's code answers 400 "invalid date"; its own spec
 * expects this 422).
 */
export async function createOutcome(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  participantId: string,
  input: OutcomeInput,
): Promise<OutcomeCommandResult> {
  return em.transactional(async (tx) => {
    const errors = new ValidationErrors();
    const participants = new ParticipantRepository(tx);
    const declarations = new DeclarationRepository(tx);

    const change = await participants.changeFrom(participantId);
    if (change)
      errors.add('participant_id', participantIdReplaced(change.fromParticipantId, change.toParticipantId));
    const course = input.courseIdentifier;
    if (typeof course !== 'string' || !(OUTCOME_COURSE_IDENTIFIERS as readonly string[]).includes(course)) {
      errors.add('course_identifier', OUTCOME_MESSAGES.courseInclusion);
    }
    if (blank(course)) errors.add('course_identifier', OUTCOME_MESSAGES.courseBlank);
    if (!isSubmittableOutcomeState(input.state)) errors.add('state', OUTCOME_MESSAGES.stateInclusion);
    if (blank(input.state)) errors.add('state', OUTCOME_MESSAGES.stateBlank);
    if (blank(input.completionDate)) errors.add('completion_date', OUTCOME_MESSAGES.completionDateBlank);
    const completionDate = completionDateOf(input.completionDate);
    if (!completionDate) errors.add('completion_date', OUTCOME_MESSAGES.completionDateFormat);
    const completed =
      typeof course === 'string'
        ? await declarations.completedForOutcome(participantId, leadProviderId, course)
        : [];
    if (completed.length === 0) errors.add('base', OUTCOME_MESSAGES.noCompletedDeclarations);
    if (!errors.has('completion_date') && completionDate! > today()) {
      errors.add('completion_date', OUTCOME_MESSAGES.completionDateFuture);
    }
    if (!(await participants.isVisible(participantId, leadProviderId)))
      errors.add('participant_id', OUTCOME_MESSAGES.invalidParticipant);
    errors.throwIfAny();

    // The latest completed declaration, locked: outcomes of one declaration are written one at a time.
    const target = await declarations.lock(completed[0]!.id);
    if (!target) throw new Error('declaration vanished');
    const state = input.state as OutcomeState;
    const latest = await new OutcomeRepository(tx).latestOf(target.id);
    if (latest && isRepeat(latest, state, completionDate!)) return { outcome: latest, events: [] };
    const { outcome, event } = await appendOutcome(
      tx,
      naming,
      target,
      course as string,
      state,
      completionDate!,
      now(),
    );
    return { outcome, events: event ? [event] : [] };
  });
}
