import type { PersonSnapshotV1 } from '@npq/contracts';
import type { EntityManager } from '@npq/service-kit';

/**
 * Applies a person snapshot. Application events and person events both carry one; the person's version
 * orders them (a snapshot older than the stored one changes nothing). Snapshots without a version fall
 * back to `significantlyUpdatedAt` order. A retirement is never undone, whatever order they arrive in.
 */
export async function upsertPerson(
  em: EntityManager,
  p: PersonSnapshotV1,
  fallbackVersion = 0,
): Promise<void> {
  const version = p.version ?? fallbackVersion;
  await em.execute(
    `insert into training.people as t (id, full_name, email, trn, trn_verified, previous_names, retired_into_id, created_at,
       significantly_updated_at, version)
     values (?, ?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)), ?, ?, ?, ?)
     on conflict (id) do update set full_name = excluded.full_name, email = excluded.email, trn = excluded.trn,
       trn_verified = excluded.trn_verified, previous_names = excluded.previous_names,
       significantly_updated_at = excluded.significantly_updated_at, version = excluded.version
     where (excluded.version > 0 and t.version <= excluded.version)
        or (excluded.version = 0 and t.significantly_updated_at <= excluded.significantly_updated_at)`,
    [
      p.participantId,
      p.fullName,
      p.email,
      p.trn,
      p.trnVerified,
      JSON.stringify(p.previousNames),
      p.retiredIntoParticipantId,
      new Date(p.createdAt),
      new Date(p.significantlyUpdatedAt),
      version,
    ],
  );
  if (p.retiredIntoParticipantId) {
    await em.execute(
      `update training.people set retired_into_id = ? where id = ? and retired_into_id is null`,
      [p.retiredIntoParticipantId, p.participantId],
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
 * A participant merge, as DfE's Users::MergeAndArchive does it: every application of the retired person
 * moves to the kept one (declarations, outcomes and states hang off the application, so they follow);
 * the retired person's own id changes move too (a circular one is deleted); then the kept person gets the
 * change row for the retired id.
 */
export async function applyMerge(em: EntityManager, m: MergeInput): Promise<void> {
  // Moving an application updates it (its updated_at counts for the kept participant).
  await em.execute(
    `update training.applications set participant_id = ?, updated_at = ?
     where participant_id = ? or id = any(array(select jsonb_array_elements_text(?::jsonb))::uuid[])`,
    [m.toParticipantId, m.changedAt, m.fromParticipantId, JSON.stringify(m.movedApplicationIds)],
  );
  await em.execute(
    `delete from training.participant_id_changes where person_id = ? and from_participant_id = ? and to_participant_id = ?`,
    [m.fromParticipantId, m.toParticipantId, m.fromParticipantId],
  );
  // Moving a row updates it (DfE's update!), which counts for the kept participant's updated_at.
  await em.execute(
    `update training.participant_id_changes set person_id = ?, updated_at = ? where person_id = ?`,
    [m.toParticipantId, m.changedAt, m.fromParticipantId],
  );
  await em.execute(
    `insert into training.participant_id_changes (id, person_id, from_participant_id, to_participant_id, created_at, updated_at)
     select ?, ?, ?, ?, ?, ?
     where not exists (select 1 from training.participant_id_changes
                       where person_id = ? and from_participant_id = ? and to_participant_id = ?)
     on conflict (id) do nothing`,
    [
      m.changeId,
      m.toParticipantId,
      m.fromParticipantId,
      m.toParticipantId,
      m.changedAt,
      m.changedAt,
      m.toParticipantId,
      m.fromParticipantId,
      m.toParticipantId,
    ],
  );
}

/**
 * The person a participant id stands for now: itself, or whoever it was (perhaps in several steps) merged
 * into. A snapshot written before a merge but applied after it must not re-attach an application to the
 * retired id.
 */
export async function currentParticipantId(em: EntityManager, participantId: string): Promise<string> {
  let id = participantId;
  for (let hop = 0; hop < 10; hop++) {
    const rows: { retired_into_id: string | null }[] = await em.execute(
      `select retired_into_id from training.people where id = ?`,
      [id],
    );
    const next = rows[0]?.retired_into_id;
    if (!next) return id;
    id = next;
  }
  return id;
}
