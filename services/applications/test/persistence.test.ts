import { randomUUID } from 'node:crypto';
import { OptimisticLockError } from '@mikro-orm/postgresql';
import { createOrm, migrateUp, Naming, type EntityManager, type MikroORM } from '@npq/service-kit';
import { createTestDatabase, type TestDatabase } from '@npq/test-kit';
import { acceptApplication, applyEnrolmentChange } from '../src/applications/commands';
import { Application, ApplicationSchema } from '../src/applications/entity';
import { ApplicationQueries } from '../src/applications/queries';
import { isPreviouslyFunded } from '../src/applications/rules';
import { applyDeclarationSnapshot } from '../src/declarations/commands';
import { DeclarationProjectionSchema } from '../src/declarations/entity';
import { applicationsOrmSettings } from '../src/orm-settings';
import { Person, PersonSchema } from '../src/people/entity';
import { emailInUse } from '../src/people/queries';

/**
 * The data access against a real database: what the ORM writes and reads, and that the two spellings of
 * "previously funded" (the rule in rules.ts, the SQL of the list and show queries) agree.
 */
let db: TestDatabase;
let orm: MikroORM;
beforeAll(async () => {
  db = await createTestDatabase('npq_applications_persistence');
  orm = await createOrm(applicationsOrmSettings(db.url));
  await migrateUp(orm);
});
afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

const LEAD_PROVIDER = '9e35e998-c63b-4136-89c4-e9e18ddde0ea';
const naming = new Naming(`persistence${Date.now()}`);

async function person(over: Partial<Person> = {}): Promise<Person> {
  const em = orm.em.fork();
  const p = em.create(PersonSchema, { ...new Person(), id: randomUUID(), fullName: 'Test Person', ...over });
  await em.flush();
  return p;
}

async function application(personId: string, over: Partial<Application> = {}): Promise<Application> {
  const em = orm.em.fork();
  const a = em.create(ApplicationSchema, {
    ...new Application(),
    id: randomUUID(),
    personId,
    leadProviderId: LEAD_PROVIDER,
    courseIdentifier: 'npq-headship',
    cohortIdentifier: '2025a',
    cohortStartYear: 2025,
    cohortSuffix: 'a',
    eligibleForFunding: true,
    ...over,
  });
  await em.flush();
  return a;
}

const load = (em: EntityManager, id: string) => em.findOneOrFail(ApplicationSchema, { id });

describe('optimistic locking', () => {
  it('bumps the version on every flushed change and refuses a write based on a stale read', async () => {
    const p = await person();
    const a = await application(p.id);
    expect(a.version).toBe(1);

    const first = orm.em.fork();
    const second = orm.em.fork();
    const stale = await load(first, a.id);
    const fresh = await load(second, a.id);
    fresh.employerName = 'Second writer';
    await second.flush();
    expect(fresh.version).toBe(2);

    stale.employerName = 'First writer';
    await expect(first.flush()).rejects.toBeInstanceOf(OptimisticLockError);
    expect((await load(orm.em.fork(), a.id)).employerName).toBe('Second writer');
  });
});

describe('accept', () => {
  it('accepts, rejects the siblings and stages events carrying the bumped versions', async () => {
    const p = await person();
    const a = await application(p.id);
    const sibling = await application(p.id, { leadProviderId: '57ba9e86-559f-4ff4-a6d2-4610c7259b67' });

    const result = await acceptApplication(orm.em.fork(), naming, LEAD_PROVIDER, a.id, {
      fundedPlace: true,
      scheduleIdentifier: 'npq-leadership-autumn',
    });
    expect(result.events.map((e) => [e.name, e.aggregateId, e.aggregateVersion])).toEqual([
      ['application.accepted', a.id, 2],
      ['application.rejected', sibling.id, 2],
    ]);
    const em = orm.em.fork();
    expect(await load(em, a.id)).toMatchObject({ status: 'accepted', fundedPlace: true, version: 2 });
    expect(await load(em, sibling.id)).toMatchObject({
      status: 'rejected',
      reasonForRejection: 'other_application_in_this_cohort_accepted',
    });
    expect((await em.findOneOrFail(PersonSchema, { id: p.id })).version).toBe(2);
  });
});

describe('previously funded', () => {
  it('the rule and the list/show SQL agree', async () => {
    const p = await person();
    const cases: Partial<Application>[] = [
      { status: 'accepted', fundedPlace: null },
      { status: 'accepted', fundedPlace: false, courseIdentifier: 'npq-senco' },
      { status: 'accepted', courseIdentifier: 'npq-additional-support-offer' },
      { status: 'pending', courseIdentifier: 'npq-early-headship-coaching-offer', cohortIdentifier: '2024a' },
      { status: 'accepted', eligibleForFunding: false, courseIdentifier: 'npq-senior-leadership' },
      { status: 'pending', courseIdentifier: 'npq-senior-leadership', cohortIdentifier: '2024a' },
      { status: 'pending', courseIdentifier: 'npq-senco', cohortIdentifier: '2024a' },
      { status: 'pending', cohortIdentifier: '2024a' },
    ];
    const apps: Application[] = [];
    for (const c of cases) apps.push(await application(p.id, c));

    const em = orm.em.fork();
    const queries = new ApplicationQueries(em);
    const history = await queries.fundingHistory(p.id);
    const bySql = await Promise.all(apps.map(async (a) => (await queries.findById(a.id))!.previouslyFunded));
    expect(apps.map((a) => isPreviouslyFunded(a, history))).toEqual(bySql);
    // And the cases mean something: both answers occur.
    expect(bySql).toEqual([false, false, false, true, false, false, false, true]);
  });
});

describe('lookups', () => {
  it('finds an accepted application of another person with the same validated TRN', async () => {
    const trn = String(1000000 + Math.floor(Math.random() * 8999999));
    const holder = await person({ trn });
    await application(holder.id, { status: 'accepted', trainingStatus: 'active' });
    const claimant = await person({ trn, trnVerified: true });
    const mine = await application(claimant.id);
    const em = orm.em.fork();
    const queries = new ApplicationQueries(em);
    expect(await queries.anotherAcceptedExists(mine, claimant)).toBe(true);
    expect(await queries.anotherAcceptedExists(mine, { ...claimant, trnVerified: false })).toBe(false);
  });

  it('matches emails case-insensitively among active people only', async () => {
    const email = `Person-${randomUUID().slice(0, 8)}@Example.com`;
    const active = await person({ email });
    const em = orm.em.fork();
    expect(await emailInUse(em, email.toLowerCase())).toBe(true);
    expect(await emailInUse(em, email.toUpperCase(), active.id)).toBe(false);
    await person({ email: `retired-${email}`, retiredIntoId: active.id });
    expect(await emailInUse(em, `RETIRED-${email}`)).toBe(false);
  });
});

describe('projections', () => {
  it('applies declaration snapshots newest-first-wins, whatever order they arrive in', async () => {
    const p = await person();
    const a = await application(p.id, { status: 'accepted' });
    const declarationId = randomUUID();
    const snapshot = (state: string, version: number) =>
      orm.em.fork().transactional((em) =>
        applyDeclarationSnapshot(
          em,
          {
            declarationId,
            applicationId: a.id,
            declarationType: 'started',
            state,
            updatedAt: new Date(Date.UTC(2025, 9, version)).toISOString(),
          } as Parameters<typeof applyDeclarationSnapshot>[1],
          version,
        ),
      );
    await snapshot('submitted', 1);
    expect(await new ApplicationQueries(orm.em.fork()).liveDeclarationsExist(a.id)).toBe(true);
    await snapshot('voided', 3);
    await snapshot('eligible', 2);
    const row = await orm.em.fork().findOneOrFail(DeclarationProjectionSchema, { declarationId });
    expect(row).toMatchObject({ state: 'voided', version: 3 });
    expect(await new ApplicationQueries(orm.em.fork()).liveDeclarationsExist(a.id)).toBe(false);
  });

  it('applies enrolment changes in enrolment-version order; updated_at only moves forward', async () => {
    const p = await person();
    const a = await application(p.id, { status: 'accepted', trainingStatus: 'active' });
    const apply = (version: number, at: Date, trainingStatus: 'active' | 'deferred' | 'withdrawn') =>
      orm.em.fork().transactional((em) => applyEnrolmentChange(em, a.id, version, at, { trainingStatus }));

    const later = new Date(a.updatedAt.getTime() + 60_000);
    await apply(2, later, 'withdrawn');
    await apply(1, new Date(later.getTime() + 60_000), 'deferred');
    let row = await load(orm.em.fork(), a.id);
    expect(row).toMatchObject({ trainingStatus: 'withdrawn', enrolmentVersion: 2 });
    expect(row.updatedAt.getTime()).toBe(later.getTime());

    await apply(3, new Date(0), 'active');
    row = await load(orm.em.fork(), a.id);
    expect(row).toMatchObject({ trainingStatus: 'active', enrolmentVersion: 3 });
    expect(row.updatedAt.getTime()).toBe(later.getTime());
  });
});
