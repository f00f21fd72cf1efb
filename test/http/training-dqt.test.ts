import type { Redis } from 'ioredis';
import { createDqtPushService, DQT_PUSH_QUEUE, type DqtPushService } from '@npq/training';
import { createRedis, createWorker, type Worker } from '@npq/service-kit';
import { TEST_REDIS_URL } from '@npq/test-kit';
import { startSystem, type System } from '../support/system';
import { AMBITION, BPN, createAcceptedApplication } from '../support/fixtures';
import { eventually } from '../support/eventually';
import { declareFor, voidOk } from '../support/finance';
import { FakeDqt, newTrn, passedOutcomeFor, type PassedOutcomeOptions, type Reply } from '../support/dqt';

const DQT_KEY = 'test-dqt-key';

let system: System;
let dqt: FakeDqt;
let redis: Redis;
const services: DqtPushService[] = [];

beforeAll(async () => {
  dqt = new FakeDqt();
  await dqt.start();
  system = await startSystem({
    config: { DQT_API_URL: dqt.url, DQT_API_KEY: DQT_KEY, DQT_TIMEOUT_MS: 5000 },
  });
  redis = createRedis(TEST_REDIS_URL, 'training-dqt-test');
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.close(true)));
  await redis?.quit();
  await system?.close();
  await dqt?.stop();
});

/** A DQT worker in this process with short delays (retries from 50 ms, sweep every 100 ms). */
async function startWorker(): Promise<DqtPushService> {
  const service = createDqtPushService(system.services.training.runtime, redis, {
    backoff: { baseMs: 50, capMs: 400, minJitter: 0.75 },
    attempts: 6,
    orderingDelayMs: 50,
    sweepEveryMs: 100,
    lockDurationMs: 1000,
    stalledIntervalMs: 300,
    // A pending delivery no run holds is checked after 1 s (its job may have failed without settling it).
    staleAfterMs: 1000,
  });
  services.push(service);
  await service.start();
  return service;
}

async function stopWorker(service: DqtPushService, force = false): Promise<void> {
  await service.close(force);
  services.splice(services.indexOf(service), 1);
}

const deliveries = async (query = '') =>
  (await system.admin.get(`/admin/v1/outcome-deliveries${query}`)).body.data as any[];
const deliveryOf = async (outcomeId: string) =>
  (await deliveries('?page[per_page]=3000')).find((d) => d.attributes.outcome_id === outcomeId);
type AttemptRow = {
  attempt: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
};
const attempts = (deliveryId: string) =>
  system.services.training.runtime.orm.em
    .fork()
    .execute<AttemptRow[]>(
      `select attempt, status_code, error, response_excerpt from training.outcome_delivery_attempts where delivery_id = ? order by seq`,
      [deliveryId],
    );

/** The BullMQ job id a delivery is queued under now (a repaired delivery gets a new one). */
const currentJobId = async (deliveryId: string) =>
  (
    await system.services.training.runtime.orm.em
      .fork()
      .execute<{ job_id: string }[]>(`select job_id from training.outcome_deliveries where id = ?`, [
        deliveryId,
      ])
  )[0]!.job_id;

/** Training's own record of a declaration: present once its consumer applied the event (and any outcome). */
const trainingHasDeclaration = async (declarationId: string) =>
  (
    await system.services.training.runtime.orm.em
      .fork()
      .execute<unknown[]>(`select 1 from training.declarations where id = ?`, [declarationId])
  ).length > 0;

/** A passed outcome of a new (or the given) participant, through the real endpoints. */
const passedOutcome = (trn: string, options: PassedOutcomeOptions = {}) =>
  passedOutcomeFor(system, trn, options);

describe('DQT push worker', () => {
  it('pushes a pass: PUT with the TRN, bearer key, completion date and short code; 204 marks it sent', async () => {
    const worker = await startWorker();
    try {
      const trn = newTrn();
      const { outcomeId, participantId } = await passedOutcome(trn);
      const sent = await eventually(
        () => deliveryOf(outcomeId),
        (d) => d?.attributes.state === 'sent',
      );
      expect(sent.attributes).toMatchObject({
        outcome_id: outcomeId,
        participant_id: participantId,
        trn,
        course_identifier: 'npq-senior-leadership',
        qualification_type: 'NPQSL',
        completion_date: '2026-06-01',
        state: 'sent',
        attempts: 1,
        last_status_code: 204,
        last_error: null,
      });
      expect(sent.attributes.sent_at).toEqual(sent.attributes.last_attempt_at);
      expect(dqt.for(trn)).toEqual([
        {
          method: 'PUT',
          path: '/v2/npq-qualifications',
          trn,
          authorization: `Bearer ${DQT_KEY}`,
          contentType: 'application/json',
          body: { completionDate: '2026-06-01', qualificationType: 'NPQSL' },
          at: expect.any(Number),
        },
      ]);
      expect((await deliveries('?filter[state]=sent&page[per_page]=3000')).map((d) => d.id)).toContain(
        sent.id,
      );
      expect((await deliveries('?filter[state]=pending&page[per_page]=3000')).map((d) => d.id)).not.toContain(
        sent.id,
      );
      // Job data holds ids only: no TRN, names or emails.
      const job = await worker.queue.getJob(outcomeId);
      expect(Object.keys(job?.data ?? {})).toEqual(['deliveryId']);
    } finally {
      await stopWorker(worker);
    }
  });

  it('retries 503 with backoff, then records the 204 (every attempt recorded)', async () => {
    const worker = await startWorker();
    try {
      const trn = newTrn();
      dqt.script(trn, (_req, nth) =>
        nth <= 2 ? { status: 503, body: '{"title":"Service unavailable"}' } : { status: 204 },
      );
      const { outcomeId } = await passedOutcome(trn);
      const sent = await eventually(
        () => deliveryOf(outcomeId),
        (d) => d?.attributes.state === 'sent',
        10_000,
      );
      expect(sent.attributes).toMatchObject({ attempts: 3, last_status_code: 204, last_error: null });
      expect(dqt.for(trn)).toHaveLength(3);
      const gaps = dqt
        .for(trn)
        .slice(1)
        .map((r, i) => r.at - dqt.for(trn)[i]!.at);
      expect(gaps[0]).toBeGreaterThanOrEqual(30);
      expect((await attempts(sent.id)).map((a) => [a.attempt, a.status_code, a.error])).toEqual([
        [1, 503, 'DQT answered 503: {"title":"Service unavailable"}'],
        [2, 503, 'DQT answered 503: {"title":"Service unavailable"}'],
        [3, 204, null],
      ]);
      // Ops see the same list through the admin API, with what each attempt led to.
      const listed = await system.admin.get(`/admin/v1/outcome-deliveries/${sent.id}/attempts`);
      expect(listed.status).toBe(200);
      expect(
        listed.body.data.map((a: any) => [
          a.type,
          a.attributes.attempt,
          a.attributes.outcome,
          a.attributes.status_code,
        ]),
      ).toEqual([
        ['outcome-delivery-attempt', 1, 'retry', 503],
        ['outcome-delivery-attempt', 2, 'retry', 503],
        ['outcome-delivery-attempt', 3, 'sent', 204],
      ]);
      expect(listed.body.data[2].attributes).toMatchObject({ delivery_id: sent.id, error: null });
      const second = await system.admin.get(
        `/admin/v1/outcome-deliveries/${sent.id}/attempts?page[per_page]=1&page[page]=2`,
      );
      expect(second.body.data.map((a: any) => a.attributes.attempt)).toEqual([2]);
    } finally {
      await stopWorker(worker);
    }
  });

  it('lists attempts only of a delivery that exists', async () => {
    for (const id of ['8d9e0f1a-2b3c-4d5e-9f6a-7b8c9d0e1f2a', 'not-a-uuid']) {
      const res = await system.admin.get(`/admin/v1/outcome-deliveries/${id}/attempts`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Resource not found' });
    }
    expect((await system.provider().get('/admin/v1/outcome-deliveries/x/attempts')).status).toBe(401);
  });

  it('treats 429 and network failures as retryable', async () => {
    const trn = newTrn();
    dqt.script(trn, (_req, nth) => {
      if (nth === 1) return { status: 429 };
      if (nth === 2) return new Promise<Reply>(() => undefined); // never answers: the client times out
      return { status: 204 };
    });
    // A worker with a short DQT timeout.
    const impatient = createDqtPushService(system.services.training.runtime, redis, {
      backoff: { baseMs: 50, capMs: 400, minJitter: 0.75 },
      attempts: 6,
      timeoutMs: 300,
      sweepEveryMs: 100,
    });
    services.push(impatient);
    await impatient.start();
    try {
      const { outcomeId } = await passedOutcome(trn);
      const sent = await eventually(
        () => deliveryOf(outcomeId),
        (d) => d?.attributes.state === 'sent',
        10_000,
      );
      expect((await attempts(sent.id)).map((a) => [a.status_code, a.error])).toEqual([
        [429, 'DQT answered 429'],
        [null, 'timed out after 300 ms'],
        [204, null],
      ]);
    } finally {
      await stopWorker(impatient, true);
    }
  });

  it('fails permanently on another 4xx, shows it to ops without personal data, and an admin retry re-sends it', async () => {
    const worker = await startWorker();
    try {
      const trn = newTrn();
      dqt.script(trn, (_req, nth) =>
        nth === 1
          ? {
              status: 400,
              body: JSON.stringify({
                title: 'Invalid',
                detail: `Teacher ${trn} (someone@example.com) has no such qualification`,
              }),
            }
          : { status: 204 },
      );
      const { outcomeId } = await passedOutcome(trn);
      const failed = await eventually(
        () => deliveryOf(outcomeId),
        (d) => d?.attributes.state === 'failed',
        10_000,
      );
      expect(failed.attributes).toMatchObject({
        state: 'failed',
        attempts: 1,
        last_status_code: 400,
        sent_at: null,
      });
      expect(failed.attributes.last_error).toBe(
        'DQT answered 400: {"title":"Invalid","detail":"Teacher [number] ([email]) has no such qualification"}',
      );
      expect(failed.attributes.last_error).not.toContain(trn);
      // No retry for a permanent failure: its job has failed for good (BullMQ never runs it again) and only
      // pending deliveries are ever queued.
      await eventually(
        () => worker.queue.getJobState(outcomeId),
        (state) => state === 'failed',
      );
      expect(dqt.for(trn)).toHaveLength(1);
      expect((await deliveries('?filter[state]=failed&page[per_page]=3000')).map((d) => d.id)).toContain(
        failed.id,
      );

      const retryKey = { headers: { 'idempotency-key': `retry-${failed.id}` } };
      const retried = await system.admin.post(
        `/admin/v1/outcome-deliveries/${failed.id}/retry`,
        undefined,
        retryKey,
      );
      expect(retried.status).toBe(202);
      expect(retried.body.data).toMatchObject({
        id: failed.id,
        type: 'outcome-delivery',
        attributes: { state: 'pending' },
      });
      const sent = await eventually(
        () => deliveryOf(outcomeId),
        (d) => d?.attributes.state === 'sent',
        10_000,
      );
      expect(sent.attributes).toMatchObject({ attempts: 2, last_status_code: 204, last_error: null });
      expect(dqt.for(trn)).toHaveLength(2);

      const again = await system.admin.post(`/admin/v1/outcome-deliveries/${failed.id}/retry`);
      expect(again.status).toBe(422);
      expect(again.body).toEqual({
        errors: [{ title: 'state', detail: 'The outcome delivery has already been sent' }],
      });
      // The operator's retry of the same request (same key) gets the first answer, and re-sends nothing.
      const replayed = await system.admin.post(
        `/admin/v1/outcome-deliveries/${failed.id}/retry`,
        undefined,
        retryKey,
      );
      expect(replayed.status).toBe(202);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.text).toBe(retried.text);
      expect(dqt.for(trn)).toHaveLength(2);
      expect(
        (await system.admin.post('/admin/v1/outcome-deliveries/0b0b0b0b-0000-4000-8000-000000000000/retry'))
          .status,
      ).toBe(404);
    } finally {
      await stopWorker(worker);
    }
  });

  it('refuses to re-send a failed pass once a later outcome (a void) superseded it', async () => {
    const worker = await startWorker();
    try {
      const trn = newTrn();
      dqt.script(trn, () => ({ status: 400 }));
      const { outcomeId, declaration, participantId } = await passedOutcome(trn);
      const failed = await eventually(
        () => deliveryOf(outcomeId),
        (d) => d?.attributes.state === 'failed',
        10_000,
      );
      await voidOk(system.provider(), declaration.id);
      const outcomes = await system.provider().get(`/api/v3/participants/npq/${participantId}/outcomes`);
      const voided = outcomes.body.data.at(-1);
      expect(voided.attributes.state).toBe('voided');
      // The pass never reached DQT, so there is nothing to retract.
      expect(await deliveryOf(voided.id)).toBeUndefined();

      dqt.script(trn, () => ({ status: 204 }));
      const retried = await system.admin.post(`/admin/v1/outcome-deliveries/${failed.id}/retry`);
      expect(retried.status).toBe(422);
      expect(retried.body).toEqual({
        errors: [
          {
            title: 'outcome_id',
            detail:
              'The outcome has been superseded by a later outcome of its declaration and cannot be re-sent',
          },
        ],
      });
      // The refusal changed nothing: the delivery is still failed, under the job that failed for good, and
      // only pending deliveries are ever queued.
      expect((await deliveryOf(outcomeId)).attributes).toMatchObject({ state: 'failed', attempts: 1 });
      expect(await worker.queue.getJobState(outcomeId)).toBe('failed');
      expect(dqt.for(trn)).toHaveLength(1);
    } finally {
      await stopWorker(worker);
    }
  });

  it('retracts a sent pass when the completed declaration is voided (completionDate null)', async () => {
    const worker = await startWorker();
    try {
      const trn = newTrn();
      const { outcomeId, declaration, participantId } = await passedOutcome(trn);
      await eventually(
        () => deliveryOf(outcomeId),
        (d) => d?.attributes.state === 'sent',
      );
      await voidOk(system.provider(), declaration.id);
      const outcomes = await system.provider().get(`/api/v3/participants/npq/${participantId}/outcomes`);
      const voided = outcomes.body.data.at(-1);
      expect(voided.attributes.state).toBe('voided');
      const retraction = await eventually(
        () => deliveryOf(voided.id),
        (d) => d?.attributes.state === 'sent',
      );
      expect(retraction.attributes).toMatchObject({ completion_date: null, qualification_type: 'NPQSL' });
      expect(dqt.for(trn).map((r) => r.body)).toEqual([
        { completionDate: '2026-06-01', qualificationType: 'NPQSL' },
        { completionDate: null, qualificationType: 'NPQSL' },
      ]);
    } finally {
      await stopWorker(worker);
    }
  });

  it('sends nothing for a fail that retracts nothing', async () => {
    const worker = await startWorker();
    try {
      const trn = newTrn();
      const app = await createAcceptedApplication(
        system,
        { teacher_reference_number: trn, course_identifier: 'npq-headship' },
        { at: '2025-09-01T00:00:00Z' },
      );
      await declareFor(system, app, AMBITION.id, {
        type: 'completed',
        date: '2026-06-01T12:00:00Z',
        hasPassed: false,
      });
      const outcomes = await system
        .provider()
        .get(`/api/v3/participants/npq/${app.attributes.participant_id}/outcomes`);
      expect(outcomes.body.data.map((o: any) => o.attributes.state)).toEqual(['failed']);
      // A delivery is written in its outcome's transaction: the outcome is there, so none ever will be.
      expect(await deliveryOf(outcomes.body.data[0].id)).toBeUndefined();
      expect(dqt.for(trn)).toEqual([]);
    } finally {
      await stopWorker(worker);
    }
  });

  it('pushes in order for one participant: a newer push waits while an older one is retrying', async () => {
    const trn = newTrn();
    // The first push (NPQSL) fails twice before DQT accepts it; the second (NPQLT) would go at once.
    dqt.script(trn, (req) => {
      const earlier = dqt
        .for(trn)
        .filter((r) => r.body.qualificationType === req.body.qualificationType).length;
      return req.body.qualificationType === 'NPQSL' && earlier <= 2 ? { status: 500 } : { status: 204 };
    });
    // Both pushes are pending before any worker runs, so both jobs start together.
    const first = await passedOutcome(trn);
    const second = await passedOutcome(trn, {
      participantId: first.participantId,
      course: 'npq-leading-teaching',
      lp: BPN.id,
    });
    const worker = await startWorker();
    try {
      await eventually(
        () => deliveryOf(second.outcomeId),
        (d) => d?.attributes.state === 'sent',
        10_000,
      );
      expect((await deliveryOf(first.outcomeId)).attributes.state).toBe('sent');
      expect(dqt.for(trn).map((r) => [r.body.qualificationType, r.body.completionDate])).toEqual([
        ['NPQSL', '2026-06-01'],
        ['NPQSL', '2026-06-01'],
        ['NPQSL', '2026-06-01'],
        ['NPQLT', '2026-06-01'],
      ]);
    } finally {
      await stopWorker(worker);
    }
  });

  it('a worker stopped mid-request resumes in another one without recording the push twice', async () => {
    const trn = newTrn();
    let release: (reply: Reply) => void = () => undefined;
    const held = new Promise<Reply>((resolve) => (release = resolve));
    dqt.script(trn, (_req, nth) => (nth === 1 ? held : { status: 204 }));
    const first = await startWorker();
    const { outcomeId } = await passedOutcome(trn);
    await eventually(
      async () => dqt.for(trn).length,
      (n) => n === 1,
      10_000,
    );
    // Killed while DQT holds the request: the request is dropped, the job is left to another worker.
    await stopWorker(first, true);
    const second = await startWorker();
    try {
      // A bound on how long to wait, not on how fast: on a loaded CI machine BullMQ may first fail the job as
      // stalled and the sweep then re-queues it (docs/operations.md), which took over 15 s once.
      const sent = await eventually(
        () => deliveryOf(outcomeId),
        (d) => d?.attributes.state === 'sent',
        60_000,
      );
      release({ status: 204 });
      // The resumed job has finished: nothing is left to run for this delivery. (If BullMQ gave up on the
      // first job as stalled, the sweep sent it under a new job id: the delivery's current job is the one.)
      await eventually(
        async () => second.queue.getJobState(await currentJobId(sent.id)),
        (state) => state === 'completed',
      );
      // DQT may see the push twice (it is idempotent), but it is recorded sent once.
      expect(dqt.for(trn).length).toBeGreaterThanOrEqual(2);
      // The dropped request is recorded as an attempt without an answer; the resumed one as the success.
      expect((await attempts(sent.id)).map((a) => [a.attempt, a.status_code, a.error])).toEqual([
        [1, null, 'the worker stopped before DQT answered'],
        [2, 204, null],
      ]);
      const after = await deliveryOf(outcomeId);
      expect(after.attributes.state).toBe('sent');
      expect(after.attributes.sent_at).toBe(sent.attributes.sent_at);
    } finally {
      release({ status: 204 });
      await stopWorker(second);
    }
  }, 120_000);

  it('a push whose job BullMQ failed for stalling too often is sent again promptly, not after minutes', async () => {
    // Two workers die in turn while running the job (force-closed with the job in hand, as a killed or
    // starved process leaves it): BullMQ moves it back once, then fails it ("stalled more than allowable
    // limit") without the delivery being settled. Deterministic: the stalls are made, not hoped for.
    const trn = newTrn();
    dqt.script(trn, () => ({ status: 204 }));
    const queuer = createDqtPushService(system.services.training.runtime, redis);
    services.push(queuer);
    const { outcomeId } = await passedOutcome(trn);
    const prefix = system.services.training.runtime.naming.queuePrefix;
    const hang = () => new Promise<never>(() => undefined);
    const stall = async () => {
      const connection = createRedis(TEST_REDIS_URL, 'training-dqt-stall');
      const taken = new Promise<void>((resolve) => {
        const w = createWorker<unknown, unknown>(DQT_PUSH_QUEUE, async () => (resolve(), hang()), {
          connection,
          prefix,
          lockDuration: 500,
          stalledInterval: 200,
        });
        stalling.push({ w, connection });
      });
      await taken;
      const { w } = stalling[stalling.length - 1]!;
      await w.close(true);
    };
    const stalling: { w: Worker<unknown, unknown>; connection: Redis }[] = [];
    try {
      await queuer.sweep();
      await stall(); // first stall: BullMQ moves the job back to wait
      await stall(); // second stall: over the limit, BullMQ will fail it
      const worker = await startWorker();
      try {
        const sent = await eventually(
          () => deliveryOf(outcomeId),
          (d) => d?.attributes.state === 'sent',
          15_000,
        );
        const old = await worker.queue.getJob(outcomeId);
        expect(await old?.getState()).toBe('failed');
        expect(old?.failedReason).toMatch(/stalled/);
        expect((await attempts(sent.id)).map((a) => [a.attempt, a.status_code])).toEqual([[1, 204]]);
        expect(dqt.for(trn)).toHaveLength(1);
      } finally {
        await stopWorker(worker);
      }
    } finally {
      await Promise.all(stalling.map(({ connection }) => connection.quit().catch(() => undefined)));
      await stopWorker(queuer);
    }
  });

  it('pushes nothing for a participant without a validated TRN', async () => {
    const worker = await startWorker();
    try {
      const trn = newTrn();
      const { outcomeId } = await passedOutcome(trn, { validated: false });
      // A delivery is written in its outcome's transaction: the outcome is there, so none ever will be.
      expect(await deliveryOf(outcomeId)).toBeUndefined();
      expect(dqt.for(trn)).toEqual([]);
    } finally {
      await stopWorker(worker);
    }
  });

  it('pushes nothing for EHCO (it has no outcomes)', async () => {
    const worker = await startWorker();
    try {
      const trn = newTrn();
      const app = await createAcceptedApplication(system, {
        teacher_reference_number: trn,
        cohort: '2023',
        course_identifier: 'npq-early-headship-coaching-offer',
      });
      const declaration = await declareFor(system, app, AMBITION.id, {
        type: 'completed',
        date: '2024-06-01T12:00:00Z',
        hasPassed: true,
      });
      // Training applied the declaration (an outcome and its delivery would have come in that transaction).
      await eventually(
        () => trainingHasDeclaration(declaration.id),
        (applied) => applied,
      );
      const outcomes = await system
        .provider()
        .get(`/api/v3/participants/npq/${app.attributes.participant_id}/outcomes`);
      expect(outcomes.body.data).toEqual([]);
      expect(dqt.for(trn)).toEqual([]);
    } finally {
      await stopWorker(worker);
    }
  });

  it('refuses an unknown state filter', async () => {
    const res = await system.admin.get('/admin/v1/outcome-deliveries?filter[state]=lost');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [{ title: 'Bad request', detail: "The filter '#/state' must be one of pending, sent, failed" }],
    });
    expect((await system.provider().get('/admin/v1/outcome-deliveries')).status).toBe(401);
  });
});
