import { hasOutcomes, type DeclarationSnapshotV1 } from '@npq/contracts';
import { toDateOnly, type EntityManager, type Naming } from '@npq/service-kit';
import { DeclarationRepository } from '../declarations/repository';
import { OutcomeRepository } from './repository';
import { appendOutcome, isRepeat } from './service';

/** Only completed declarations of leadership and specialist courses carry outcomes. */
function carriesOutcome(d: DeclarationSnapshotV1): boolean {
  return d.declarationType === 'completed' && hasOutcomes(d.courseIdentifier);
}

/**
 * A completed declaration submitted with `has_passed` records the outcome (business-rules §6.2): passed
 * or failed, completed on the declaration date (UTC), de-duplicated like an API submission against the
 * declaration's current outcome.
 */
export async function outcomeForCreatedDeclaration(
  em: EntityManager,
  naming: Naming,
  d: DeclarationSnapshotV1,
  at: Date,
): Promise<void> {
  if (!carriesOutcome(d) || d.hasPassed === null) return;
  const declaration = await new DeclarationRepository(em).lock(d.declarationId);
  if (!declaration) return;
  const state = d.hasPassed ? 'passed' : 'failed';
  const completionDate = toDateOnly(new Date(d.declarationDate));
  if (isRepeat(await new OutcomeRepository(em).latestOf(declaration.id), state, completionDate)) return;
  await appendOutcome(em, naming, declaration, d.courseIdentifier, state, completionDate, at);
}

/**
 * Voiding (or clawing back) a completed declaration records a `voided` outcome on it (business-rules §6.3),
 * unless the provider's current outcome for the course, looked at after the void, is already voided.
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
  const participant: { participant_id: string }[] = await em.execute(
    `select participant_id from training.applications where id = ?`,
    [declaration.application_id],
  );
  if (participant[0]) {
    const remaining = await declarations.completedForOutcome(
      participant[0].participant_id,
      declaration.lead_provider_id,
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
