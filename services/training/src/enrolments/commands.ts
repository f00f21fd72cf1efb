import {
  cohortByIdentifier,
  contractTemplateFor,
  currentCohort,
  findSchedule,
  isCourseIdentifier,
  isDeclarationTypeAllowed,
  isDeferralReason,
  isFunded,
  isScheduleValidForCourse,
  isWithdrawalReason,
  resolveScheduleForChange,
  type CohortFunding,
  type EventEnvelope,
  type Schedule,
  type TrainingStatus,
} from '@npq/contracts';
import {
  now,
  startOfDayUtc,
  today,
  ValidationErrors,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { DeclarationRepository } from '../declarations/repository';
import { stageScheduleChanged, stageTrainingStatusChanged, type EnrolmentRef } from '../events/staging';
import { ParticipantRepository } from '../participants/repository';
import { EnrolmentRepository, type EnrolmentRow } from './repository';

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

export type ActionName = 'defer' | 'resume' | 'withdraw' | 'change-schedule';

/** `data.attributes` of a participant action (only the keys DfE permits; each action reads its own). */
export interface ActionInput {
  courseIdentifier: unknown;
  reason?: unknown;
  scheduleIdentifier?: unknown;
  cohort?: unknown;
}

export interface ActionResult {
  participantId: string;
  events: EventEnvelope[];
}

interface Context {
  em: EntityManager;
  errors: ValidationErrors;
  participantId: string;
  leadProviderId: string;
  input: ActionInput;
  /** Null when DfE's `application` would be nil: every check that needs it is skipped. */
  enrolment: EnrolmentRow | null;
  declarations: DeclarationRepository;
}

/** Ruby's `present?` for a JSON value. */
function present(value: unknown): boolean {
  return (
    value !== undefined &&
    value !== null &&
    !(typeof value === 'string' && value.trim() === '') &&
    value !== false
  );
}

/**
 * `Participants::Action` (business-rules §4.0), in DfE's order: a retired id, the course identifier, the
 * participant, then (only if nothing failed yet) the provider's accepted application for exactly that
 * course, whose enrolment is locked until the command commits.
 */
async function commonChecks(
  em: EntityManager,
  participantId: string,
  leadProviderId: string,
  input: ActionInput,
): Promise<Context> {
  const errors = new ValidationErrors();
  const participants = new ParticipantRepository(em);
  const change = await participants.changeFrom(participantId);
  if (change)
    errors.add('participant_id', participantIdReplaced(change.fromParticipantId, change.toParticipantId));
  if (!isCourseIdentifier(input.courseIdentifier)) errors.add('course_identifier', MESSAGES.courseIdentifier);
  if (!(await participants.isVisible(participantId, leadProviderId)))
    errors.add('participant_id', MESSAGES.invalidParticipant);
  let enrolment: EnrolmentRow | null = null;
  if (!errors.any()) {
    enrolment = await new EnrolmentRepository(em).lockForCommand(
      participantId,
      leadProviderId,
      input.courseIdentifier as string,
    );
    if (!enrolment) errors.add('participant_id', MESSAGES.applicationNotFound);
  }
  return {
    em,
    errors,
    participantId,
    leadProviderId,
    input,
    enrolment,
    declarations: new DeclarationRepository(em),
  };
}

/** The enrolment as its events name it, at the version the change gave it. */
function enrolmentRef(enrolment: EnrolmentRow, version: number): EnrolmentRef {
  return {
    applicationId: enrolment.id,
    participantId: enrolment.participant_id,
    leadProviderId: enrolment.lead_provider_id,
    version,
  };
}

async function changeStatus(
  ctx: Context,
  naming: Naming,
  state: TrainingStatus,
  reason: string | null,
): Promise<EventEnvelope[]> {
  const enrolment = ctx.enrolment!;
  const at = now();
  const version = await new EnrolmentRepository(ctx.em).changeTrainingStatus(enrolment, {
    state,
    reason,
    leadProviderId: ctx.leadProviderId,
    at,
  });
  return [
    await stageTrainingStatusChanged(ctx.em, naming, enrolmentRef(enrolment, version), {
      trainingStatus: state,
      reason,
      changedAt: at,
    }),
  ];
}

/** `Participants::Defer` (§4.1). */
async function defer(ctx: Context, naming: Naming): Promise<EventEnvelope[]> {
  const { errors, enrolment, input } = ctx;
  if (!isDeferralReason(input.reason)) errors.add('reason', MESSAGES.invalidReason);
  if (enrolment?.training_status === 'deferred') errors.add('participant_id', MESSAGES.alreadyDeferred);
  if (enrolment?.training_status === 'withdrawn') errors.add('participant_id', MESSAGES.alreadyWithdrawn);
  if (enrolment && !(await ctx.declarations.hasAny(enrolment.id)))
    errors.add('participant_id', MESSAGES.noDeclarations);
  errors.throwIfAny();
  return changeStatus(ctx, naming, 'deferred', input.reason as string);
}

/** `Participants::Resume` (§4.2): from deferred or withdrawn. */
async function resume(ctx: Context, naming: Naming): Promise<EventEnvelope[]> {
  const { errors, enrolment } = ctx;
  if (enrolment?.training_status === 'active') errors.add('participant_id', MESSAGES.alreadyActive);
  errors.throwIfAny();
  return changeStatus(ctx, naming, 'active', null);
}

/** `Participants::Withdraw` (§4.3). */
async function withdraw(ctx: Context, naming: Naming): Promise<EventEnvelope[]> {
  const { errors, enrolment, input } = ctx;
  if (!isWithdrawalReason(input.reason)) errors.add('reason', MESSAGES.invalidReason);
  if (enrolment?.training_status === 'withdrawn') errors.add('participant_id', MESSAGES.alreadyWithdrawn);
  if (!errors.any() && enrolment && !(await ctx.declarations.hasStarted(enrolment.id))) {
    errors.add('participant_id', MESSAGES.noStartedDeclarations);
  }
  errors.throwIfAny();
  return changeStatus(ctx, naming, 'withdrawn', input.reason as string);
}

/**
 * The start year change-schedule looks in: the `cohort` attribute when given (a string or integer year;
 * anything else, including "", matches no cohort), else the current schedule's cohort, else the current
 * cohort. DfE reads it as `@cohort_start_year || …`, so `null` and `false` count as not given.
 */
function targetStartYear(cohort: unknown, enrolment: EnrolmentRow | null): number | undefined {
  if (cohort !== undefined && cohort !== null && cohort !== false) {
    if (typeof cohort === 'number') return Number.isInteger(cohort) ? cohort : undefined;
    if (typeof cohort === 'string' && /^\s*\d+\s*$/.test(cohort)) return Number.parseInt(cohort.trim(), 10);
    return undefined;
  }
  const scheduled = enrolment?.schedule_identifier
    ? cohortByIdentifier(enrolment.cohort_identifier)
    : undefined;
  return scheduled?.startYear ?? currentCohort(today())?.startYear;
}

/**
 * The funded place after change-schedule (§4.4 effects): full → capped takes the raw eligibility; moving to
 * a zero cohort means no funded place; anything else keeps it (capped → capped keeps its value).
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

/**
 * `Participants::ChangeSchedule` (§4.4), checks #7–#16 in order. The checks on the new schedule (#11–#14)
 * need one; the funding checks (#15, #16) only need the application, and compare its cohort with DfE's
 * `cohort`: the new schedule's, or the current cohort when no schedule was found.
 */
async function changeSchedule(ctx: Context, naming: Naming): Promise<EventEnvelope[]> {
  const { errors, enrolment, input } = ctx;
  const startYear = targetStartYear(input.cohort, enrolment);
  const newSchedule: Schedule | undefined =
    typeof input.scheduleIdentifier === 'string' && startYear !== undefined
      ? resolveScheduleForChange({ scheduleIdentifier: input.scheduleIdentifier, cohortStartYear: startYear })
      : undefined;
  const targetCohort = newSchedule
    ? cohortByIdentifier(newSchedule.cohortIdentifier)
    : currentCohort(today());

  if (!present(input.scheduleIdentifier) || !newSchedule)
    errors.add('schedule_identifier', MESSAGES.scheduleBlank);
  if (
    !errors.any() &&
    !(targetCohort && contractTemplateFor(input.courseIdentifier as string, targetCohort.identifier))
  ) {
    errors.add('cohort', MESSAGES.missingContract);
  }
  if (enrolment?.training_status === 'withdrawn') errors.add('participant_id', MESSAGES.alreadyWithdrawn);
  if (!enrolment) {
    errors.throwIfAny();
    throw new Error('change-schedule without an application passed validation');
  }

  const live = newSchedule ? await ctx.declarations.live(enrolment.id) : [];
  const current = enrolment.schedule_identifier
    ? findSchedule(enrolment.cohort_identifier, enrolment.schedule_identifier)
    : undefined;
  if (newSchedule) {
    const appliesFrom = startOfDayUtc(newSchedule.appliesFrom);
    for (const d of live) {
      if (!isDeclarationTypeAllowed(newSchedule, d.declaration_type))
        errors.add('schedule_identifier', MESSAGES.invalidatesDeclaration);
      // `<=`: a declaration at exactly 00:00 on the new start invalidates (creation allows equality).
      if (new Date(d.declaration_date).getTime() <= appliesFrom.getTime()) {
        errors.add('schedule_identifier', MESSAGES.invalidatesDeclaration);
      }
    }
    if (
      current &&
      current.identifier === newSchedule.identifier &&
      current.cohortIdentifier === newSchedule.cohortIdentifier
    ) {
      errors.add('schedule_identifier', MESSAGES.scheduleUnchanged);
    }
    if (!errors.any() && !isScheduleValidForCourse(newSchedule.identifier, enrolment.course_identifier)) {
      errors.add('schedule_identifier', MESSAGES.scheduleInvalidForCourse);
    }
    if (!errors.any() && live.length > 0 && newSchedule.cohortIdentifier !== current?.cohortIdentifier) {
      errors.add('cohort', MESSAGES.cohortWithDeclarations);
    }
  }
  const oldCohort = cohortByIdentifier(enrolment.cohort_identifier);
  if (!oldCohort) throw new Error(`enrolment ${enrolment.id} has an unknown cohort`);
  if (targetCohort) {
    const cohortChanges = oldCohort.identifier !== targetCohort.identifier;
    if (cohortChanges && oldCohort.funding === 'capped' && targetCohort.funding === 'full') {
      errors.add('cohort', MESSAGES.cohortCappedToFull);
    }
    if (isFunded(targetCohort) && oldCohort.funding === 'zero')
      errors.add('cohort', MESSAGES.cohortZeroToFunded);
  }
  errors.throwIfAny();
  if (!newSchedule || !targetCohort) throw new Error('change-schedule without a schedule passed validation');
  const newCohort = targetCohort;

  const fundedPlace = fundedPlaceAfterMove(
    oldCohort.funding,
    newCohort.funding,
    enrolment.funded_place,
    enrolment.eligible_for_funding,
  );

  const at = now();
  const version = await new EnrolmentRepository(ctx.em).changeSchedule(enrolment, {
    scheduleIdentifier: newSchedule.identifier,
    cohortIdentifier: newCohort.identifier,
    fundedPlace,
    at,
  });
  return [
    await stageScheduleChanged(ctx.em, naming, enrolmentRef(enrolment, version), {
      scheduleIdentifier: newSchedule.identifier,
      cohortIdentifier: newCohort.identifier,
      fundedPlace,
      changedAt: at,
    }),
  ];
}

const ACTIONS: Record<ActionName, (ctx: Context, naming: Naming) => Promise<EventEnvelope[]>> = {
  defer,
  resume,
  withdraw,
  'change-schedule': changeSchedule,
};

/**
 * Runs a participant action in one transaction: DfE's checks (422 with every message in DfE's order),
 * then the change and its event, staged in the same transaction. Concurrent actions on one enrolment
 * queue on its row lock, so each sees the state the previous one left.
 */
export async function runParticipantAction(
  em: EntityManager,
  naming: Naming,
  action: ActionName,
  leadProviderId: string,
  participantId: string,
  input: ActionInput,
): Promise<ActionResult> {
  return em.transactional(async (tx) => {
    const ctx = await commonChecks(tx, participantId, leadProviderId, input);
    const events = await ACTIONS[action](ctx, naming);
    return { participantId, events };
  });
}
