import type { EventEnvelope } from '@npq/contracts';
import type { EntityManager, EventContext, HandlersOf } from '@npq/service-kit';
import { applyApplicationSnapshot } from '../applications/commands';
import { applyDeclarationSnapshot } from '../declarations/commands';
import { outcomeForCreatedDeclaration, outcomeForVoidedDeclaration } from '../outcomes/commands';
import { applyMerge, upsertPerson } from '../people/commands';

type ApplicationEvent = EventEnvelope<
  'application.created' | 'application.accepted' | 'application.rejected' | 'application.funded-place-changed'
>;
type DeclarationEvent = EventEnvelope<
  'declaration.created' | 'declaration.voided' | 'declaration.state-changed'
>;

async function applyApplication(em: EntityManager, envelope: ApplicationEvent): Promise<void> {
  await upsertPerson(em, envelope.data.person);
  await applyApplicationSnapshot(em, envelope);
}

/**
 * Applies a declaration snapshot and the outcome it implies. Outcomes are only derived from a snapshot that
 * was applied (not one older than what the projection holds), in this transaction, with their own events.
 */
async function applyDeclaration(
  em: EntityManager,
  envelope: DeclarationEvent,
  context: EventContext,
): Promise<void> {
  const d = envelope.data.declaration;
  const applied = await applyDeclarationSnapshot(em, d, envelope.aggregateVersion);
  if (!applied) return;
  // The outcome happened when the declaration changed (the provider's request clock, in the sandbox).
  const at = new Date(envelope.occurredAt);
  if (envelope.name === 'declaration.created') await outcomeForCreatedDeclaration(em, context.naming, d, at);
  if (envelope.name === 'declaration.voided') await outcomeForVoidedDeclaration(em, context.naming, d, at);
}

/**
 * Training's projections: people and every application (participant visibility, `updated_at`), the
 * enrolment of each accepted application, participant merges, and finance's declarations (the rules of
 * defer, withdraw, change-schedule and outcomes, and the outcomes completed declarations imply).
 */
export const trainingHandlers: HandlersOf<'training'> = {
  'application.created': applyApplication,
  'application.accepted': applyApplication,
  'application.rejected': applyApplication,
  'application.funded-place-changed': applyApplication,

  // The envelope of a person event carries the person's version.
  'person.updated': async (em, envelope) => upsertPerson(em, envelope.data.person, envelope.aggregateVersion),

  'participant.merged': async (em, envelope) => {
    const m = envelope.data;
    await upsertPerson(em, m.keptPerson, envelope.aggregateVersion);
    await upsertPerson(em, m.retiredPerson);
    await applyMerge(em, {
      changeId: m.changeId,
      fromParticipantId: m.fromParticipantId,
      toParticipantId: m.toParticipantId,
      changedAt: new Date(m.changedAt),
      movedApplicationIds: m.movedApplicationIds,
    });
  },

  'declaration.created': applyDeclaration,
  'declaration.voided': applyDeclaration,
  'declaration.state-changed': applyDeclaration,
};
