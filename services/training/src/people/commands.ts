import type { PersonSnapshotV1 } from '@npq/contracts';
import { upsertRow, type EntityManager } from '@npq/service-kit';
import { ApplicationRecordSchema } from '../applications/entity';
import { ParticipantIdChangeSchema, PersonSchema } from './entity';

/**
 * Applies a person snapshot (docs/domain.md, "Projections"). Application events and person events both carry
 * one; the person's version orders them (a snapshot older than the stored one changes nothing). Snapshots
 * without a version fall back to `significantlyUpdatedAt` order. A retirement is never undone, whatever
 * order they arrive in.
 */
export async function upsertPerson(
  em: EntityManager,
  p: PersonSnapshotV1,
  fallbackVersion = 0,
): Promise<void> {
  const version = p.version ?? fallbackVersion;
  // One statement, so replicas applying two snapshots of one person at once cannot both insert it.
  await upsertRow(
    em,
    PersonSchema,
    {
      id: p.participantId,
      fullName: p.fullName,
      email: p.email,
      trn: p.trn,
      trnVerified: p.trnVerified,
      previousNames: p.previousNames,
      retiredIntoId: p.retiredIntoParticipantId,
      createdAt: new Date(p.createdAt),
      significantlyUpdatedAt: new Date(p.significantlyUpdatedAt),
      version,
    },
    {
      update: [
        'fullName',
        'email',
        'trn',
        'trnVerified',
        'previousNames',
        'significantlyUpdatedAt',
        'version',
      ],
      onlyIf:
        version > 0
          ? { property: 'version', storedIs: '<=' }
          : { property: 'significantlyUpdatedAt', storedIs: '<=' },
    },
  );
  if (p.retiredIntoParticipantId) {
    await em.nativeUpdate(
      PersonSchema,
      { id: p.participantId, retiredIntoId: null },
      { retiredIntoId: p.retiredIntoParticipantId },
    );
  }
}

export interface MergeInput {
  changeId: string;
  fromParticipantId: string;
  toParticipantId: string;
  changedAt: Date;
  movedApplicationIds: string[];
}

/**
 * A participant merge (docs/domain.md, "Participant merges"): every application of the retired person
 * moves to the kept one (declarations, outcomes and states hang off the application, so they follow); the
 * retired person's own id changes move too (a circular one is deleted); then the kept person gets the
 * change row for the retired id. Set-based updates: a merge moves rows this transaction never loaded.
 */
export async function applyMerge(em: EntityManager, m: MergeInput): Promise<void> {
  // Moving an application updates it (its updated_at counts for the kept participant).
  await em.nativeUpdate(
    ApplicationRecordSchema,
    m.movedApplicationIds.length > 0
      ? { $or: [{ participantId: m.fromParticipantId }, { id: { $in: m.movedApplicationIds } }] }
      : { participantId: m.fromParticipantId },
    { participantId: m.toParticipantId, updatedAt: m.changedAt },
  );
  await em.nativeDelete(ParticipantIdChangeSchema, {
    personId: m.fromParticipantId,
    fromParticipantId: m.toParticipantId,
    toParticipantId: m.fromParticipantId,
  });
  // Moving a row updates it (DfE's update!), which counts for the kept participant's updated_at.
  await em.nativeUpdate(
    ParticipantIdChangeSchema,
    { personId: m.fromParticipantId },
    { personId: m.toParticipantId, updatedAt: m.changedAt },
  );
  const recorded = await em.count(ParticipantIdChangeSchema, {
    personId: m.toParticipantId,
    fromParticipantId: m.fromParticipantId,
    toParticipantId: m.toParticipantId,
  });
  if (recorded > 0) return;
  await upsertRow(
    em,
    ParticipantIdChangeSchema,
    {
      id: m.changeId,
      personId: m.toParticipantId,
      fromParticipantId: m.fromParticipantId,
      toParticipantId: m.toParticipantId,
      createdAt: m.changedAt,
      updatedAt: m.changedAt,
    },
    { update: [] },
  );
}
