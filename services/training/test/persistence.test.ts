import { randomUUID } from 'node:crypto';
import { OptimisticLockError } from '@mikro-orm/postgresql';
import type {
  ApplicationSnapshotV1,
  DeclarationSnapshotV1,
  EventEnvelope,
  PersonSnapshotV1,
} from '@npq/contracts';
import { createOrm, migrateUp, type EntityManager, type MikroORM } from '@npq/service-kit';
import { createTestDatabase, type TestDatabase } from '@npq/test-kit';
import { applyApplicationSnapshot } from '../src/applications/commands';
import { ApplicationRecordSchema } from '../src/applications/entity';
import { applyDeclarationSnapshot } from '../src/declarations/commands';
import { DeclarationRecordSchema } from '../src/declarations/entity';
import { finishAttempt, INTERRUPTED_ERROR, startAttempt } from '../src/dqt/commands';
import { OutcomeDeliveryAttemptSchema, OutcomeDeliverySchema } from '../src/dqt/entity';
import { DeliveryRepository } from '../src/dqt/repository';
import { ApplicationStateSchema, EnrolmentSchema } from '../src/enrolments/entity';
import { trainingOrmSettings } from '../src/orm-settings';
import { upsertPerson } from '../src/people/commands';
import { PersonSchema } from '../src/people/entity';

/** Training's data access against a real database: what the ORM writes, in which order it accepts it. */
let db: TestDatabase;
let orm: MikroORM;
beforeAll(async () => {
  db = await createTestDatabase('npq_training_persistence');
  orm = await createOrm(trainingOrmSettings(db.url));
  await migrateUp(orm);
});
afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

const LEAD_PROVIDER = '9e35e998-c63b-4136-89c4-e9e18ddde0ea';
const inTx = <T>(fn: (em: EntityManager) => Promise<T>) => orm.em.fork().transactional(fn);

function snapshot(over: Partial<ApplicationSnapshotV1> = {}): ApplicationSnapshotV1 {
  return {
    applicationId: randomUUID(),
    participantId: randomUUID(),
    leadProviderId: LEAD_PROVIDER,
    courseIdentifier: 'npq-headship',
    cohortIdentifier: '2025a',
    status: 'accepted',
    reasonForRejection: null,
    scheduleIdentifier: 'npq-leadership-autumn',
    fundedPlace: true,
    eligibleForFunding: true,
    eligibleForDfeFunding: true,
    fundable: true,
    targetedDeliveryFundingEligibility: false,
    teacherCatchment: 'england',
    schoolUrn: '100000',
    acceptedAt: '2025-09-01T00:00:00.000Z',
    createdAt: '2025-08-01T00:00:00.000Z',
    updatedAt: '2025-09-01T00:00:00.000Z',
    ...over,
  };
}

const envelope = (
  application: ApplicationSnapshotV1,
  aggregateVersion: number,
  name: 'application.accepted' | 'application.funded-place-changed' = 'application.accepted',
) =>
  ({
    id: randomUUID(),
    name,
    version: 1,
    producer: 'applications',
    occurredAt: application.updatedAt,
    aggregateId: application.applicationId,
    aggregateVersion,
    data: { application, person: {} as PersonSnapshotV1 },
  }) as EventEnvelope<typeof name>;

describe('application snapshots', () => {
  it('open the enrolment once, with its first state row, and apply only newer application columns', async () => {
    const a = snapshot();
    await inTx((em) => applyApplicationSnapshot(em, envelope(a, 2)));
    await inTx((em) => applyApplicationSnapshot(em, envelope(a, 2)));
    const em = orm.em.fork();
    const enrolment = await em.findOneOrFail(EnrolmentSchema, { id: a.applicationId });
    expect(enrolment).toMatchObject({ trainingStatus: 'active', version: 1, applicationVersion: 2 });
    expect(await em.count(ApplicationStateSchema, { applicationId: a.applicationId })).toBe(1);

    // An older snapshot changes nothing; a newer one refreshes what applications owns (funded place only
    // on change-funded-place), never training's columns.
    await inTx((em) => applyApplicationSnapshot(em, envelope({ ...a, schoolUrn: 'old' }, 1)));
    await inTx((em) =>
      applyApplicationSnapshot(
        em,
        envelope({ ...a, schoolUrn: '200000', fundedPlace: false, scheduleIdentifier: null }, 3),
      ),
    );
    const after = await orm.em.fork().findOneOrFail(EnrolmentSchema, { id: a.applicationId });
    expect(after).toMatchObject({
      schoolUrn: '200000',
      fundedPlace: true,
      scheduleIdentifier: 'npq-leadership-autumn',
      applicationVersion: 3,
    });
    await inTx((em) =>
      applyApplicationSnapshot(
        em,
        envelope({ ...a, fundedPlace: false }, 4, 'application.funded-place-changed'),
      ),
    );
    expect((await orm.em.fork().findOneOrFail(EnrolmentSchema, { id: a.applicationId })).fundedPlace).toBe(
      false,
    );
    const record = await orm.em.fork().findOneOrFail(ApplicationRecordSchema, { id: a.applicationId });
    expect(record.version).toBe(4);
  });

  it('a pending snapshot opens no enrolment; one naming a merged-away participant attaches to the kept one', async () => {
    const kept = randomUUID();
    const retired = randomUUID();
    const person = (participantId: string, retiredIntoParticipantId: string | null): PersonSnapshotV1 => ({
      participantId,
      fullName: 'Name',
      email: null,
      trn: null,
      trnVerified: false,
      previousNames: [],
      retiredIntoParticipantId,
      createdAt: '2025-01-01T00:00:00.000Z',
      significantlyUpdatedAt: '2025-01-01T00:00:00.000Z',
      version: 1,
    });
    await inTx(async (em) => {
      await upsertPerson(em, person(kept, null));
      await upsertPerson(em, person(retired, kept));
    });
    const a = snapshot({ participantId: retired, status: 'pending', acceptedAt: null });
    await inTx((em) => applyApplicationSnapshot(em, envelope(a, 1)));
    const em = orm.em.fork();
    expect(await em.findOneOrFail(ApplicationRecordSchema, { id: a.applicationId })).toMatchObject({
      participantId: kept,
      status: 'pending',
    });
    expect(await em.count(EnrolmentSchema, { id: a.applicationId })).toBe(0);
  });

  it("the enrolment's version is an optimistic lock: a write based on a stale read fails", async () => {
    const a = snapshot();
    await inTx((em) => applyApplicationSnapshot(em, envelope(a, 1)));
    const first = orm.em.fork();
    const second = orm.em.fork();
    const stale = await first.findOneOrFail(EnrolmentSchema, { id: a.applicationId });
    const fresh = await second.findOneOrFail(EnrolmentSchema, { id: a.applicationId });
    fresh.trainingStatus = 'deferred';
    await second.flush();
    expect(fresh.version).toBe(2);
    stale.trainingStatus = 'withdrawn';
    await expect(first.flush()).rejects.toBeInstanceOf(OptimisticLockError);
    expect((await orm.em.fork().findOneOrFail(EnrolmentSchema, { id: a.applicationId })).trainingStatus).toBe(
      'deferred',
    );
  });
});

describe('person snapshots', () => {
  const person = (over: Partial<PersonSnapshotV1> = {}): PersonSnapshotV1 => ({
    participantId: randomUUID(),
    fullName: 'First Name',
    email: null,
    trn: '1234567',
    trnVerified: true,
    previousNames: ['Earlier Name'],
    retiredIntoParticipantId: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    significantlyUpdatedAt: '2025-01-01T00:00:00.000Z',
    version: 2,
    ...over,
  });

  it('apply in version order, and a retirement is never undone', async () => {
    const p = person();
    await inTx((em) => upsertPerson(em, p));
    await inTx((em) => upsertPerson(em, { ...p, fullName: 'Older', version: 1 }));
    const into = randomUUID();
    await inTx((em) =>
      upsertPerson(em, { ...p, fullName: 'Newer', version: 3, retiredIntoParticipantId: into }),
    );
    await inTx((em) => upsertPerson(em, { ...p, fullName: 'Newest', version: 4 }));
    const stored = await orm.em.fork().findOneOrFail(PersonSchema, { id: p.participantId });
    expect(stored).toMatchObject({
      fullName: 'Newest',
      previousNames: ['Earlier Name'],
      retiredIntoId: into,
      version: 4,
    });
  });
});

describe('declaration snapshots', () => {
  it('apply in version order; a stale or repeated one reports that it was not applied', async () => {
    const d: DeclarationSnapshotV1 = {
      declarationId: randomUUID(),
      applicationId: randomUUID(),
      participantId: randomUUID(),
      leadProviderId: LEAD_PROVIDER,
      courseIdentifier: 'npq-headship',
      declarationType: 'completed',
      declarationDate: '2026-05-31T00:00:00.000Z',
      state: 'eligible',
      hasPassed: true,
      createdAt: '2026-06-01T00:00:00.000Z',
      updatedAt: '2026-06-01T00:00:00.000Z',
    };
    expect(await inTx((em) => applyDeclarationSnapshot(em, d, 1))).toBe(true);
    expect(await inTx((em) => applyDeclarationSnapshot(em, d, 1))).toBe(false);
    const voided = { ...d, state: 'voided' as const, updatedAt: '2026-06-02T00:00:00.000Z' };
    expect(await inTx((em) => applyDeclarationSnapshot(em, voided, 2))).toBe(true);
    expect(await inTx((em) => applyDeclarationSnapshot(em, d, 1))).toBe(false);
    const rows = await orm.em.fork().find(DeclarationRecordSchema, { id: d.declarationId });
    expect(rows).toEqual([
      expect.objectContaining({ state: 'voided', version: 2, updatedAt: new Date(voided.updatedAt) }),
    ]);
  });
});

describe('DQT deliveries', () => {
  async function delivery() {
    const em = orm.em.fork();
    const outcomeId = randomUUID();
    const d = em.create(OutcomeDeliverySchema, {
      id: randomUUID(),
      outcomeId,
      declarationId: randomUUID(),
      participantId: randomUUID(),
      trn: '1234567',
      courseIdentifier: 'npq-headship',
      qualificationType: 'NPQH',
      completionDate: '2026-06-01',
      state: 'pending',
      jobId: outcomeId,
      attempts: 0,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await em.flush();
    return d;
  }

  it('one run at a time holds the lease', async () => {
    const d = await delivery();
    expect(await new DeliveryRepository(orm.em.fork()).claim(d.id, 60_000)).toBe(true);
    expect(await new DeliveryRepository(orm.em.fork()).claim(d.id, 60_000)).toBe(false);
    // Recording the attempt's answer frees it for the next run (a retry).
    const started = await inTx((em) => startAttempt(em, d.id, new Date()));
    const retry = { state: 'retry' as const, statusCode: 503, error: 'DQT answered 503', excerpt: null };
    await inTx((em) => finishAttempt(em, d.id, started!.seq, { finishedAt: new Date(), verdict: retry }));
    expect(await orm.em.fork().findOneOrFail(OutcomeDeliverySchema, { id: d.id })).toMatchObject({
      state: 'pending',
      claimedUntil: null,
    });
    expect(await new DeliveryRepository(orm.em.fork()).claim(d.id, 60_000)).toBe(true);
  });

  it('an attempt left in flight is marked interrupted by the next; only a pending delivery changes state', async () => {
    const d = await delivery();
    const first = await inTx((em) => startAttempt(em, d.id, new Date()));
    const second = await inTx((em) => startAttempt(em, d.id, new Date()));
    expect(first).toMatchObject({ attempt: 1, interrupted: 0 });
    expect(second).toMatchObject({ attempt: 2, interrupted: 1 });
    expect(
      await orm.em.fork().findOneOrFail(OutcomeDeliveryAttemptSchema, { seq: first!.seq }),
    ).toMatchObject({ outcome: 'interrupted', error: INTERRUPTED_ERROR, finishedAt: null });
    const sentAt = new Date();
    const sent = { state: 'sent' as const, statusCode: 204, error: null, excerpt: null };
    await inTx((em) => finishAttempt(em, d.id, second!.seq, { finishedAt: sentAt, verdict: sent }));
    // A late second success (the interrupted request answered after all) changes nothing.
    await inTx((em) => finishAttempt(em, d.id, first!.seq, { finishedAt: new Date(), verdict: sent }));
    const em = orm.em.fork();
    expect(await em.findOneOrFail(OutcomeDeliverySchema, { id: d.id })).toMatchObject({
      state: 'sent',
      attempts: 2,
      sentAt,
      claimedUntil: null,
    });
    const attempts = await em.find(
      OutcomeDeliveryAttemptSchema,
      { deliveryId: d.id },
      { orderBy: { seq: 'asc' } },
    );
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'sent'],
      [2, 'sent'],
    ]);
    expect(await inTx((em) => startAttempt(em, d.id, new Date()))).toBeNull();
  });
});
