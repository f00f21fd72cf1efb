import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { cohortByIdentifier, type EventEnvelope } from '@npq/contracts';
import {
  findForUpdate,
  notFound,
  now,
  today,
  unprocessable,
  writeChanges,
  type EntityManager,
  type Naming,
} from '@npq/service-kit';
import { stageApplicationEvent, type ApplicationEventName } from '../events/staging';
import { PersonSchema, type Person } from '../people/entity';
import { ApplicationSchema, type Application } from './entity';
import { ApplicationQueries } from './queries';
import {
  checkChangeFundedPlace,
  checkReject,
  decideAccept,
  isPreviouslyFunded,
  MESSAGES,
  needsRejectingOnAccept,
  OTHER_APPLICATION_ACCEPTED,
  type AcceptRequest,
} from './rules';

export interface CommandResult {
  applicationId: string;
  events: EventEnvelope[];
}

/**
 * Serialises every command that could accept this person for a course (docs/domain.md, "Accepting"): one
 * transaction-scoped advisory lock per person and per TRN (another person with the same TRN conflicts too),
 * taken in a fixed order.
 */
async function lockAcceptanceScope(em: EntityManager, person: Pick<Person, 'id' | 'trn'>): Promise<void> {
  const keys = [`accept:person:${person.id}`];
  if (person.trn) keys.push(`accept:trn:${person.trn}`);
  for (const key of keys.sort()) {
    // raw SQL: advisory locks have no ORM API.
    await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
  }
}

/**
 * Loads the provider's application for accept: the acceptance scope is locked first (from an unlocked read),
 * then the application and its person are re-read locked for update; 404 when not the caller's.
 */
async function loadForAccept(
  em: EntityManager,
  applicationId: string,
  leadProviderId: string,
): Promise<{ application: Application; person: Person }> {
  const seen = await em.findOne(ApplicationSchema, { id: applicationId, leadProviderId });
  if (!seen) throw notFound();
  await lockAcceptanceScope(em, await em.findOneOrFail(PersonSchema, { id: seen.personId }));
  const application = await em.findOneOrFail(
    ApplicationSchema,
    { id: applicationId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  if (application.leadProviderId !== leadProviderId) throw notFound();
  const person = await em.findOneOrFail(
    PersonSchema,
    { id: application.personId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  return { application, person };
}

/** The provider's application and its person, both locked for update; 404 when not the caller's. */
async function loadForUpdate(
  em: EntityManager,
  applicationId: string,
  leadProviderId: string,
): Promise<{ application: Application; person: Person }> {
  const application = await findForUpdate(em, ApplicationSchema, applicationId, {
    leadProviderId,
    ownerOf: (a) => a.leadProviderId,
  });
  const person = await em.findOneOrFail(
    PersonSchema,
    { id: application.personId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  return { application, person };
}

/** A status change is a significant update of the person (DfE touches the user); the ORM bumps versions. */
function touchPerson(person: Person, at: Date): void {
  person.updatedAt = at;
  person.significantlyUpdatedAt = at;
}

/** Stages one event per application, each with its person's funding history as it now stands. */
async function stageAll(
  em: EntityManager,
  naming: Naming,
  person: Person,
  staged: {
    name: ApplicationEventName;
    application: Application;
    related?: string[];
  }[],
): Promise<EventEnvelope[]> {
  const history = await new ApplicationQueries(em).fundingHistory(person.id);
  const events: EventEnvelope[] = [];
  for (const { name, application, related } of staged) {
    events.push(
      await stageApplicationEvent(
        em,
        naming,
        name,
        application,
        person,
        isPreviouslyFunded(application, history),
        related,
      ),
    );
  }
  return events;
}

/**
 * POST .../accept (docs/domain.md, "Accepting"). In one transaction: accept, pick the schedule, set the funded
 * place (capped cohorts) and reject every other application of the person for the same course and cohort.
 */
export async function acceptApplication(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  applicationId: string,
  request: AcceptRequest,
): Promise<CommandResult> {
  try {
    return await em.transactional(async (tx) => {
      const { application, person } = await loadForAccept(tx, applicationId, leadProviderId);
      const cohort = cohortByIdentifier(application.cohortIdentifier);
      if (!cohort) throw new Error(`application ${application.id} has an unknown cohort`);
      const queries = new ApplicationQueries(tx);
      const decision = decideAccept(
        application,
        cohort,
        request,
        await queries.anotherAcceptedExists(application, person),
        today(),
      );

      const at = now();
      application.status = 'accepted';
      application.scheduleIdentifier = decision.scheduleIdentifier;
      application.acceptedAt = at;
      application.trainingStatus = 'active';
      if (decision.fundedPlace !== undefined) application.fundedPlace = decision.fundedPlace;
      application.updatedAt = at;
      touchPerson(person, at);

      const siblings = (await queries.siblingsForUpdate(application)).filter(needsRejectingOnAccept);
      for (const sibling of siblings) {
        sibling.status = 'rejected';
        sibling.reasonForRejection = OTHER_APPLICATION_ACCEPTED;
        sibling.updatedAt = at;
      }
      await tx.flush();

      const events = await stageAll(tx, naming, person, [
        { name: 'application.accepted', application, related: siblings.map((s) => s.id) },
        ...siblings.map((sibling) => ({ name: 'application.rejected' as const, application: sibling })),
      ]);
      return { applicationId: application.id, events };
    });
  } catch (err) {
    // The unique index caught what the lock should already have prevented.
    if (err instanceof UniqueConstraintViolationException)
      throw unprocessable([{ title: 'application', detail: MESSAGES.anotherAccepted }]);
    throw err;
  }
}

/** POST .../reject (docs/domain.md, "Rejecting"): pending or accepted, unless it has live declarations. */
export async function rejectApplication(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  applicationId: string,
): Promise<CommandResult> {
  return em.transactional(async (tx) => {
    const { application, person } = await loadForUpdate(tx, applicationId, leadProviderId);
    checkReject(application.status, await new ApplicationQueries(tx).liveDeclarationsExist(application.id));

    const at = now();
    application.status = 'rejected';
    application.reasonForRejection = 'rejected_by_provider';
    application.updatedAt = at;
    touchPerson(person, at);
    await tx.flush();
    const events = await stageAll(tx, naming, person, [{ name: 'application.rejected', application }]);
    return { applicationId: application.id, events };
  });
}

/** PUT .../change-funded-place (docs/domain.md, "Funded place"). */
export async function changeFundedPlace(
  em: EntityManager,
  naming: Naming,
  leadProviderId: string,
  applicationId: string,
  fundedPlace: unknown,
): Promise<CommandResult> {
  return em.transactional(async (tx) => {
    const { application, person } = await loadForUpdate(tx, applicationId, leadProviderId);
    checkChangeFundedPlace(
      application,
      cohortByIdentifier(application.cohortIdentifier),
      fundedPlace,
      await new ApplicationQueries(tx).liveDeclarationsExist(application.id),
    );

    // Setting the value it already has succeeds but changes nothing (Rails skips an unchanged update!), so
    // updated_at does not move and the application does not reappear in updated_since feeds.
    if (application.fundedPlace === fundedPlace) return { applicationId: application.id, events: [] };
    application.fundedPlace = fundedPlace;
    application.updatedAt = now();
    await tx.flush();
    const events = await stageAll(tx, naming, person, [
      { name: 'application.funded-place-changed', application },
    ]);
    return { applicationId: application.id, events };
  });
}

/** What training's enrolment events change on the application (training owns these after acceptance). */
export type EnrolmentChange = Partial<
  Pick<
    Application,
    | 'trainingStatus'
    | 'scheduleIdentifier'
    | 'cohortIdentifier'
    | 'cohortStartYear'
    | 'cohortSuffix'
    | 'fundedPlace'
  >
>;

/**
 * Applies an enrolment event to the application it belongs to, in the handler's transaction: skipped when an
 * event of the same or a later enrolment version was already applied (events may arrive out of order);
 * `updated_at` only moves forward.
 */
export async function applyEnrolmentChange(
  em: EntityManager,
  applicationId: string,
  enrolmentVersion: number,
  changedAt: Date,
  change: EnrolmentChange,
): Promise<void> {
  // raw SQL: hot path (every participant action's event lands here); a locking ORM findOne cost 1.3–1.7 ms
  // of CPU per event against about 0.3 ms for this statement and `em.map` (docs/performance.md, "The ORM's
  // cost per statement"). The change is written by `writeChanges` (one statement, with the version check),
  // for the same reason (docs/performance.md, "Writing changed rows").
  const rows: Record<string, unknown>[] = await em.execute(
    'select * from applications.applications where id = ? for update',
    [applicationId],
  );
  if (!rows[0]) return;
  const application = em.map(ApplicationSchema, rows[0]);
  if (application.enrolmentVersion >= enrolmentVersion) return;
  Object.assign(application, change);
  application.enrolmentVersion = enrolmentVersion;
  if (changedAt > application.updatedAt) application.updatedAt = changedAt;
  await writeChanges(em, application, [
    ...(Object.keys(change) as (keyof EnrolmentChange)[]),
    'enrolmentVersion',
    'updatedAt',
  ]);
}
