import {
  cohortByIdentifier,
  currentCohort,
  findSchedule,
  isCourseIdentifier,
  resolveScheduleForChange,
  type EventEnvelope,
  type Schedule,
  type TrainingStatus,
} from '@npq/contracts';
import { now, today, ValidationErrors, type EntityManager, type Naming } from '@npq/service-kit';
import { DeclarationRepository } from '../declarations/repository';
import { stageScheduleChanged, stageTrainingStatusChanged, type EnrolmentRef } from '../events/staging';
import { ParticipantRepository } from '../participants/repository';
import { EnrolmentRepository, type EnrolmentOfApplication } from './repository';
import {
  checkDefer,
  checkResume,
  checkScheduleChange,
  checkWithdraw,
  fundedPlaceAfterMove,
  MESSAGES,
  participantIdReplaced,
  targetStartYear,
  type StatusFacts,
} from './rules';

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
  naming: Naming;
  errors: ValidationErrors;
  leadProviderId: string;
  input: ActionInput;
  /** Null when DfE's `application` would be nil: every check that needs it is skipped. */
  target: EnrolmentOfApplication | null;
  enrolments: EnrolmentRepository;
  declarations: DeclarationRepository;
}

/**
 * The checks every action makes first (docs/domain.md, "Participant actions"), in DfE's order: a retired
 * id, the course identifier, the participant, then (only if nothing failed yet) the provider's accepted
 * application for exactly that course, whose enrolment is locked until the command commits.
 */
async function commonChecks(
  em: EntityManager,
  naming: Naming,
  participantId: string,
  leadProviderId: string,
  input: ActionInput,
): Promise<Context> {
  const errors = new ValidationErrors();
  const participants = new ParticipantRepository(em);
  const enrolments = new EnrolmentRepository(em);
  const change = await participants.changeFrom(participantId);
  if (change)
    errors.add('participant_id', participantIdReplaced(change.fromParticipantId, change.toParticipantId));
  if (!isCourseIdentifier(input.courseIdentifier)) errors.add('course_identifier', MESSAGES.courseIdentifier);
  if (!(await participants.isVisible(participantId, leadProviderId)))
    errors.add('participant_id', MESSAGES.invalidParticipant);
  let target: EnrolmentOfApplication | null = null;
  if (!errors.any()) {
    target = await enrolments.lockForCommand(participantId, leadProviderId, input.courseIdentifier as string);
    if (!target) errors.add('participant_id', MESSAGES.applicationNotFound);
  }
  return {
    em,
    naming,
    errors,
    leadProviderId,
    input,
    target,
    enrolments,
    declarations: new DeclarationRepository(em),
  };
}

/** The enrolment as its events name it, at the version the change gave it. */
function enrolmentRef(target: EnrolmentOfApplication, version: number): EnrolmentRef {
  return {
    applicationId: target.enrolment.id,
    participantId: target.application.participantId,
    leadProviderId: target.application.leadProviderId,
    version,
  };
}

async function statusFacts(ctx: Context): Promise<StatusFacts | null> {
  if (!ctx.target) return null;
  const facts = await ctx.declarations.facts(ctx.target.enrolment.id);
  return {
    trainingStatus: ctx.target.enrolment.trainingStatus,
    hasDeclarations: facts.hasAny,
    hasStartedDeclaration: facts.hasStarted,
  };
}

async function changeStatus(
  ctx: Context,
  state: TrainingStatus,
  reason: string | null,
): Promise<EventEnvelope[]> {
  const target = ctx.target!;
  const at = now();
  const version = await ctx.enrolments.changeTrainingStatus(target, {
    state,
    reason,
    leadProviderId: ctx.leadProviderId,
    at,
  });
  return [
    await stageTrainingStatusChanged(ctx.em, ctx.naming, enrolmentRef(target, version), {
      trainingStatus: state,
      reason,
      changedAt: at,
    }),
  ];
}

async function defer(ctx: Context): Promise<EventEnvelope[]> {
  checkDefer(ctx.errors, ctx.input.reason, await statusFacts(ctx));
  ctx.errors.throwIfAny();
  return changeStatus(ctx, 'deferred', ctx.input.reason as string);
}

async function resume(ctx: Context): Promise<EventEnvelope[]> {
  checkResume(ctx.errors, await statusFacts(ctx));
  ctx.errors.throwIfAny();
  return changeStatus(ctx, 'active', null);
}

async function withdraw(ctx: Context): Promise<EventEnvelope[]> {
  checkWithdraw(ctx.errors, ctx.input.reason, await statusFacts(ctx));
  ctx.errors.throwIfAny();
  return changeStatus(ctx, 'withdrawn', ctx.input.reason as string);
}

/** Change-schedule: finds the new schedule and cohort, checks (rules.ts), then moves the enrolment. */
async function changeSchedule(ctx: Context): Promise<EventEnvelope[]> {
  const { errors, target, input } = ctx;
  const enrolment = target?.enrolment ?? null;
  const startYear = targetStartYear(input.cohort, enrolment, today());
  const newSchedule: Schedule | undefined =
    typeof input.scheduleIdentifier === 'string' && startYear !== undefined
      ? resolveScheduleForChange({ scheduleIdentifier: input.scheduleIdentifier, cohortStartYear: startYear })
      : undefined;
  const targetCohort = newSchedule
    ? cohortByIdentifier(newSchedule.cohortIdentifier)
    : currentCohort(today());
  const oldCohort = enrolment ? cohortByIdentifier(enrolment.cohortIdentifier) : undefined;
  if (enrolment && !oldCohort) throw new Error(`enrolment ${enrolment.id} has an unknown cohort`);

  checkScheduleChange(errors, {
    scheduleIdentifier: input.scheduleIdentifier,
    courseIdentifier: input.courseIdentifier,
    newSchedule,
    targetCohort,
    enrolment:
      target && oldCohort
        ? {
            trainingStatus: target.enrolment.trainingStatus,
            courseIdentifier: target.application.courseIdentifier,
            current: target.enrolment.scheduleIdentifier
              ? findSchedule(target.enrolment.cohortIdentifier, target.enrolment.scheduleIdentifier)
              : undefined,
            cohort: oldCohort,
          }
        : null,
    liveDeclarations: target && newSchedule ? await ctx.declarations.live(target.enrolment.id) : [],
  });
  errors.throwIfAny();
  if (!target || !oldCohort || !newSchedule || !targetCohort)
    throw new Error('change-schedule without an application or a schedule passed validation');

  const fundedPlace = fundedPlaceAfterMove(
    oldCohort.funding,
    targetCohort.funding,
    target.enrolment.fundedPlace,
    target.enrolment.eligibleForFunding,
  );
  const at = now();
  const version = await ctx.enrolments.changeSchedule(target, {
    scheduleIdentifier: newSchedule.identifier,
    cohortIdentifier: targetCohort.identifier,
    fundedPlace,
    at,
  });
  return [
    await stageScheduleChanged(ctx.em, ctx.naming, enrolmentRef(target, version), {
      scheduleIdentifier: newSchedule.identifier,
      cohortIdentifier: targetCohort.identifier,
      fundedPlace,
      changedAt: at,
    }),
  ];
}

const ACTIONS: Record<ActionName, (ctx: Context) => Promise<EventEnvelope[]>> = {
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
    const ctx = await commonChecks(tx, naming, participantId, leadProviderId, input);
    const events = await ACTIONS[action](ctx);
    return { participantId, events };
  });
}
