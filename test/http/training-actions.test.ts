import { DEFERRAL_REASONS, WITHDRAWAL_REASONS } from '@npq/contracts';
import { startSystem, type System } from '../support/system';
import { AMBITION, BPN, createAcceptedApplication, createApplication, samePerson } from '../support/fixtures';
import { publishDeclaration } from '../support/events';
import { eventually } from '../support/eventually';
import { declareFor, payStatement, voidOk, type DeclareForOptions } from '../support/finance';

// The finance statement worker runs in-process: one test pays a declaration and claws it back.
let system: System;
beforeAll(async () => {
  system = await startSystem({ financeWorker: true });
});
afterAll(async () => {
  await system?.close();
});

type Attributes = Record<string, unknown>;
const put = (
  id: string,
  name: string,
  body: unknown,
  headers: Record<string, string> = {},
  lp: string = AMBITION.id,
) => system.provider(lp).put(`/api/v3/participants/npq/${id}/${name}`, body, { headers });
const act = (
  id: string,
  name: string,
  attributes: Attributes,
  headers: Record<string, string> = {},
  lp: string = AMBITION.id,
) => put(id, name, { data: { type: `participant-${name}`, attributes } }, headers, lp);
const errors = (...items: [string, string][]) => ({
  errors: items.map(([title, detail]) => ({ title, detail })),
});
const enrolmentOf = (res: any, applicationId: string) =>
  res.body.data.attributes.npq_enrolments.find((e: any) => e.npq_application_id === applicationId);
/** A declaration through finance's endpoint as Ambition (started on 2025-10-10 unless told otherwise). */
const declare = (app: { attributes: Attributes }, options: DeclareForOptions = {}) =>
  declareFor(system, app, AMBITION.id, options);

const MSG = {
  course:
    "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again.",
  noApplication:
    "Your update cannot be made as an accepted application cannot be found for the given '#/participant_id' and '#/course_identifier'.",
  reason: "The property '#/reason' must be a valid reason",
  alreadyActive: 'The participant is already active',
  alreadyDeferred: 'The participant is already deferred',
  alreadyWithdrawn: 'The participant is already withdrawn',
  noDeclarations: 'You cannot defer an NPQ participant that has no declarations',
  noStarted:
    'An NPQ participant who has not got a started declaration cannot be withdrawn. Please contact support for assistance',
  scheduleBlank: "The property '#/schedule_identifier' must be present",
  invalidates: 'Changing schedule would invalidate existing declarations. Please void them first.',
  sameSchedule: 'The participant already has the specified schedule',
  wrongCourse: 'The selected schedule is not valid for the course',
  contract:
    'You cannot change a participant to this cohort as you do not have a contract for the cohort and course. Contact the DfE for assistance.',
  cohortDeclarations:
    "You cannot change the '#/cohort' field when there are submitted, eligible, payable, or paid declarations in the new cohort",
  cappedToFull:
    "You cannot change the '#/cohort' field from one with a funding cap to one without a funding cap",
  zeroToFunded: "You cannot change the '#/cohort' field from one that is not funded to with that is funded",
};

/**
 * An accepted headship application in 2025a on npq-leadership-autumn (applies from 2025-10-01), accepted on
 * 2025-09-01 (so later sandbox dates drive the participant's updated_at).
 */
async function enrolled(overrides: Attributes = {}, lp: string = AMBITION.id) {
  const app = await createAcceptedApplication(
    system,
    { course_identifier: 'npq-headship', cohort: '2025', lead_provider_id: lp, ...overrides },
    { accept: { schedule_identifier: 'npq-leadership-autumn' }, at: '2025-09-01T00:00:00Z' },
  );
  return {
    app,
    id: app.attributes.participant_id as string,
    course: app.attributes.course_identifier as string,
  };
}

describe('participant actions: common checks', () => {
  it('answers a body without data or attributes with 400 before looking the participant up', async () => {
    for (const name of ['defer', 'resume', 'withdraw', 'change-schedule']) {
      for (const body of [undefined, {}, { data: {} }, { data: { attributes: {} } }]) {
        const res = await put('0b0b0b0b-0000-4000-8000-000000000000', name, body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(
          errors(['Bad request', 'correct json data structure required. See API docs for reference']),
        );
      }
    }
  });

  it("answers unknown ids, another provider's participants and pending-only participants with 404", async () => {
    const { id, course } = await enrolled();
    const pending = await createApplication(system.admin, {});
    for (const [participant, lp] of [
      ['0b0b0b0b-0000-4000-8000-000000000000', AMBITION.id],
      ['not-a-uuid', AMBITION.id],
      [id, BPN.id],
      [pending.attributes.participant_id, AMBITION.id],
    ] as const) {
      const res = await act(participant, 'resume', { course_identifier: course }, {}, lp);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Resource not found' });
    }
  });

  it('checks the course identifier, then (only if nothing failed) the accepted application for exactly that course', async () => {
    const { id } = await enrolled();
    const unknown = await act(id, 'defer', { course_identifier: 'npq-juggling', reason: 'nope' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toEqual(errors(['course_identifier', MSG.course], ['reason', MSG.reason]));
    const missing = await act(id, 'resume', { reason: 'other' });
    expect(missing.body).toEqual(errors(['course_identifier', MSG.course]));
    const otherCourse = await act(id, 'defer', { course_identifier: 'npq-senco', reason: 'nope' });
    expect(otherCourse.body).toEqual(errors(['participant_id', MSG.noApplication], ['reason', MSG.reason]));
    // The exact course: EHCO is not ASO here.
    const ehco = await createAcceptedApplication(system, {
      cohort: '2023',
      course_identifier: 'npq-early-headship-coaching-offer',
    });
    const aso = await act(ehco.attributes.participant_id, 'resume', {
      course_identifier: 'npq-additional-support-offer',
    });
    expect(aso.body).toEqual(errors(['participant_id', MSG.noApplication]));
  });

  it('ignores attributes the action does not read', async () => {
    const { app, id, course } = await enrolled();
    await declare(app);
    const res = await act(id, 'defer', {
      course_identifier: course,
      reason: 'other',
      schedule_identifier: 'npq-leadership-spring',
      cohort: 2030,
      colour: 'red',
    });
    expect(res.status).toBe(200);
    expect(enrolmentOf(res, app.id)).toMatchObject({
      training_status: 'deferred',
      schedule_identifier: 'npq-leadership-autumn',
      cohort: '2025',
    });
  });
});

describe('PUT .../defer', () => {
  it('needs a valid reason and at least one declaration (in any state, voided too)', async () => {
    const { app, id, course } = await enrolled();
    const blank = await act(id, 'defer', { course_identifier: course });
    expect(blank.body).toEqual(errors(['reason', MSG.reason], ['participant_id', MSG.noDeclarations]));
    const declaration = await declare(app, { type: 'retained-1' });
    await voidOk(system.provider(), declaration.id);
    const ok = await act(
      id,
      'defer',
      { course_identifier: course, reason: 'long-term-sickness' },
      { 'x-with-server-date': '2025-11-20T09:30:00Z' },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.data.id).toBe(id);
    expect(enrolmentOf(ok, app.id)).toMatchObject({
      training_status: 'deferred',
      deferral: { reason: 'long-term-sickness', date: '2025-11-20T09:30:00Z' },
      withdrawal: null,
    });
    expect(ok.body.data.attributes.updated_at).toBe('2025-11-20T09:30:00Z');
    const shown = await system.provider().get(`/api/v3/participants/npq/${id}`);
    expect(shown.body).toEqual(ok.body);
  });

  it('refuses when already deferred or withdrawn', async () => {
    const { app, id, course } = await enrolled();
    await declare(app);
    expect((await act(id, 'defer', { course_identifier: course, reason: 'other' })).status).toBe(200);
    const again = await act(id, 'defer', { course_identifier: course, reason: 'career-break' });
    expect(again.status).toBe(422);
    expect(again.body).toEqual(errors(['participant_id', MSG.alreadyDeferred]));
    expect((await act(id, 'withdraw', { course_identifier: course, reason: 'other' })).status).toBe(200);
    const withdrawn = await act(id, 'defer', { course_identifier: course, reason: 'bad' });
    expect(withdrawn.body).toEqual(errors(['reason', MSG.reason], ['participant_id', MSG.alreadyWithdrawn]));
  });

  it('accepts every deferral reason', async () => {
    for (const reason of DEFERRAL_REASONS) {
      const { app, id, course } = await enrolled();
      await declare(app);
      const res = await act(id, 'defer', { course_identifier: course, reason });
      expect(res.status).toBe(200);
      expect(enrolmentOf(res, app.id).deferral.reason).toBe(reason);
    }
  });
});

describe('PUT .../resume', () => {
  it('refuses an active participant; resumes from deferred and from withdrawn', async () => {
    const { app, id, course } = await enrolled();
    const active = await act(id, 'resume', { course_identifier: course });
    expect(active.status).toBe(422);
    expect(active.body).toEqual(errors(['participant_id', MSG.alreadyActive]));
    await declare(app);
    expect((await act(id, 'defer', { course_identifier: course, reason: 'other' })).status).toBe(200);
    const resumed = await act(
      id,
      'resume',
      { course_identifier: course },
      { 'x-with-server-date': '2025-12-01T00:00:00Z' },
    );
    expect(resumed.status).toBe(200);
    expect(enrolmentOf(resumed, app.id)).toMatchObject({
      training_status: 'active',
      deferral: null,
      withdrawal: null,
    });
    expect((await act(id, 'withdraw', { course_identifier: course, reason: 'other' })).status).toBe(200);
    const fromWithdrawn = await act(id, 'resume', { course_identifier: course });
    expect(fromWithdrawn.status).toBe(200);
    expect(enrolmentOf(fromWithdrawn, app.id)).toMatchObject({ training_status: 'active', withdrawal: null });
  });
});

describe('PUT .../withdraw', () => {
  it('needs a valid reason, and (only if nothing else failed) a started declaration in any state', async () => {
    const { app, id, course } = await enrolled();
    const bad = await act(id, 'withdraw', { course_identifier: course, reason: 'bored' });
    // The started-declaration check is skipped once another error exists.
    expect(bad.body).toEqual(errors(['reason', MSG.reason]));
    await declare(app, { type: 'retained-1' });
    const noStarted = await act(id, 'withdraw', { course_identifier: course, reason: 'other' });
    expect(noStarted.status).toBe(422);
    expect(noStarted.body).toEqual(errors(['participant_id', MSG.noStarted]));
    const started = await declare(app, { type: 'started' });
    await voidOk(system.provider(), started.id);
    const ok = await act(
      id,
      'withdraw',
      { course_identifier: course, reason: 'quality-of-programme-structure-not-suitable.' },
      { 'x-with-server-date': '2026-02-03T04:05:06Z' },
    );
    expect(ok.status).toBe(200);
    expect(enrolmentOf(ok, app.id)).toMatchObject({
      training_status: 'withdrawn',
      withdrawal: { reason: 'quality-of-programme-structure-not-suitable.', date: '2026-02-03T04:05:06Z' },
      deferral: null,
    });
    const again = await act(id, 'withdraw', { course_identifier: course, reason: 'other' });
    expect(again.body).toEqual(errors(['participant_id', MSG.alreadyWithdrawn]));
  });

  it('withdraws a deferred participant; the withdrawal shows the latest withdrawal, the deferral goes', async () => {
    const { app, id, course } = await enrolled();
    await declare(app);
    expect((await act(id, 'defer', { course_identifier: course, reason: 'other' })).status).toBe(200);
    expect(
      (
        await act(
          id,
          'withdraw',
          { course_identifier: course, reason: 'change-in-career' },
          { 'x-with-server-date': '2026-01-01T00:00:00Z' },
        )
      ).status,
    ).toBe(200);
    expect((await act(id, 'resume', { course_identifier: course })).status).toBe(200);
    const last = await act(
      id,
      'withdraw',
      { course_identifier: course, reason: 'started-in-error' },
      { 'x-with-server-date': '2026-03-01T00:00:00Z' },
    );
    expect(enrolmentOf(last, app.id)).toMatchObject({
      training_status: 'withdrawn',
      withdrawal: { reason: 'started-in-error', date: '2026-03-01T00:00:00Z' },
      deferral: null,
    });
  });

  it('accepts every withdrawal reason and nothing else', async () => {
    const { app, id, course } = await enrolled();
    await declare(app);
    for (const reason of ['quality-of-programme-structure-not-suitable', 'bereavement', 42, null]) {
      expect((await act(id, 'withdraw', { course_identifier: course, reason })).body).toEqual(
        errors(['reason', MSG.reason]),
      );
    }
    for (const reason of WITHDRAWAL_REASONS) {
      const res = await act(id, 'withdraw', { course_identifier: course, reason });
      expect(res.status).toBe(200);
      expect(enrolmentOf(res, app.id).withdrawal.reason).toBe(reason);
      expect((await act(id, 'resume', { course_identifier: course })).status).toBe(200);
    }
  });
});

describe('PUT .../change-schedule', () => {
  const change = (
    id: string,
    attributes: Attributes,
    headers: Record<string, string> = {},
    lp: string = AMBITION.id,
  ) => act(id, 'change-schedule', attributes, headers, lp);

  it('needs a schedule that exists in the target cohort (blank and unknown give one message)', async () => {
    const { id, course } = await enrolled();
    for (const attributes of [
      { course_identifier: course },
      { course_identifier: course, schedule_identifier: '' },
      { course_identifier: course, schedule_identifier: 'npq-leadership-summer' },
      { course_identifier: course, schedule_identifier: 'npq-leadership-spring', cohort: '2019' },
      { course_identifier: course, schedule_identifier: 'npq-leadership-spring', cohort: '' },
      // 2024 has no spring schedules.
      { course_identifier: course, schedule_identifier: 'npq-leadership-spring', cohort: 2024 },
    ]) {
      const res = await change(id, attributes);
      expect(res.status).toBe(422);
      expect(res.body).toEqual(errors(['schedule_identifier', MSG.scheduleBlank]));
    }
  });

  it('without a schedule, still checks the cohort move against the current cohort (DfE falls back to Cohort.current)', async () => {
    const zero = await createAcceptedApplication(system, {
      course_identifier: 'npq-headship',
      cohort: '2026',
      cohort_suffix: 'a',
    });
    // On 2026-11-01 the current cohort is 2026b (capped, so funded): zero → funded.
    const fromZero = await change(
      zero.attributes.participant_id,
      { course_identifier: 'npq-headship', schedule_identifier: 'npq-leadership-summer' },
      { 'x-with-server-date': '2026-11-01T00:00:00Z' },
    );
    expect(fromZero.status).toBe(422);
    expect(fromZero.body).toEqual(
      errors(['schedule_identifier', MSG.scheduleBlank], ['cohort', MSG.zeroToFunded]),
    );
    const capped = await createAcceptedApplication(system, {
      course_identifier: 'npq-headship',
      cohort: '2024',
    });
    // On 2023-06-01 the current cohort is 2023 (full funding): capped → full.
    const fromCapped = await change(
      capped.attributes.participant_id,
      { course_identifier: 'npq-headship', schedule_identifier: 'npq-leadership-summer' },
      { 'x-with-server-date': '2023-06-01T00:00:00Z' },
    );
    expect(fromCapped.status).toBe(422);
    expect(fromCapped.body).toEqual(
      errors(['schedule_identifier', MSG.scheduleBlank], ['cohort', MSG.cappedToFull]),
    );
  });

  it('reads a cohort of false, or a list or object (dropped by DfE strong parameters), as no cohort', async () => {
    for (const cohort of [false, [2030], { start_year: 2030 }]) {
      const { app, id, course } = await enrolled();
      const res = await change(
        id,
        { course_identifier: course, schedule_identifier: 'npq-leadership-spring', cohort },
        { 'x-with-server-date': '2026-01-05T00:00:00Z' },
      );
      expect(res.status).toBe(200);
      expect(enrolmentOf(res, app.id)).toMatchObject({
        schedule_identifier: 'npq-leadership-spring',
        cohort: '2025',
        cohort_suffix: 'b',
      });
    }
  });

  it('refuses the schedule it already has, and a schedule of another course group', async () => {
    // 2024 has one cohort (2024a), so its autumn schedule is the one the participant has.
    const app = await createAcceptedApplication(system, {
      course_identifier: 'npq-headship',
      cohort: '2024',
    });
    expect(app.attributes.schedule_identifier).toBe('npq-leadership-autumn');
    const id = app.attributes.participant_id as string;
    const course = 'npq-headship';
    const same = await change(id, {
      course_identifier: course,
      schedule_identifier: 'npq-leadership-autumn',
    });
    expect(same.body).toEqual(errors(['schedule_identifier', MSG.sameSchedule]));
    const sameWithCohort = await change(id, {
      course_identifier: course,
      schedule_identifier: 'npq-leadership-autumn',
      cohort: 2024,
    });
    expect(sameWithCohort.body).toEqual(errors(['schedule_identifier', MSG.sameSchedule]));
    const wrong = await change(id, {
      course_identifier: course,
      schedule_identifier: 'npq-specialist-autumn',
    });
    expect(wrong.body).toEqual(errors(['schedule_identifier', MSG.wrongCourse]));
  });

  it('moves to the latest-suffix cohort of the start year when no cohort is given (2025a → 2025b)', async () => {
    const { app, id, course } = await enrolled();
    const res = await change(
      id,
      { course_identifier: course, schedule_identifier: 'npq-leadership-spring' },
      { 'x-with-server-date': '2026-01-05T00:00:00Z' },
    );
    expect(res.status).toBe(200);
    expect(enrolmentOf(res, app.id)).toMatchObject({
      schedule_identifier: 'npq-leadership-spring',
      cohort: '2025',
      cohort_suffix: 'b',
      funded_place: true,
      training_status: 'active',
    });
    expect(res.body.data.attributes.updated_at).toBe('2026-01-05T00:00:00Z');
    // Applications already shows the move (read-your-writes).
    const application = await system.provider().get(`/api/v3/npq-applications/${app.id}`);
    expect(application.body.data.attributes).toMatchObject({
      schedule_identifier: 'npq-leadership-spring',
      cohort: '2025',
      cohort_suffix: 'b',
    });
  });

  it('checks the contract for the target cohort and course (the checks that skip after an error are skipped)', async () => {
    // No NPQSENCO contracts before 2024.
    const app = await createAcceptedApplication(system, { course_identifier: 'npq-senco', cohort: '2024' });
    const id = app.attributes.participant_id as string;
    const res = await change(id, {
      course_identifier: 'npq-senco',
      schedule_identifier: 'npq-leadership-autumn',
      cohort: '2023',
    });
    expect(res.status).toBe(422);
    // capped (2024) → full (2023) is checked regardless; the course-group check is skipped.
    expect(res.body).toEqual(errors(['cohort', MSG.contract], ['cohort', MSG.cappedToFull]));
    const wrongGroup = await change(id, {
      course_identifier: 'npq-senco',
      schedule_identifier: 'npq-specialist-autumn',
      cohort: '2023',
    });
    expect(wrongGroup.body).toEqual(errors(['cohort', MSG.contract], ['cohort', MSG.cappedToFull]));
  });

  it('refuses a withdrawn participant', async () => {
    const { app, id, course } = await enrolled();
    await declare(app, { date: '2026-02-01T00:00:00Z' });
    expect((await act(id, 'withdraw', { course_identifier: course, reason: 'other' })).status).toBe(200);
    const res = await change(id, { course_identifier: course, schedule_identifier: 'npq-leadership-spring' });
    expect(res.body).toEqual(errors(['participant_id', MSG.alreadyWithdrawn]));
  });

  it('lets a deferred participant change schedule', async () => {
    const { app, id, course } = await enrolled();
    await declare(app, { date: '2026-02-01T00:00:00Z' });
    expect((await act(id, 'defer', { course_identifier: course, reason: 'other' })).status).toBe(200);
    const res = await change(id, {
      course_identifier: course,
      schedule_identifier: 'npq-leadership-spring',
      cohort: '2025',
    });
    expect(res.status).toBe(422);
    // Live declarations forbid the move to 2025b, but not for being deferred.
    expect(res.body).toEqual(errors(['cohort', MSG.cohortDeclarations]));
  });

  it('refuses to invalidate live declarations: dated on or before the new start (00:00), or of a type it does not allow', async () => {
    const { app, id, course } = await enrolled();
    // npq-leadership-spring (2025b) applies from 2026-01-01.
    const onStart = await declare(app, { date: '2026-01-01T00:00:00Z' });
    const before = await declare(app, { type: 'retained-1', date: '2025-12-31T23:59:59Z' });
    const res = await change(id, { course_identifier: course, schedule_identifier: 'npq-leadership-spring' });
    // The message once, however many declarations; the cohort check is skipped (not the only error).
    expect(res.body).toEqual(errors(['schedule_identifier', MSG.invalidates]));
    // Voided (and ineligible, clawed-back...) declarations do not count.
    await voidOk(system.provider(), onStart.id);
    // `before` is paid on its statement, voided (awaiting clawback on the next one), then clawed back when
    // that one is paid. The payment run's events reach training without a read-your-writes wait.
    const paidOn = await payStatement(system, before.attributes.statement_id);
    const clawback = await voidOk(system.provider(), before.id, `${paidOn}T10:00:00Z`);
    expect(clawback.attributes.state).toBe('awaiting-clawback');
    await payStatement(system, clawback.attributes.clawback_statement_id);
    await eventually(
      () =>
        system.services.training.runtime.orm.em
          .fork()
          .execute<{ state: string }[]>(`select state from training.declarations where id = ?`, [before.id]),
      (rows) => rows[0]?.state === 'clawed_back',
    );
    const ok = await change(id, { course_identifier: course, schedule_identifier: 'npq-leadership-spring' });
    expect(ok.status).toBe(200);

    const specialist = await createAcceptedApplication(
      system,
      { course_identifier: 'npq-leading-teaching', cohort: '2025' },
      { accept: { schedule_identifier: 'npq-specialist-autumn' } },
    );
    // A retained-2 (which specialist schedules do not allow) on a specialist course. Finance refuses to make
    // one (the type is not in the schedule), so no endpoint can: this publishes the event finance would send.
    await publishDeclaration(system, specialist, AMBITION.id, {
      type: 'retained-2',
      date: '2026-06-01T00:00:00Z',
    });
    const typed = await change(specialist.attributes.participant_id, {
      course_identifier: 'npq-leading-teaching',
      schedule_identifier: 'npq-specialist-spring',
      cohort: '2025',
    });
    expect(typed.body).toEqual(errors(['schedule_identifier', MSG.invalidates]));
  });

  it('refuses a cohort change while live declarations exist', async () => {
    const { app, id, course } = await enrolled();
    await declare(app, { date: '2026-11-01T00:00:00Z' });
    const res = await change(id, {
      course_identifier: course,
      schedule_identifier: 'npq-leadership-autumn',
      cohort: 2026,
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(errors(['cohort', MSG.cohortDeclarations]));
  });

  it('refuses capped → full and zero → funded cohort moves', async () => {
    const capped = await createAcceptedApplication(system, {
      course_identifier: 'npq-headship',
      cohort: '2024',
    });
    const toFull = await change(capped.attributes.participant_id, {
      course_identifier: 'npq-headship',
      schedule_identifier: 'npq-leadership-autumn',
      cohort: '2023',
    });
    expect(toFull.body).toEqual(errors(['cohort', MSG.cappedToFull]));

    const zero = await createAcceptedApplication(system, {
      course_identifier: 'npq-headship',
      cohort: '2026',
      cohort_suffix: 'a',
    });
    expect(zero.attributes).toMatchObject({
      cohort: '2026',
      cohort_suffix: 'a',
      schedule_identifier: 'npq-leadership-spring',
      funded_place: false,
    });
    const toFunded = await change(zero.attributes.participant_id, {
      course_identifier: 'npq-headship',
      schedule_identifier: 'npq-leadership-autumn',
      cohort: '2025',
    });
    expect(toFunded.body).toEqual(errors(['cohort', MSG.zeroToFunded]));
    // Staying in 2026 still finds 2026b (capped) first: a move to a funded cohort too.
    const within = await change(zero.attributes.participant_id, {
      course_identifier: 'npq-headship',
      schedule_identifier: 'npq-leadership-autumn',
    });
    expect(within.body).toEqual(errors(['cohort', MSG.zeroToFunded]));
  });

  it('full → capped sets the funded place from the raw eligibility; capped → capped keeps it', async () => {
    for (const eligible of [true, false]) {
      const full = await createAcceptedApplication(system, {
        course_identifier: 'npq-headship',
        cohort: '2023',
        eligible_for_funding: eligible,
      });
      expect(full.attributes.funded_place).toBeNull();
      const res = await change(full.attributes.participant_id, {
        course_identifier: 'npq-headship',
        schedule_identifier: 'npq-leadership-autumn',
        cohort: '2024',
      });
      expect(res.status).toBe(200);
      expect(enrolmentOf(res, full.id)).toMatchObject({
        cohort: '2024',
        cohort_suffix: 'a',
        schedule_identifier: 'npq-leadership-autumn',
        funded_place: eligible,
      });
      const application = await system.provider().get(`/api/v3/npq-applications/${full.id}`);
      expect(application.body.data.attributes).toMatchObject({ cohort: '2024', funded_place: eligible });
    }
    const { app, id, course } = await enrolled({}, AMBITION.id);
    const unfunded = await createAcceptedApplication(
      system,
      { ...samePerson(id), course_identifier: 'npq-senco', cohort: '2025' },
      { accept: { funded_place: false } },
    );
    const keep = await change(id, {
      course_identifier: 'npq-senco',
      schedule_identifier: 'npq-leadership-spring',
      cohort: '2025',
    });
    expect(enrolmentOf(keep, unfunded.id)).toMatchObject({ cohort_suffix: 'b', funded_place: false });
    expect(enrolmentOf(keep, app.id)).toMatchObject({
      cohort_suffix: 'a',
      funded_place: true,
      course_identifier: course,
    });
  });
});

describe('concurrency', () => {
  const stateRows = (applicationId: string) =>
    system.services.training.runtime.orm.em
      .fork()
      .execute<{ state: string }[]>(
        `select state from training.application_states where application_id = ? order by seq`,
        [applicationId],
      );

  it('ten concurrent defers: exactly one succeeds and one deferred state row is written', async () => {
    const { app, id, course } = await enrolled();
    await declare(app);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => act(id, 'defer', { course_identifier: course, reason: 'other' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200))
      expect(r.body).toEqual(errors(['participant_id', MSG.alreadyDeferred]));
    expect((await stateRows(app.id)).map((r) => r.state)).toEqual(['active', 'deferred']);
  });

  it('a defer racing a withdraw leaves a state consistent with the history', async () => {
    for (let round = 0; round < 5; round++) {
      const { app, id, course } = await enrolled();
      await declare(app);
      const [deferred, withdrawn] = await Promise.all([
        act(id, 'defer', { course_identifier: course, reason: 'other' }),
        act(id, 'withdraw', { course_identifier: course, reason: 'other' }),
      ]);
      // Withdraw always succeeds (from active or deferred); defer only if it went first.
      expect(withdrawn.status).toBe(200);
      const rows = (await stateRows(app.id)).map((r) => r.state);
      if (deferred.status === 200) expect(rows).toEqual(['active', 'deferred', 'withdrawn']);
      else {
        expect(deferred.body).toEqual(errors(['participant_id', MSG.alreadyWithdrawn]));
        expect(rows).toEqual(['active', 'withdrawn']);
      }
      const shown = await system.provider().get(`/api/v3/participants/npq/${id}`);
      expect(enrolmentOf(shown, app.id)).toMatchObject({
        training_status: 'withdrawn',
        deferral: null,
        withdrawal: { reason: 'other' },
      });
    }
  });
});
