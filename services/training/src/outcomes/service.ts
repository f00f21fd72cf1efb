import { randomUUID } from 'node:crypto';
import type { EventEnvelope, OutcomeState } from '@npq/contracts';
import type { EntityManager, Naming } from '@npq/service-kit';
import type { DeclarationRow } from '../declarations/repository';
import { DeliveryRepository } from '../dqt/repository';
import { stageOutcomeRecorded } from '../events/staging';
import { OutcomeRepository, type OutcomeView } from './repository';

export interface RecordedOutcome {
  outcome: OutcomeView;
  /** Null when an equal outcome already existed and was returned instead. */
  event: EventEnvelope | null;
}

/**
 * DfE's outcome de-duplication against the declaration's current outcome: asking for `passed` over a
 * `passed` outcome, or for the same state and date, returns the existing one.
 */
export function isRepeat(latest: OutcomeView | null, state: OutcomeState, completionDate: string): boolean {
  if (!latest) return false;
  if (state === 'passed' && latest.state === 'passed') return true;
  return latest.state === state && latest.completionDate === completionDate;
}

/**
 * Appends an outcome to a declaration (the caller holds the declaration's lock): the row, its
 * `outcome.recorded` event and, when DQT must hear about it, its delivery, all in the caller's
 * transaction.
 */
export async function appendOutcome(
  em: EntityManager,
  naming: Naming,
  declaration: DeclarationRow,
  courseIdentifier: string,
  state: OutcomeState,
  completionDate: string,
  at: Date,
): Promise<RecordedOutcome> {
  const outcomes = new OutcomeRepository(em);
  const outcome = await outcomes.insert({
    id: randomUUID(),
    declarationId: declaration.id,
    applicationId: declaration.application_id,
    leadProviderId: declaration.lead_provider_id,
    courseIdentifier,
    state,
    completionDate,
    at,
  });
  const event = await stageOutcomeRecorded(em, naming, outcome, await outcomes.countFor(declaration.id));
  await new DeliveryRepository(em).planFor(outcome);
  return { outcome, event };
}
