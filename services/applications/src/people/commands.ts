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
    if (typeof intoId !== 'string' || intoId.trim() === '')
      throw invalid("The '#/into_participant_id' must be present");
    const into = intoId.trim().toLowerCase();
    // Checked before any query: a value that is not a UUID names no participant (and must not reach SQL).
    if (!isUuid(into)) throw invalid("The '#/into_participant_id' must be a participant ID (a UUID)");
    if (into === retired.id) throw invalid('A participant cannot be merged into itself');
    if (retired.retiredIntoId) throw participantReplaced(retired);

    // Both people locked in a fixed order, so two merges of the same pair cannot deadlock or interleave;
    // re-read under the lock (`refresh`), so the checks below see a merge that committed while we waited.
    const locked = await tx.find(
      PersonSchema,
      { id: { $in: [retired.id, into] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true },
    );
    const kept = locked.find((p) => p.id === into);
    if (!kept) throw invalid(`The participant '${into}' does not exist`);
    if (kept.retiredIntoId)
      throw invalid(`The participant '${into}' has been replaced with '${kept.retiredIntoId}'`);
    if (retired.retiredIntoId) throw participantReplaced(retired);

    const clash = mergeClash(
      await acceptedApplicationsOf(tx, retired.id),
      await acceptedApplicationsOf(tx, kept.id),
    );
    if (clash) {
      throw invalid(
        `Both participants have an accepted application for ${clash.courseIdentifier} in cohort ${clash.cohortIdentifier}; withdraw or reject one first`,
      );
    }

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
      moved.map((a) => ({ id: a.id, leadProviderId: a.leadProviderId })),
    );
    return { change, events: [event] };
  });
}
