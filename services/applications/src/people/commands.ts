import { randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '@npq/contracts';
import {
  AttributeReader,
  isUuid,
  notFound,
  now,
  unprocessable,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { ApplicationSchema, REBRANDED_COURSES_SQL } from '../applications/entity';
import { stageParticipantMerged, stagePersonUpdated } from '../events/staging';
import { ParticipantIdChangeSchema, PersonSchema, type ParticipantIdChange, type Person } from './entity';
import { assertEmailFree, EMAIL_TAKEN, participantReplaced } from './guards';
import { EMAIL_FORMAT, IDENTITY_ATTRIBUTES, TRN_FORMAT } from './rules';

export interface PersonCommandResult {
  person: Person;
  events: EventEnvelope[];
}

/**
 * The identity attributes a request sent, read and format-checked; a key left out (`undefined`) keeps the
 * person's value. `email: null` and `trn: null` clear it.
 */
export interface IdentityChange {
  fullName?: string;
  email?: string | null;
  trn?: string | null;
  trnVerified?: boolean;
}

/**
 * Reads the identity attributes (`full_name`, `email`, `teacher_reference_number`,
 * `teacher_reference_number_validated`) of PATCH /admin/v1/participants/{id}, recording each problem on the
 * reader. Intake for an existing participant reads them with this too, so both endpoints accept exactly
 * the same values.
 */
export function readIdentityChange(r: AttributeReader): IdentityChange {
  const change: IdentityChange = {};
  if (r.has('full_name')) {
    const fullName = r.string('full_name', { required: true, max: 200 });
    if (fullName !== null) change.fullName = fullName;
  }
  if (r.has('email')) {
    const email = r.string('email', {
      max: 254,
      pattern: EMAIL_FORMAT,
      patternMessage: "The '#/email' is not a valid email address",
    });
    if (!r.errors.has('email')) change.email = email;
  }
  if (r.has('teacher_reference_number')) {
    const trn = r.string('teacher_reference_number', {
      pattern: TRN_FORMAT,
      patternMessage: "The '#/teacher_reference_number' must be 7 digits",
    });
    if (!r.errors.has('teacher_reference_number')) change.trn = trn;
  }
  if (r.has('teacher_reference_number_validated')) {
    const trnVerified = r.boolean('teacher_reference_number_validated', null);
    if (trnVerified !== null) change.trnVerified = trnVerified;
    else if (!r.errors.has('teacher_reference_number_validated')) {
      r.errors.add(
        'teacher_reference_number_validated',
        "The '#/teacher_reference_number_validated' attribute must be true or false",
      );
    }
  }
  return change;
}

/**
 * The identity-change rules, for PATCH /admin/v1/participants/{id} and for intake of a registration for an
 * existing participant (DfE's registration updates the person from its newest registration;
 * docs/compatibility.md "Admin API"). `person` must be locked (`FOR UPDATE`) by the caller's transaction and
 * active (not retired). Values equal to the person's change nothing and emit nothing. Any change is a
 * "significant update": it moves the person's applications and participant record in `updated_since` feeds.
 * A new name keeps the old one in `previous_names`; a new TRN starts unvalidated unless validation is sent.
 * Throws the 422s (an email another active person uses, a validated TRN without a TRN).
 */
export async function changeIdentity(
  tx: EntityManager,
  naming: Naming,
  person: Person,
  change: IdentityChange,
  at: Date = now(),
): Promise<EventEnvelope[]> {
  const nextTrn = change.trn === undefined ? person.trn : change.trn;
  const nextVerified =
    change.trnVerified === undefined ? person.trnVerified && nextTrn === person.trn : change.trnVerified;
  if (nextVerified && !nextTrn) {
    throw unprocessable([
      {
        title: 'teacher_reference_number_validated',
        detail: "A TRN can only be validated when '#/teacher_reference_number' is given",
      },
    ]);
  }
  const { fullName, email } = change;
  if (email && email.toLowerCase() !== person.email?.toLowerCase()) {
    await assertEmailFree(tx, email, person.id);
  }

  const changed =
    (fullName !== undefined && fullName !== person.fullName) ||
    (email !== undefined && email !== person.email) ||
    nextTrn !== person.trn ||
    nextVerified !== person.trnVerified;
  if (!changed) return [];

  if (fullName !== undefined && fullName !== person.fullName) {
    person.previousNames = [...person.previousNames.filter((n) => n !== person.fullName), person.fullName];
    person.fullName = fullName;
  }
  if (email !== undefined) person.email = email;
  person.trn = nextTrn;
  person.trnVerified = nextVerified;
  person.updatedAt = at;
  person.significantlyUpdatedAt = at;
  person.version += 1;
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
      const person = await tx.findOne(
        PersonSchema,
        { id: participantId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!person) throw notFound();
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
 * POST /admin/v1/participants/{id}/merge: retires `{id}` into `into_participant_id` (DfE's
 * Users::MergeAndArchive): every application moves to the kept person, the retired person's own id changes
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

    const clash: { course_identifier: string; cohort_identifier: string }[] = await tx.execute(
      `select a.course_identifier, a.cohort_identifier from applications.applications a
       join applications.applications b on b.cohort_identifier = a.cohort_identifier
         and (b.course_identifier = a.course_identifier
              or (a.course_identifier in ${REBRANDED_COURSES_SQL} and b.course_identifier in ${REBRANDED_COURSES_SQL}))
       where a.person_id = ? and b.person_id = ? and a.status = 'accepted' and b.status = 'accepted'
         and coalesce(a.training_status, 'active') <> 'withdrawn' and coalesce(b.training_status, 'active') <> 'withdrawn'
       limit 1`,
      [retired.id, kept.id],
    );
    if (clash[0]) {
      throw invalid(
        `Both participants have an accepted application for ${clash[0].course_identifier} in cohort ${clash[0].cohort_identifier}; withdraw or reject one first`,
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
      application.version += 1;
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
    retired.version += 1;
    kept.updatedAt = at;
    kept.version += 1;
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
