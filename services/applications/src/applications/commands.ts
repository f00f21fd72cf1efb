import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import {
  cohortByIdentifier,
  defaultScheduleFor,
  findSchedule,
  isScheduleValidForCourse,
  LIVE_DECLARATION_STATES,
  rebrandedAlternatives,
  type CourseIdentifier,
  type EventEnvelope,
} from '@npq/contracts';
import {
  notFound,
  now,
  pgArray,
  today,
  unprocessable,
  ValidationErrors,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { stageApplicationEvent } from '../events';
import { PersonSchema, type Person } from '../people/entity';
import { ApplicationSchema, type Application } from './entity';
import { ApplicationReadRepository } from './repository';

export const MESSAGES = {
  alreadyAccepted: 'This NPQ application has already been accepted',
  cannotChangeFromRejected: 'Once rejected an application cannot change state',
  anotherAccepted: 'The participant has already had an application accepted for this course.',
  notEligibleForFundedPlace:
    "The participant is not eligible for funding, so '#/funded_place' cannot be set to true.",
  fundedPlaceInclusion: "Set '#/funded_place' to true or false.",
  fundedPlaceUnfunded: "The '#/funded_place' field should be false for unfunded cohorts.",
  scheduleNotFound: 'The selected schedule cannot be found in the application cohort',
  scheduleInvalidForCourse: 'The selected schedule is not valid for the course',
  scheduleBlank: 'Schedule cannot be determined',
  alreadyRejected: 'This NPQ application has already been rejected',
  rejectWithDeclarations:
    'This application has declarations that prevent it from being rejected. Void the declarations first, or contact us for assistance.',
  changeNotAccepted:
    "You must accept the application before attempting to change the '#/funded_place' setting.",
  changeNotEligible: 'This participant is not eligible for funding. Contact us if you think this is wrong.',
  changeNotCapped:
    "Leave the '#/funded_place' field blank. It's only needed for participants starting NPQs from autumn 2024 onwards.",
  changeWithDeclarations:
    'You cannot change the funded place because declarations have been submitted. You will need to void the existing declarations and resubmit them after changing the funded place.',
} as const;

export interface CommandResult {
  applicationId: string;
  events: EventEnvelope[];
}

/**
 * Serialises every command that could accept this person for a course: one transaction-scoped advisory
 * lock per person and per TRN (another person with the same TRN conflicts too), taken in a fixed order.
 */
async function lockAcceptanceScope(
  em: EntityManager,
  person: { id: string; trn: string | null },
): Promise<void> {
  const keys = [`accept:person:${person.id}`];
  if (person.trn) keys.push(`accept:trn:${person.trn}`);
  for (const key of keys.sort()) {
    await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
  }
}

/** Loads the provider's application and its person, both locked for update; 404 when not the caller's. */
async function loadForUpdate(
  em: EntityManager,
  applicationId: string,
  leadProviderId: string,
  lockScope: boolean,
): Promise<{ application: Application; person: Person }> {
  const scope: { person_id: string; trn: string | null }[] = await em.execute(
    `select a.person_id, p.trn from applications.applications a join applications.people p on p.id = a.person_id
     where a.id = ? and a.lead_provider_id = ?`,
    [applicationId, leadProviderId],
  );
  if (!scope[0]) throw notFound();
  if (lockScope) await lockAcceptanceScope(em, { id: scope[0].person_id, trn: scope[0].trn });
  const application = await em.findOne(
    ApplicationSchema,
    { id: applicationId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (!application || application.leadProviderId !== leadProviderId) throw notFound();
  const person = await em.findOneOrFail(
    PersonSchema,
    { id: application.personId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  return { application, person };
}

async function hasAnotherAcceptedApplication(
  em: EntityManager,
  application: Application,
  person: Person,
): Promise<boolean> {
  const alternatives = rebrandedAlternatives(application.courseIdentifier as CourseIdentifier);
  // The person, and (TRN verified) everyone with the same TRN, as a set probed by index: an OR across the
  // people join made Postgres scan both tables (1 s at 1M applications; docs/performance.md).
  const rows: unknown[] = await em.execute(
    `select 1 from applications.applications a
     where a.person_id in (select ?::uuid union all select p.id from applications.people p where ?::boolean and p.trn = ?)
       and a.id <> ? and a.status = 'accepted' and coalesce(a.training_status, '') <> 'withdrawn'
       and a.course_identifier = any(?::text[]) and a.cohort_identifier = ?
     limit 1`,
    [
      person.id,
      person.trnVerified,
      person.trn ?? '',
      application.id,
      pgArray(alternatives),
      application.cohortIdentifier,
    ],
  );
  return rows.length > 0;
}

/** Live declarations (they will be, or have been, paid) block reject and change-funded-place. */
async function hasLiveDeclarations(em: EntityManager, applicationId: string): Promise<boolean> {
  const rows: unknown[] = await em.execute(
    `select 1 from applications.declarations where application_id = ? and state = any(?::text[]) limit 1`,
    [applicationId, pgArray(LIVE_DECLARATION_STATES)],
  );
  return rows.length > 0;
}

function touch(entity: { updatedAt: Date; version: number }, at: Date): void {
  entity.updatedAt = at;
  entity.version += 1;
}

/** A status change is a significant update of the person (DfE touches the user). */
function touchPerson(person: Person, at: Date): void {
  person.updatedAt = at;
  person.significantlyUpdatedAt = at;
  person.version += 1;
}

export interface AcceptInput {
  /** `undefined` when the request had no body or did not mention it. */
  fundedPlace: unknown;
  scheduleIdentifier: unknown;
}

/**
 * POST .../accept, DfE's checks in DfE's order (business-rules §3.1). In one transaction: accept, pick the
 * schedule, set the funded place (capped cohorts) and reject every other application of the person for
 * the same course and cohort, at any provider.
 */
export async function acceptApplication(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  applicationId: string,
  input: AcceptInput,
): Promise<CommandResult> {
  try {
    return await em.transactional(async (tx) => {
      const { application, person } = await loadForUpdate(tx, applicationId, leadProviderId, true);
      const cohort = cohortByIdentifier(application.cohortIdentifier);
      if (!cohort) throw new Error(`application ${application.id} has an unknown cohort`);
      const errors = new ValidationErrors();

      if (!errors.any() && cohort.funding === 'capped' && typeof input.fundedPlace !== 'boolean') {
        errors.add('funded_place', MESSAGES.fundedPlaceInclusion);
      }
      if (cohort.funding === 'zero' && input.fundedPlace !== false)
        errors.add('funded_place', MESSAGES.fundedPlaceUnfunded);
      if (application.status === 'accepted') errors.add('application', MESSAGES.alreadyAccepted);
      if (application.status === 'rejected') errors.add('application', MESSAGES.cannotChangeFromRejected);
      if (await hasAnotherAcceptedApplication(tx, application, person))
        errors.add('application', MESSAGES.anotherAccepted);
      if (
        !errors.any() &&
        cohort.funding === 'capped' &&
        input.fundedPlace === true &&
        !application.eligibleForFunding
      ) {
        errors.add('application', MESSAGES.notEligibleForFundedPlace);
      }

      // Ruby's `present?` decides whether one was given (a blank string is not); the lookup then uses the
      // value exactly as sent (DfE does not strip it), and a non-string value names no schedule.
      const requested = input.scheduleIdentifier;
      const given =
        requested !== undefined &&
        requested !== null &&
        !(typeof requested === 'string' && requested.trim() === '');
      let scheduleIdentifier: string | undefined;
      if (given) {
        const schedule =
          typeof requested === 'string' ? findSchedule(cohort.identifier, requested) : undefined;
        if (!schedule) errors.add('schedule_identifier', MESSAGES.scheduleNotFound);
        else if (
          !errors.any() &&
          !isScheduleValidForCourse(schedule.identifier, application.courseIdentifier)
        ) {
          errors.add('schedule_identifier', MESSAGES.scheduleInvalidForCourse);
        } else scheduleIdentifier = schedule.identifier;
      } else {
        const fallback = defaultScheduleFor({
          courseIdentifier: application.courseIdentifier as CourseIdentifier,
          cohortIdentifier: cohort.identifier,
          date: today(),
        });
        if (!fallback.schedule) errors.add('schedule', MESSAGES.scheduleBlank);
        else scheduleIdentifier = fallback.schedule.identifier;
      }
      errors.throwIfAny();

      const at = now();
      application.status = 'accepted';
      application.scheduleIdentifier = scheduleIdentifier!;
      application.acceptedAt = at;
      application.trainingStatus = 'active';
      if (cohort.funding === 'capped') application.fundedPlace = input.fundedPlace as boolean;
      touch(application, at);
      touchPerson(person, at);

      // Every other application of this person for exactly this course and cohort, at any provider and
      // in any status (DfE rewrites the reason of an already rejected one too).
      const siblings = (
        await tx.find(
          ApplicationSchema,
          {
            personId: person.id,
            courseIdentifier: application.courseIdentifier,
            cohortIdentifier: application.cohortIdentifier,
            id: { $ne: application.id },
          },
          { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
        )
      ).filter(
        (s) =>
          s.status !== 'rejected' || s.reasonForRejection !== 'other_application_in_this_cohort_accepted',
      );
      for (const sibling of siblings) {
        sibling.status = 'rejected';
        sibling.reasonForRejection = 'other_application_in_this_cohort_accepted';
        touch(sibling, at);
      }
      await tx.flush();

      const events = [
        await stageApplicationEvent(
          tx,
          naming,
          'application.accepted',
          application,
          person,
          await new ApplicationReadRepository(tx).previouslyFunded(application.id),
          siblings.map((s) => s.id),
        ),
      ];
      for (const sibling of siblings) {
        events.push(
          await stageApplicationEvent(
            tx,
            naming,
            'application.rejected',
            sibling,
            person,
            await new ApplicationReadRepository(tx).previouslyFunded(sibling.id),
          ),
        );
      }
      return { applicationId: application.id, events };
    });
  } catch (err) {
    // The unique index caught what the lock should already have prevented.
    if (err instanceof UniqueConstraintViolationException)
      throw unprocessable([{ title: 'application', detail: MESSAGES.anotherAccepted }]);
    throw err;
  }
}

/** POST .../reject (business-rules §3.2): pending or accepted, unless it has live declarations. */
export async function rejectApplication(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  applicationId: string,
): Promise<CommandResult> {
  return em.transactional(async (tx) => {
    const { application, person } = await loadForUpdate(tx, applicationId, leadProviderId, false);
    const errors = new ValidationErrors();
    if (application.status === 'rejected') errors.add('application', MESSAGES.alreadyRejected);
    if (await hasLiveDeclarations(tx, application.id))
      errors.add('application', MESSAGES.rejectWithDeclarations);
    errors.throwIfAny();

    const at = now();
    application.status = 'rejected';
    application.reasonForRejection = 'rejected_by_provider';
    touch(application, at);
    touchPerson(person, at);
    await tx.flush();
    const event = await stageApplicationEvent(
      tx,
      naming,
      'application.rejected',
      application,
      person,
      await new ApplicationReadRepository(tx).previouslyFunded(application.id),
    );
    return { applicationId: application.id, events: [event] };
  });
}

/** PUT .../change-funded-place (business-rules §3.3). */
export async function changeFundedPlace(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  applicationId: string,
  fundedPlace: unknown,
): Promise<CommandResult> {
  return em.transactional(async (tx) => {
    const { application, person } = await loadForUpdate(tx, applicationId, leadProviderId, false);
    const cohort = cohortByIdentifier(application.cohortIdentifier);
    const errors = new ValidationErrors();
    if (typeof fundedPlace !== 'boolean') errors.add('funded_place', MESSAGES.fundedPlaceInclusion);
    if (application.status !== 'accepted') errors.add('application', MESSAGES.changeNotAccepted);
    // Ruby truthiness: anything but nil and false (so the string "false" counts as asking for a place).
    const truthy = fundedPlace !== undefined && fundedPlace !== null && fundedPlace !== false;
    if (truthy && !application.eligibleForFunding) errors.add('application', MESSAGES.changeNotEligible);
    if (!errors.any() && cohort?.funding !== 'capped') errors.add('application', MESSAGES.changeNotCapped);
    if (await hasLiveDeclarations(tx, application.id))
      errors.add('application', MESSAGES.changeWithDeclarations);
    errors.throwIfAny();

    // Setting the value it already has succeeds but changes nothing (Rails skips an unchanged update!), so
    // updated_at does not move and the application does not reappear in updated_since feeds.
    if (application.fundedPlace === fundedPlace) return { applicationId: application.id, events: [] };
    application.fundedPlace = fundedPlace as boolean;
    touch(application, now());
    await tx.flush();
    const event = await stageApplicationEvent(
      tx,
      naming,
      'application.funded-place-changed',
      application,
      person,
      await new ApplicationReadRepository(tx).previouslyFunded(application.id),
    );
    return { applicationId: application.id, events: [event] };
  });
}
