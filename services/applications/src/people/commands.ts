import { randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '@npq/contracts';
import {
  AttributeReader,
  findForUpdate,
  isUuid,
  notFound,
  now,
  unprocessable,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { ApplicationSchema } from '../applications/entity';
import { stageParticipantMerged, stagePersonUpdated } from '../events/staging';
import { ParticipantIdChangeSchema, PersonSchema, type ParticipantIdChange, type Person } from './entity';
import { acceptedApplicationsOf, emailInUse } from './queries';
import {
  EMAIL_TAKEN,
  IDENTITY_ATTRIBUTES,
  mergeClash,
  participantReplaced,
  planIdentityChange,
  takesNewEmail,
  type IdentityChange,
} from './rules';
import { readIdentityChange } from './validation';

export interface PersonCommandResult {
  person: Person;
  events: EventEnvelope[];
}

/** 422 when an active person other than `exceptId` already uses this email, case-insensitively. */
export async function assertEmailFree(em: EntityManager, email: string, exceptId?: string): Promise<void> {
  if (await emailInUse(em, email, exceptId)) throw EMAIL_TAKEN;
}

/**
 * Applies an identity change (docs/domain.md, "People"), for PATCH /admin/v1/participants/{id} and for intake
 * of a registration for an existing participant (DfE's registration updates the person from its newest
 * registration; docs/compatibility.md "Admin API"). `person` must be locked (`FOR UPDATE`) by the caller's
 * transaction and active (not retired). Values equal to the person's change nothing and emit nothing. Any
 * change is a "significant update": it moves the person's applications and participant record in
 * `updated_since` feeds. Throws the 422s (an email another active person uses, a validated TRN without a TRN).
 */
export async function changeIdentity(
  tx: EntityManager,
  naming: Naming,
  person: Person,
  change: IdentityChange,
  at: Date = now(),
): Promise<EventEnvelope[]> {
  const next = planIdentityChange(person, change);
  if (takesNewEmail(person, change)) await assertEmailFree(tx, change.email, person.id);
  if (!next) return [];
  Object.assign(person, next);
  person.updatedAt = at;
  person.significantlyUpdatedAt = at;
  await tx.flush();
  return [await stagePersonUpdated(tx, naming, person)];
}

/** PATCH /admin/v1/participants/{id}: identity changes; only the attributes sent change. */
export async function updateParticipant(
  em: EntityManager,
  naming: Naming,
  participantId: string,
  attrs: Record<string, unknown>,
): Promise<PersonCommandResult> {
  const r = new AttributeReader(attrs);
  r.rejectUnknown(IDENTITY_ATTRIBUTES);
  const change = readIdentityChange(r);
  r.errors.throwIfAny();

  try {
    return await em.transactional(async (tx) => {
      const person = await findForUpdate(tx, PersonSchema, participantId);
      if (person.retiredIntoId) throw participantReplaced(person);
      return { person, events: await changeIdentity(tx, naming, person, change) };
    });
  } catch (err) {
    // Two people taking one address at once: the partial unique index decides (people_email_unique).
    if (err instanceof UniqueConstraintViolationException) throw EMAIL_TAKEN;
    throw err;
  }
}

/** The merge's first check of `into_participant_id` (present, a UUID, not the same person). */
function mergeTarget(intoId: unknown, retiredId: string): { into: string } | { refusal: string } {
  if (typeof intoId !== 'string' || intoId.trim() === '')
    return { refusal: "The '#/into_participant_id' must be present" };
  const into = intoId.trim().toLowerCase();
  if (!isUuid(into)) return { refusal: "The '#/into_participant_id' must be a participant ID (a UUID)" };
  if (into === retiredId) return { refusal: 'A participant cannot be merged into itself' };
  return { into };
}

/** Why the person to keep cannot take the merge: unknown, or retired itself. */
function mergeKeptRefusal(into: string, kept: Person | undefined | null): string | undefined {
  if (!kept) return `The participant '${into}' does not exist`;
  if (kept.retiredIntoId) return `The participant '${into}' has been replaced with '${kept.retiredIntoId}'`;
  return undefined;
}

/** The accepted-twice clash a merge refuses (rules.ts `mergeClash`), as its message. */
async function mergeClashRefusal(
  em: EntityManager,
  retiredId: string,
  keptId: string,
): Promise<string | undefined> {
  const clash = mergeClash(
    await acceptedApplicationsOf(em, retiredId),
    await acceptedApplicationsOf(em, keptId),
  );
  return clash
    ? `Both participants have an accepted application for ${clash.courseIdentifier} in cohort ${clash.cohortIdentifier}; withdraw or reject one first`
    : undefined;
}

export interface MergePreview {
  fromParticipantId: string;
  intoParticipantId: string | null;
  applicationsMoving: number;
  conflicts: string[];
}

/**
 * What `mergeParticipants` would do, without locks or changes (GET …/merge-preview): the same checks and
 * messages, all of them collected instead of the first one thrown. 404 for an unknown or retired `{id}`.
 */
export async function previewMerge(
  em: EntityManager,
  retiredId: string,
  intoId: unknown,
): Promise<MergePreview> {
  const retired = await em.findOne(PersonSchema, { id: retiredId });
  if (!retired || retired.retiredIntoId) throw notFound();
  const conflicts: string[] = [];
  const target = mergeTarget(intoId, retired.id);
  if ('refusal' in target) conflicts.push(target.refusal);
  else {
    const kept = await em.findOne(PersonSchema, { id: target.into });
    const keptRefusal = mergeKeptRefusal(target.into, kept);
    if (keptRefusal) conflicts.push(keptRefusal);
    else {
      const clash = await mergeClashRefusal(em, retired.id, target.into);
      if (clash) conflicts.push(clash);
    }
  }
  return {
    fromParticipantId: retired.id,
    intoParticipantId: typeof intoId === 'string' && intoId !== '' ? intoId.trim().toLowerCase() : null,
    applicationsMoving: await em.count(ApplicationSchema, { personId: retired.id }),
    conflicts,
  };
}

export interface MergeResult {
  change: ParticipantIdChange;
  events: EventEnvelope[];
}

/**
 * POST /admin/v1/participants/{id}/merge (docs/domain.md, "Merging people"): retires `{id}` into
 * `into_participant_id` (DfE's Users::MergeAndArchive): every application moves to the kept person, the retired person's own id changes
 * move too (a circular one is dropped), and a change from → to is recorded. Unlike DfE we refuse a merge
 * that would leave one person accepted twice for the same course and cohort.
 */
export async function mergeParticipants(
  em: EntityManager,
  naming: Naming,
  retiredId: string,
  intoId: unknown,
): Promise<MergeResult> {
  return em.transactional(async (tx) => {
    const retired = await tx.findOne(PersonSchema, { id: retiredId });
    if (!retired) throw notFound();
    const invalid = (detail: string) => unprocessable([{ title: 'into_participant_id', detail }]);
    // Checked before any query: a value that is not a UUID names no participant (and must not reach SQL).
    const target = mergeTarget(intoId, retired.id);
    if ('refusal' in target) throw invalid(target.refusal);
    const into = target.into;
    if (retired.retiredIntoId) throw participantReplaced(retired);

    // Both people locked in a fixed order, so two merges of the same pair cannot deadlock or interleave;
    // re-read under the lock (`refresh`), so the checks below see a merge that committed while we waited.
    const locked = await tx.find(
      PersonSchema,
      { id: { $in: [retired.id, into] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true },
    );
    const kept = locked.find((p) => p.id === into);
    const keptRefusal = mergeKeptRefusal(into, kept);
    if (keptRefusal || !kept) throw invalid(keptRefusal ?? '');
    if (retired.retiredIntoId) throw participantReplaced(retired);

    const clash = await mergeClashRefusal(tx, retired.id, kept.id);
    if (clash) throw invalid(clash);

    const at = now();
    const moved = await tx.find(
      ApplicationSchema,
      { personId: retired.id },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
    );
    for (const application of moved) {
      application.personId = kept.id;
      application.updatedAt = at;
    }
    // The retired person's own history follows them; a change that would now point back at itself goes.
    const inherited = await tx.find(ParticipantIdChangeSchema, { personId: retired.id });
    for (const change of inherited) {
      if (change.fromParticipantId === kept.id && change.toParticipantId === retired.id) tx.remove(change);
      else {
        change.personId = kept.id;
        change.updatedAt = at;
      }
    }
    const change = tx.create(ParticipantIdChangeSchema, {
      id: randomUUID(),
      personId: kept.id,
      fromParticipantId: retired.id,
      toParticipantId: kept.id,
      createdAt: at,
      updatedAt: at,
    });
    retired.retiredIntoId = kept.id;
    retired.retiredAt = at;
    retired.updatedAt = at;
    kept.updatedAt = at;
    await tx.flush();
    const event = await stageParticipantMerged(
      tx,
      naming,
      change,
      kept,
      retired,
      moved.map((a) => a.id),
    );
    return { change, events: [event] };
  });
}
