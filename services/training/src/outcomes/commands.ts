import type { DeclarationSnapshotV1, EventEnvelope, OutcomeState } from '@npq/contracts';
import {
  newId,
  now,
  toDateOnly,
  today,
  ValidationErrors,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { ApplicationRecordSchema } from '../applications/entity';
import type { DeclarationRecord } from '../declarations/entity';
import { DeclarationRepository } from '../declarations/repository';
import { planDelivery } from '../dqt/commands';
import { participantIdReplaced } from '../enrolments/rules';
import { stageOutcomeRecorded } from '../events/staging';
import { ParticipantRepository } from '../participants/repository';
import { OutcomeSchema } from './entity';
import { OutcomeRepository, type OutcomeView } from './repository';
import {
  carriesOutcome,
  checkOutcomeAttributes,
  isRepeat,
  OUTCOME_MESSAGES,
  outcomeStateFromDeclaration,
  type OutcomeInput,
} from './rules';

export interface OutcomeCommandResult {
  outcome: OutcomeView;
  events: EventEnvelope[];
}

/**
 * Appends an outcome to a declaration (the caller holds the declaration's lock): the row, its
 * `outcome.recorded` event and, when DQT must hear about it, its delivery, all in the caller's
 * transaction.
 */
async function appendOutcome(
  em: EntityManager,
  naming: Naming,
  declaration: DeclarationRecord,
  courseIdentifier: string,
  state: OutcomeState,
  completionDate: string,
  at: Date,
): Promise<{ outcome: OutcomeView; event: EventEnvelope }> {
  const outcomes = new OutcomeRepository(em);
  const row = em.create(OutcomeSchema, {
    // Sandbox: derived from the declaration and the outcome's place on it, so seeded outcomes keep their ids
    // (docs/sandbox.md); random elsewhere.
    id: newId('outcome', `${declaration.id}:${await outcomes.countFor(declaration.id)}`),
    declarationId: declaration.id,
    applicationId: declaration.applicationId,
    leadProviderId: declaration.leadProviderId,
    courseIdentifier,
    state,
    completionDate,
    createdAt: at,
    updatedAt: at,
  });
  await em.flush();
  const [outcome] = await outcomes.withParticipants([row]);
  // The application arrives before its declarations (accept waits for training); if not, the consumer
  // retries this event until it has.
  if (!outcome)
    throw new Error(`application ${row.applicationId} of declaration ${row.declarationId} is not known yet`);
  const event = await stageOutcomeRecorded(em, naming, outcome, await outcomes.countFor(declaration.id));
  await planDelivery(em, outcome);
  return { outcome, event };
}

/**
 * POST /participants/npq/{id}/outcomes (docs/domain.md, "Outcomes"): every check in DfE's order, then, on
 * the latest completed declaration the provider may report on, either the existing equal outcome or a new
 * one. An impossible calendar date is a 422 format error (DfE's code answers 400 "invalid date"; its own
 * spec expects this 422).
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
    const completionDate = checkOutcomeAttributes(errors, input);
    const course = input.courseIdentifier;
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
    return { outcome, events: [event] };
  });
}

/**
 * A completed declaration submitted with `has_passed` records the outcome (docs/domain.md, "Outcomes"):
 * passed or failed, completed on the declaration date (UTC), de-duplicated like an API submission against
 * the declaration's current outcome.
 */
export async function outcomeForCreatedDeclaration(
  em: EntityManager,
  naming: Naming,
  d: DeclarationSnapshotV1,
  at: Date,
): Promise<void> {
  const state = outcomeStateFromDeclaration(d.hasPassed);
  if (!carriesOutcome(d) || !state) return;
  const declaration = await new DeclarationRepository(em).lock(d.declarationId);
  if (!declaration) return;
  const completionDate = toDateOnly(new Date(d.declarationDate));
  if (isRepeat(await new OutcomeRepository(em).latestOf(declaration.id), state, completionDate)) return;
  await appendOutcome(em, naming, declaration, d.courseIdentifier, state, completionDate, at);
}

/**
 * Voiding (or clawing back) a completed declaration records a `voided` outcome on it (docs/domain.md,
 * "Outcomes"), unless the provider's current outcome for the course, looked at after the void, is already
 * voided.
 */
export async function outcomeForVoidedDeclaration(
  em: EntityManager,
  naming: Naming,
  d: DeclarationSnapshotV1,
  at: Date,
): Promise<void> {
  if (!carriesOutcome(d)) return;
  const declarations = new DeclarationRepository(em);
  const declaration = await declarations.lock(d.declarationId);
  if (!declaration) return;
  const application = await em.findOne(
    ApplicationRecordSchema,
    { id: declaration.applicationId },
    { fields: ['participantId'] },
  );
  if (application) {
    const remaining = await declarations.completedForOutcome(
      application.participantId,
      declaration.leadProviderId,
      d.courseIdentifier,
    );
    const current = remaining[0] ? await new OutcomeRepository(em).latestOf(remaining[0].id) : null;
    if (current?.state === 'voided') return;
  }
  await appendOutcome(
    em,
    naming,
    declaration,
    d.courseIdentifier,
    'voided',
    toDateOnly(new Date(d.declarationDate)),
    at,
  );
}
