import { startSystem, type System } from '../support/system';
import {
  AMBITION,
  BPN,
  CHURCH,
  createAcceptedApplication,
  createApplication,
  samePerson,
} from '../support/fixtures';
import { publishDeclaration, publishDeclarationVoided } from '../support/events';
import { declareFor, payStatement, transferApplication, voidOk } from '../support/finance';

// The finance statement worker runs in-process: one test pays a completed declaration and claws it back.
let system: System;
beforeAll(async () => {
  system = await startSystem({ financeWorker: true });
});
afterAll(async () => {
  await system?.close();
});

type Attributes = Record<string, unknown>;
const post = (id: string, body: unknown, headers: Record<string, string> = {}, lp: string = AMBITION.id) =>
  system.provider(lp).post(`/api/v3/participants/npq/${id}/outcomes`, body, { headers });
const submit = (
  id: string,
  attributes: Attributes,
  headers: Record<string, string> = {},
  lp: string = AMBITION.id,
) => post(id, { data: { type: 'npq-outcome-confirmation', attributes } }, headers, lp);
const errors = (...items: [string, string][]) => ({
  errors: items.map(([title, detail]) => ({ title, detail })),
});
const outcomesOf = (id: string, lp: string = AMBITION.id, query = '') =>
  system.provider(lp).get(`/api/v3/participants/npq/${id}/outcomes${query}`);
const allOutcomes = (lp: string = AMBITION.id, query = '') =>
  system.provider(lp).get(`/api/v3/participants/npq/outcomes${query}`);

const MSG = {
  courseInclusion:
    "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again.",
  courseBlank: "Enter a '#/course_identifier' value for this participant.",
  stateInclusion:
    "The attribute '#/state' can only include 'passed' or 'failed' values. If you need to void an outcome, you will need to void the associated 'completed' declaration.",
  stateBlank:
    "The '#/state' is missing from your request. Please include a 'passed' or 'failed' value and try again.",
  dateBlank:
    "The '#/completion_date' is missing from your request. Please include a completion_date value and try again.",
  dateFormat: "The '#/completion_date' value must be in the following format: 'yyyy-mm-dd'",
  dateFuture: "The '#/completion_date' value cannot be a future date. Check the date and try again.",
  noCompleted:
    "The participant has not had a 'completed' declaration submitted for them. Therefore you cannot update their outcome.",
};

/** An accepted senior leadership participant (npq-leadership-autumn 2025, from 2025-10-01). */
const seniorLeader = (lp: string) =>
  createAcceptedApplication(
    system,
    { course_identifier: 'npq-senior-leadership', lead_provider_id: lp },
    { at: '2025-09-01T00:00:00Z' },
  );

/**
 * An accepted senior leadership participant with a completed declaration made through finance. Finance
 * requires has_passed on it, which records the outcome at once: failed, so a later pass is a new outcome.
 */
async function completed(options: { lp?: string } = {}) {
  const lp = options.lp ?? AMBITION.id;
  const app = await seniorLeader(lp);
  const declaration = await declareFor(system, app, lp, {
    type: 'completed',
    date: '2026-06-01T10:00:00Z',
    hasPassed: false,
  });
  return { app, id: app.attributes.participant_id as string, declaration };
}

/**
 * The same with no outcome yet. No endpoint can make it: finance refuses a completed leadership declaration
 * without has_passed, and has_passed records an outcome. So this publishes the event finance would send.
 */
async function completedWithoutOutcome() {
  const app = await seniorLeader(AMBITION.id);
  await publishDeclaration(system, app, AMBITION.id, { type: 'completed', date: '2026-06-01T10:00:00Z' });
  return { app, id: app.attributes.participant_id as string };
}

const passed = { course_identifier: 'npq-senior-leadership', state: 'passed', completion_date: '2026-06-15' };

describe('POST /api/v3/participants/npq/{id}/outcomes', () => {
  it('records an outcome and answers 200 with it', async () => {
    // Without an outcome yet (no endpoint makes that), so the list holds only the one recorded here.
    const { app, id } = await completedWithoutOutcome();
    const res = await submit(id, passed, { 'x-with-server-date': '2026-07-01T08:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        id: expect.any(String),
        type: 'participant-outcome',
        attributes: {
          state: 'passed',
          completion_date: '2026-06-15T00:00:00+00:00',
          course_identifier: 'npq-senior-leadership',
          participant_id: id,
          created_at: '2026-07-01T08:00:00Z',
          updated_at: '2026-07-01T08:00:00Z',
        },
      },
    });
    expect(Object.keys(res.body.data.attributes)).toEqual([
      'state',
      'completion_date',
      'course_identifier',
      'participant_id',
      'created_at',
      'updated_at',
    ]);
    const listed = await outcomesOf(id);
    expect(listed.body).toEqual({ data: [res.body.data] });
    expect(app.id).toBeDefined();
  });

  it('answers a body without data or attributes with 400 before looking the participant up', async () => {
    for (const body of [undefined, { data: {} }, { data: { attributes: {} } }]) {
      const res = await post('0b0b0b0b-0000-4000-8000-000000000000', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        errors(['Bad request', 'correct json data structure required. See API docs for reference']),
      );
    }
  });

  it("answers unknown ids and another provider's participants with 404", async () => {
    const { id } = await completed();
    expect((await submit('0b0b0b0b-0000-4000-8000-000000000000', passed)).status).toBe(404);
    expect((await submit('nope', passed)).status).toBe(404);
    const other = await submit(id, passed, {}, BPN.id);
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: 'Resource not found' });
  });

  it('reports every missing attribute, grouped by attribute in DfE order', async () => {
    const { id } = await createAcceptedApplication(system, {}).then((a) => ({
      id: a.attributes.participant_id as string,
    }));
    const res = await submit(id, { colour: 'red' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors(
        ['course_identifier', MSG.courseInclusion],
        ['course_identifier', MSG.courseBlank],
        ['state', MSG.stateInclusion],
        ['state', MSG.stateBlank],
        ['completion_date', MSG.dateBlank],
        ['completion_date', MSG.dateFormat],
        ['base', MSG.noCompleted],
      ),
    );
  });

  it('treats list and object values as missing (DfE strong parameters drop them)', async () => {
    const { id } = await completed();
    const res = await submit(id, {
      course_identifier: ['npq-senior-leadership'],
      state: { value: 'passed' },
      completion_date: ['2026-06-15'],
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors(
        ['course_identifier', MSG.courseInclusion],
        ['course_identifier', MSG.courseBlank],
        ['state', MSG.stateInclusion],
        ['state', MSG.stateBlank],
        ['completion_date', MSG.dateBlank],
        ['completion_date', MSG.dateFormat],
        ['base', MSG.noCompleted],
      ),
    );
  });

  it('refuses ASO/EHCO, a voided state and a badly formatted date', async () => {
    const { id } = await completed();
    const res = await submit(id, {
      course_identifier: 'npq-early-headship-coaching-offer',
      state: 'voided',
      completion_date: '15/06/2026',
    });
    expect(res.body).toEqual(
      errors(
        ['course_identifier', MSG.courseInclusion],
        ['state', MSG.stateInclusion],
        ['completion_date', MSG.dateFormat],
        ['base', MSG.noCompleted],
      ),
    );
  });

  it('refuses a completion date in the future of the request clock, after the declaration check', async () => {
    const { id } = await completed();
    const future = await submit(
      id,
      { ...passed, completion_date: '2026-07-02' },
      { 'x-with-server-date': '2026-07-01T23:59:59Z' },
    );
    expect(future.status).toBe(422);
    expect(future.body).toEqual(errors(['completion_date', MSG.dateFuture]));
    const today = await submit(
      id,
      { ...passed, completion_date: '2026-07-01' },
      { 'x-with-server-date': '2026-07-01T00:00:00Z' },
    );
    expect(today.status).toBe(200);

    const none = await createAcceptedApplication(system, { course_identifier: 'npq-senior-leadership' });
    const both = await submit(none.attributes.participant_id, { ...passed, completion_date: '2999-01-01' });
    expect(both.body).toEqual(errors(['base', MSG.noCompleted], ['completion_date', MSG.dateFuture]));
  });

  it('answers an impossible calendar date with the 422 format error (deliberate: DfE answers 400)', async () => {
    const { id } = await completed();
    for (const completion_date of ['2021-02-30', '2021-13-01', '2021-00-10']) {
      const res = await submit(id, { ...passed, completion_date });
      expect(res.status).toBe(422);
      expect(res.body).toEqual(errors(['completion_date', MSG.dateFormat]));
    }
  });

  it("accepts anything containing a yyyy-mm-dd date (DfE's unanchored format check)", async () => {
    const { id } = await completed();
    const res = await submit(id, { ...passed, completion_date: '2026-06-15T00:00:00+00:00' });
    expect(res.status).toBe(200);
    expect(res.body.data.attributes.completion_date).toBe('2026-06-15T00:00:00+00:00');
  });

  it('needs a completed declaration for exactly that course that is not voided or clawed back', async () => {
    const trn = String(4000000 + Math.floor(Math.random() * 999999));
    const app = await createAcceptedApplication(
      system,
      { course_identifier: 'npq-senior-leadership', teacher_reference_number: trn },
      { at: '2025-09-01T00:00:00Z' },
    );
    const id = app.attributes.participant_id as string;
    await declareFor(system, app, AMBITION.id, { type: 'retained-2', date: '2025-11-01T10:00:00Z' });
    expect((await submit(id, passed)).body).toEqual(errors(['base', MSG.noCompleted]));
    const voided = await declareFor(system, app, AMBITION.id, {
      type: 'completed',
      date: '2026-06-01T00:00:00Z',
      hasPassed: true,
    });
    await voidOk(system.provider(), voided.id);
    expect((await submit(id, passed)).body).toEqual(errors(['base', MSG.noCompleted]));
    // Another course of the same person does not count.
    expect((await submit(id, { ...passed, course_identifier: 'npq-headship' })).body).toEqual(
      errors(['base', MSG.noCompleted]),
    );
    // An ineligible (duplicate) completed declaration does: another person with the same TRN declared first.
    const twin = await createAcceptedApplication(
      system,
      {
        course_identifier: 'npq-senior-leadership',
        lead_provider_id: BPN.id,
        teacher_reference_number: trn,
        teacher_reference_number_validated: false,
      },
      { at: '2025-09-01T00:00:00Z' },
    );
    await declareFor(system, twin, BPN.id, {
      type: 'completed',
      date: '2026-06-01T00:00:00Z',
      hasPassed: false,
    });
    const duplicate = await declareFor(system, app, AMBITION.id, {
      type: 'completed',
      date: '2026-06-02T00:00:00Z',
      hasPassed: false,
    });
    expect(duplicate.attributes).toMatchObject({
      state: 'ineligible',
      ineligible_for_funding_reason: 'duplicate_declaration',
    });
    expect((await submit(id, passed)).status).toBe(200);
  });

  it('is idempotent: passed over passed (any date), or the same state and date, returns the existing outcome', async () => {
    // Without an outcome yet (no endpoint makes that), so the history holds only the outcomes submitted here.
    const { id } = await completedWithoutOutcome();
    const first = await submit(id, passed);
    expect(first.status).toBe(200);
    const again = await submit(id, { ...passed, completion_date: '2026-06-20' });
    expect(again.body).toEqual(first.body);
    const failed = await submit(id, { ...passed, state: 'failed' });
    expect(failed.body.data.id).not.toBe(first.body.data.id);
    expect(failed.body.data.attributes).toMatchObject({
      state: 'failed',
      completion_date: '2026-06-15T00:00:00+00:00',
    });
    expect((await submit(id, { ...passed, state: 'failed' })).body).toEqual(failed.body);
    const failedLater = await submit(id, { ...passed, state: 'failed', completion_date: '2026-06-16' });
    expect(failedLater.body.data.id).not.toBe(failed.body.data.id);
    const passedAgain = await submit(id, passed);
    expect(passedAgain.body.data.id).not.toBe(first.body.data.id);
    expect((await outcomesOf(id)).body.data.map((o: any) => o.attributes.state)).toEqual([
      'passed',
      'failed',
      'failed',
      'passed',
    ]);
  });

  it('concurrent identical submissions record one outcome', async () => {
    // Without an outcome yet (no endpoint makes that), so exactly one outcome shows afterwards.
    const { id } = await completedWithoutOutcome();
    const results = await Promise.all(Array.from({ length: 8 }, () => submit(id, passed)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(1);
    expect((await outcomesOf(id)).body.data).toHaveLength(1);
  });

  it('on a transferred application: the new provider may record it, but only the declaring provider lists it', async () => {
    const app = await seniorLeader(BPN.id);
    const id = app.attributes.participant_id as string;
    // A completed declaration made by BPN, then the application moves to CHURCH. No endpoint transfers an
    // application (DfE does it by hand), so transferApplication publishes the application event.
    await declareFor(system, app, BPN.id, {
      type: 'completed',
      date: '2026-06-01T00:00:00Z',
      hasPassed: false,
    });
    await transferApplication(system, app, CHURCH.id);
    const res = await submit(id, passed, {}, CHURCH.id);
    expect(res.status).toBe(200);
    expect((await outcomesOf(id, CHURCH.id)).body).toEqual({ data: [] });
    expect((await allOutcomes(CHURCH.id)).body.data.map((o: any) => o.id)).not.toContain(res.body.data.id);
  });
});

describe('outcomes from declarations', () => {
  it('a completed declaration with has_passed records the outcome, voiding it records voided', async () => {
    const app = await createAcceptedApplication(
      system,
      { course_identifier: 'npq-leading-literacy', lead_provider_id: BPN.id },
      { at: '2025-09-01T00:00:00Z' },
    );
    const id = app.attributes.participant_id as string;
    const declaration = await declareFor(system, app, BPN.id, {
      type: 'completed',
      date: '2026-05-31T23:30:00Z',
      hasPassed: true,
      at: '2026-06-01T09:00:00Z',
    });
    // Visible on the very next request.
    const afterCreate = await outcomesOf(id, BPN.id);
    expect(afterCreate.body.data.map((o: any) => o.attributes)).toEqual([
      {
        state: 'passed',
        completion_date: '2026-05-31T00:00:00+00:00',
        course_identifier: 'npq-leading-literacy',
        participant_id: id,
        created_at: '2026-06-01T09:00:00Z',
        updated_at: '2026-06-01T09:00:00Z',
      },
    ]);
    await voidOk(system.provider(BPN.id), declaration.id, '2026-06-10T00:00:00Z');
    const afterVoid = await outcomesOf(id, BPN.id);
    expect(
      afterVoid.body.data.map((o: any) => [
        o.attributes.state,
        o.attributes.completion_date,
        o.attributes.created_at,
      ]),
    ).toEqual([
      ['passed', '2026-05-31T00:00:00+00:00', '2026-06-01T09:00:00Z'],
      ['voided', '2026-05-31T00:00:00+00:00', '2026-06-10T00:00:00Z'],
    ]);
    // The provider can now submit a new outcome only on a new completed declaration.
    expect(
      (
        await submit(
          id,
          { course_identifier: 'npq-leading-literacy', state: 'passed', completion_date: '2026-06-01' },
          {},
          BPN.id,
        )
      ).body,
    ).toEqual(errors(['base', MSG.noCompleted]));
  });

  it('has_passed false records failed; a completed declaration without has_passed, or on EHCO, records nothing', async () => {
    const app = await createAcceptedApplication(
      system,
      { course_identifier: 'npq-headship' },
      { at: '2025-09-01T00:00:00Z' },
    );
    const id = app.attributes.participant_id as string;
    // Finance refuses a completed headship declaration without has_passed, so no endpoint can make this one.
    await publishDeclaration(system, app, AMBITION.id, {
      type: 'completed',
      date: '2026-06-01T00:00:00Z',
      hasPassed: null,
    });
    expect((await outcomesOf(id)).body.data).toEqual([]);
    await declareFor(system, app, AMBITION.id, {
      type: 'completed',
      date: '2026-06-02T00:00:00Z',
      hasPassed: false,
    });
    expect((await outcomesOf(id)).body.data.map((o: any) => o.attributes.state)).toEqual(['failed']);

    const ehco = await createAcceptedApplication(system, {
      cohort: '2023',
      course_identifier: 'npq-early-headship-coaching-offer',
    });
    const voidable = await declareFor(system, ehco, AMBITION.id, {
      type: 'completed',
      date: '2024-06-02T00:00:00Z',
      hasPassed: true,
    });
    await voidOk(system.provider(), voidable.id);
    expect((await outcomesOf(ehco.attributes.participant_id)).body.data).toEqual([]);
  });

  it('voiding a completed declaration without an outcome still records voided; a clawback does too', async () => {
    const senco = () =>
      createAcceptedApplication(system, { course_identifier: 'npq-senco' }, { at: '2025-09-01T00:00:00Z' });
    const app = await senco();
    const id = app.attributes.participant_id as string;
    // Finance never makes a completed senco declaration without has_passed (which records an outcome), so no
    // endpoint can produce this one: these are the events finance would send for it, paid and then voided.
    const declaration = await publishDeclaration(system, app, AMBITION.id, {
      type: 'completed',
      date: '2026-06-01T00:00:00Z',
      state: 'paid',
    });
    await publishDeclarationVoided(system, declaration, 'awaiting_clawback');
    expect((await outcomesOf(id)).body.data.map((o: any) => o.attributes.state)).toEqual(['voided']);

    // A clawback through finance: paid by the payment run, then voided.
    const other = await senco();
    const paid = await declareFor(system, other, AMBITION.id, {
      type: 'completed',
      date: '2026-06-01T00:00:00Z',
      hasPassed: true,
    });
    const paidOn = await payStatement(system, paid.attributes.statement_id);
    const clawback = await voidOk(system.provider(), paid.id, `${paidOn}T10:00:00Z`);
    expect(clawback.attributes.state).toBe('awaiting-clawback');
    expect(
      (await outcomesOf(other.attributes.participant_id)).body.data.map((o: any) => o.attributes.state),
    ).toEqual(['passed', 'voided']);
  });
});

describe('outcome lists', () => {
  it("GET /participants/npq/outcomes: the provider's outcomes in created_at order, created_since and pagination", async () => {
    const lp = CHURCH.id;
    const made: string[] = [];
    for (const day of ['03', '01', '02']) {
      const { id } = await completed({ lp });
      const res = await submit(id, passed, { 'x-with-server-date': `2026-08-${day}T00:00:00Z` }, lp);
      made.push(res.body.data.id);
    }
    const listed = (await allOutcomes(lp, '?page[per_page]=3000')).body.data
      .map((o: any) => o.id)
      .filter((o: string) => made.includes(o));
    expect(listed).toEqual([made[1], made[2], made[0]]);
    const since = await allOutcomes(lp, '?filter[created_since]=2026-08-02T00:00:00Z&page[per_page]=3000');
    expect(since.body.data.map((o: any) => o.id).filter((o: string) => made.includes(o))).toEqual([
      made[2],
      made[0],
    ]);
    const page = await allOutcomes(lp, '?filter[created_since]=2026-08-02&page[per_page]=1&page[page]=2');
    expect(page.body.data.map((o: any) => o.id)).toEqual([made[0]]);
    const bad = await allOutcomes(lp, '?filter[created_since]=last-week');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      errors(['Bad request', "The filter '#/created_since' must be a valid ISO 8601 date"]),
    );
    expect((await allOutcomes(BPN.id)).body.data.map((o: any) => o.id)).not.toContain(made[0]);
  });

  it('GET /participants/npq/{id}/outcomes: 404 when not visible, 400 for a bad page', async () => {
    const { id } = await completed();
    expect((await outcomesOf(id, BPN.id)).status).toBe(404);
    expect((await outcomesOf('0b0b0b0b-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await outcomesOf(id, AMBITION.id, '?page[per_page]=0')).status).toBe(400);
    const pending = await createApplication(system.admin, {
      ...samePerson(id),
      lead_provider_id: BPN.id,
      course_identifier: 'npq-senco',
    });
    expect(pending.attributes.status).toBe('pending');
    expect((await outcomesOf(id, BPN.id)).status).toBe(404);
  });

  it('follows a merge: the outcome belongs to the kept participant', async () => {
    // Without an outcome yet (no endpoint makes that), so the kept participant shows exactly the one submitted.
    const { id: retired } = await completedWithoutOutcome();
    const outcome = await submit(retired, passed);
    const kept = await createApplication(system.admin, { lead_provider_id: BPN.id });
    const to = kept.attributes.participant_id as string;
    const merge = await system.admin.post(`/admin/v1/participants/${retired}/merge`, {
      data: { type: 'participant-merge', attributes: { into_participant_id: to } },
    });
    expect(merge.status).toBe(200);
    const listed = await outcomesOf(to);
    expect(listed.body.data.map((o: any) => [o.id, o.attributes.participant_id])).toEqual([
      [outcome.body.data.id, to],
    ]);
    expect((await outcomesOf(retired)).status).toBe(410);
    // Creating on the retired id: the participant no longer resolves.
    expect((await submit(retired, passed)).status).toBe(404);
  });
});

describe('GET /api/teacher-record-service/v1/qualifications/{trn}', () => {
  const trsClient = async () => {
    const res = await system.admin.post('/admin/v1/teacher-record-service/api-tokens');
    expect(res.status).toBe(201);
    return system.anonymous.withToken(res.body.data.attributes.token);
  };

  it('lists passed outcomes of the TRN (any provider), newest first, leaving out retracted passes', async () => {
    const trs = await trsClient();
    const trn = String(3000000 + Math.floor(Math.random() * 999999));
    const first = await createAcceptedApplication(
      system,
      { course_identifier: 'npq-senior-leadership', teacher_reference_number: trn },
      { at: '2025-09-01T00:00:00Z' },
    );
    const id = first.attributes.participant_id as string;
    const second = await createAcceptedApplication(
      system,
      { ...samePerson(id), course_identifier: 'npq-leading-teaching', lead_provider_id: BPN.id },
      { at: '2025-09-01T00:00:00Z' },
    );
    const third = await createAcceptedApplication(
      system,
      { ...samePerson(id), course_identifier: 'npq-headship', lead_provider_id: CHURCH.id },
      { at: '2025-09-01T00:00:00Z' },
    );
    await declareFor(system, first, AMBITION.id, {
      type: 'completed',
      date: '2026-03-01T00:00:00Z',
      hasPassed: true,
    });
    await declareFor(system, second, BPN.id, {
      type: 'completed',
      date: '2026-05-01T00:00:00Z',
      hasPassed: true,
    });
    const retracted = await declareFor(system, third, CHURCH.id, {
      type: 'completed',
      date: '2026-04-01T00:00:00Z',
      hasPassed: true,
    });
    await voidOk(system.provider(CHURCH.id), retracted.id);

    const res = await trs.get(`/api/teacher-record-service/v1/qualifications/${trn}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        trn,
        qualifications: [
          { award_date: '2026-05-01', npq_type: 'NPQLT' },
          { award_date: '2026-03-01', npq_type: 'NPQSL' },
        ],
      },
    });
    expect((await trs.get('/api/teacher-record-service/v1/qualifications/0000000')).body).toEqual({
      data: { trn: '0000000', qualifications: [] },
    });
    // DfE's alias path answers the same.
    expect((await trs.get(`/api/teaching-record-system/v1/qualifications/${trn}`)).body).toEqual(res.body);
  });

  it('needs a teacher_record_service token', async () => {
    const res = await system.provider().get('/api/teacher-record-service/v1/qualifications/1234567');
    expect(res.status).toBe(401);
    expect((await system.admin.get('/api/teacher-record-service/v1/qualifications/1234567')).status).toBe(
      401,
    );
    const trs = await trsClient();
    expect((await trs.get('/api/v3/participants/npq')).status).toBe(401);
  });
});
