import { LEAD_PROVIDERS, seedStatementPeriods } from '@npq/contracts';
import { runPaymentRun } from '@npq/finance';
import { startSystem, type System } from '../support/system';
import { AMBITION, CHURCH } from '../support/fixtures';
import {
  acceptedParticipant,
  adminStatements,
  at,
  authoriseAndPay,
  declareOk,
  errors,
  runCutoff,
  startedAttributes,
  statementFor,
  seedWorkedExample,
} from '../support/finance';
import { eventually } from '../support/eventually';

// One platform for the whole file, with the finance statement worker running in-process. Cut-offs move
// every provider's statements whose cut-off is before `as_of`, so the scenarios below follow one timeline:
// the worked example in early 2025, then cohort 2025 declarations from October 2025 onwards.
let system: System;
beforeAll(async () => {
  system = await startSystem({ financeWorker: true });
});
afterAll(async () => {
  await system?.close();
});

const ambition = () => system.provider(AMBITION.id);
const church = () => system.provider(CHURCH.id);
const get = async (client: ReturnType<typeof ambition>, id: string) =>
  (await client.get(`/api/v3/participant-declarations/${id}`)).body.data.attributes as Record<string, any>;
const voidIt = (client: ReturnType<typeof ambition>, id: string, date: string) =>
  client.put(`/api/v3/participant-declarations/${id}/void`, undefined, at(date));
const authorise = (id: string, date: string) =>
  system.admin.post(`/admin/v1/statements/${id}/authorise-payment`, undefined, at(date));

async function sql<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
  return system.services.finance.runtime.orm.em.fork().execute(query, params);
}

describe('the worked example of docs/domain.md, "Money" (June 2025 statement, cohort 2024, specialist course)', () => {
  let june: { id: string };
  const starters: { id: string; tdf: boolean }[] = [];
  const clawedBack: string[] = [];

  beforeAll(async () => {
    const example = await seedWorkedExample(system);
    const march = example.march;
    june = example.june;
    // The two retained-1 declarations were paid on the March statement; voided later, clawed back on June's.
    for (const d of example.clawed) {
      expect(d.attributes.statement_id).toBe(march.id);
      clawedBack.push(d.id);
    }
    // The ten started declarations (three with targeted delivery funding) are all on June's statement.
    for (const s of example.starters) {
      expect(s.started.attributes.statement_id).toBe(june.id);
      starters.push({ id: s.started.id, tdf: s.tdf });
    }
    for (const res of example.voids) {
      expect(res.body.data.attributes).toMatchObject({
        state: 'awaiting-clawback',
        statement_id: march.id,
        clawback_statement_id: june.id,
      });
    }

    // The example's contract computes its service fee (monthly_service_fee NULL; the seeds say 0.00) and the
    // statement carries two adjustments. Neither has an admin endpoint, so they are set up in the database.
    const [template] = await sql<{ id: string }>(
      `insert into finance.contract_templates (id, recruitment_target, per_participant, output_payment_percentage,
         service_fee_percentage, number_of_payment_periods, service_fee_installments, monthly_service_fee,
         targeted_delivery_funding_per_participant, special_course, created_at)
       values (gen_random_uuid(), 72, 800.00, 60, 40, 3, 19, null, 100.00, false, now()) returning id`,
    );
    await sql(
      `update finance.contracts set contract_template_id = ? where statement_id = ? and course_identifier = 'npq-leading-teaching'`,
      [template!.id, june.id],
    );
    await sql(
      `insert into finance.adjustments (statement_id, description, amount, created_at) values (?, 'Late starts', 250.00, now()), (?, 'Correction', -100.00, now())`,
      [june.id, june.id],
    );
  });

  it('computes £3,582.63 exactly as DfE does', async () => {
    const res = await system.admin.get(`/admin/v1/statements/${june.id}`);
    expect(res.status).toBe(200);
    const s = res.body.data.attributes;
    expect(s).toMatchObject({
      month: 'June',
      year: '2025',
      cohort: '2024',
      cohort_suffix: 'a',
      lead_provider_id: CHURCH.id,
      output_fee: true,
      state: 'open',
      reconcile_amount: '0.00',
      total_output_payment: '2240.00',
      total_service_fees: '1212.63',
      total_targeted_delivery_funding: '300.00',
      total_clawbacks: '-320.00',
      total_adjustments: '150.00',
      total_payment: '3582.63',
      total_starts: 10,
      total_retained: 4,
      total_completed: 0,
      total_voided: 0,
    });
    const course = s.courses.find(
      (c: { course_identifier: string }) => c.course_identifier === 'npq-leading-teaching',
    );
    expect(course).toEqual({
      course_identifier: 'npq-leading-teaching',
      special_course: false,
      started: 10,
      retained_1: 4,
      retained_2: 0,
      completed: 0,
      refundable: 2,
      output_per_participant: '160.00',
      output_payment_subtotal: '2240.00',
      clawback_payment: '-320.00',
      service_fees: '1212.63',
      targeted_delivery_funding: '300.00',
      targeted_delivery_funding_clawback: '0.00',
      course_total: '3432.63',
    });
    // Every other course has a contract on the statement and nothing to pay.
    const others = s.courses.filter(
      (c: { course_identifier: string }) => c.course_identifier !== 'npq-leading-teaching',
    );
    expect(others.length).toBeGreaterThan(0);
    for (const c of others) expect(c.course_total).toBe('0.00');
    const ordered = s.courses.map((c: { course_identifier: string }) => c.course_identifier);
    expect(ordered).toEqual([...ordered].sort());
  });

  it('refuses to authorise an open statement, or before its cut-off has passed', async () => {
    const open = await authorise(june.id, '2025-05-20T09:00:00Z');
    expect(open.status).toBe(422);
    expect(open.body).toEqual(
      errors(
        ['statement', 'The statement must be payable before it can be authorised for payment'],
        ['statement', 'The statement cannot be authorised for payment before its cut-off date has passed'],
      ),
    );
    const moved = await runCutoff(system, '2025-05-27');
    expect(moved.declarations_marked_payable).toBeGreaterThanOrEqual(14);
    // Payable now, but "today" (the request clock) is the cut-off day itself.
    const early = await authorise(june.id, '2025-05-26T23:00:00Z');
    expect(early.body).toEqual(
      errors([
        'statement',
        'The statement cannot be authorised for payment before its cut-off date has passed',
      ]),
    );
  });

  it('pays it: payable → paid, awaiting-clawback → clawed-back, uplift paid for started TDF participants', async () => {
    const res = await authorise(june.id, '2025-05-27T09:00:00Z');
    expect(res.status).toBe(202);
    expect(res.body.data.attributes).toMatchObject({
      state: 'payable',
      marked_as_paid_at: '2025-05-27T09:00:00Z',
      total_payment: '3582.63',
    });
    const again = await authorise(june.id, '2025-05-27T09:00:00Z');
    expect(again.status).toBe(422);
    const paid = await eventually(
      () => system.admin.get(`/admin/v1/statements/${june.id}`),
      (r) => r.body.data.attributes.state === 'paid',
      10_000,
    );
    expect(paid.body.data.attributes).toMatchObject({ paid: true, total_payment: '3582.63' });
    for (const s of starters) {
      expect(await get(church(), s.id)).toMatchObject({
        state: 'paid',
        statement_id: june.id,
        uplift_paid: s.tdf,
      });
    }
    for (const id of clawedBack)
      expect(await get(church(), id)).toMatchObject({ state: 'clawed-back', clawback_statement_id: june.id });
    const v3 = await church().get(`/api/v3/statements/${june.id}`);
    expect(v3.body.data.attributes.paid).toBe(true);
    const paidAgain = await authorise(june.id, '2025-06-01T09:00:00Z');
    expect(paidAgain.body).toEqual(errors(['statement', 'The statement has already been paid']));
  });
});

describe('authorise-payment: other refusals', () => {
  it('404 for an unknown statement; 422 for a non-output-fee statement', async () => {
    expect((await authorise('5f0c1b2a-1111-4222-8333-444455556666', '2025-06-01T09:00:00Z')).status).toBe(
      404,
    );
    const april = await statementFor(system, AMBITION.id, '2025a', 2025, 'April');
    expect(april.attributes).toMatchObject({ output_fee: false, state: 'payable' });
    const res = await authorise(april.id, '2025-06-01T09:00:00Z');
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors(['statement', 'Only output fee statements can be authorised for payment']),
    );
  });
});

describe('the full money path of a declaration', () => {
  let participant: { participantId: string };
  let declaration: { id: string; attributes: Record<string, any> };
  let december: { id: string };
  let march: { id: string };

  beforeAll(async () => {
    participant = await acceptedParticipant(system);
    december = await statementFor(system, AMBITION.id, '2025a', 2025, 'December');
    march = await statementFor(system, AMBITION.id, '2025a', 2026, 'March');
  });

  it('declare: eligible on the December 2025 statement', async () => {
    declaration = await declareOk(ambition(), startedAttributes(participant.participantId));
    expect(declaration.attributes).toMatchObject({
      state: 'eligible',
      statement_id: december.id,
      clawback_statement_id: null,
    });
  });

  it('cut-off: nothing moves on the cut-off day; the day after, the statement and its declarations become payable', async () => {
    await runCutoff(system, '2025-11-25');
    expect((await get(ambition(), declaration.id)).state).toBe('eligible');
    const moved = await runCutoff(system, '2025-11-26');
    expect(moved.statements_marked_payable).toBeGreaterThan(0);
    expect(moved.declarations_marked_payable).toBeGreaterThanOrEqual(1);
    expect(await get(ambition(), declaration.id)).toMatchObject({
      state: 'payable',
      statement_id: december.id,
      clawback_statement_id: null,
    });
    // Running it again changes nothing.
    expect(await runCutoff(system, '2025-11-26')).toMatchObject({
      statements_marked_payable: 0,
      declarations_marked_payable: 0,
    });
    const payable = await system.admin.get(
      `/admin/v1/statements?filter[lead_provider_id]=${AMBITION.id}&filter[cohort]=2025&filter[state]=payable&page[per_page]=100`,
    );
    expect(payable.body.data.map((s: { id: string }) => s.id)).toContain(december.id);
    expect((await system.admin.get('/admin/v1/statements?filter[state]=bogus')).status).toBe(400);
  });

  it('authorise and pay: paid, on the same statement', async () => {
    await authoriseAndPay(system, december.id, '2025-11-27T09:00:00Z');
    expect(await get(ambition(), declaration.id)).toMatchObject({
      state: 'paid',
      statement_id: december.id,
      clawback_statement_id: null,
    });
    expect((await ambition().get(`/api/v3/statements/${december.id}`)).body.data.attributes.paid).toBe(true);
  });

  it('void: awaiting-clawback on the next output-fee statement, keeping the paid statement', async () => {
    const res = await voidIt(ambition(), declaration.id, '2026-01-10T09:00:00Z');
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({
      state: 'awaiting-clawback',
      statement_id: december.id,
      clawback_statement_id: march.id,
    });
    const again = await voidIt(ambition(), declaration.id, '2026-01-11T09:00:00Z');
    expect(again.status).toBe(422);
    expect(again.body).toEqual(errors(['declaration', 'The declaration will or has been be refunded.']));
    const statement = await system.admin.get(`/admin/v1/statements/${march.id}`);
    const course = statement.body.data.attributes.courses.find(
      (c: { course_identifier: string }) => c.course_identifier === 'npq-headship',
    );
    expect(course).toMatchObject({
      refundable: 1,
      output_per_participant: '120.00',
      clawback_payment: '-120.00',
    });
    expect(statement.body.data.attributes.total_clawbacks).toBe('-120.00');
  });

  it('the next cut-off and payment run claw it back', async () => {
    await runCutoff(system, '2026-02-24');
    expect((await get(ambition(), declaration.id)).state).toBe('awaiting-clawback');
    await authoriseAndPay(system, march.id, '2026-02-25T09:00:00Z');
    expect(await get(ambition(), declaration.id)).toMatchObject({
      state: 'clawed-back',
      statement_id: december.id,
      clawback_statement_id: march.id,
    });
    const again = await voidIt(ambition(), declaration.id, '2026-03-01T09:00:00Z');
    expect(again.body).toEqual(errors(['declaration', 'The declaration will or has been be refunded.']));
    // A new declaration of the type can be made once the old one no longer holds the slot.
    const fresh = await declareOk(
      ambition(),
      startedAttributes(participant.participantId),
      '2026-03-01T09:00:00Z',
    );
    expect(fresh.id).not.toBe(declaration.id);
  });
});

describe('cut-off catch-up, voids around payment, and the payment run', () => {
  let june: { id: string };
  let september: { id: string };
  let inJune: { id: string; attributes: Record<string, any> };
  let inSeptember: { id: string; attributes: Record<string, any> };

  it('catches up every missed cut-off in one run', async () => {
    june = await statementFor(system, AMBITION.id, '2025a', 2026, 'June');
    september = await statementFor(system, AMBITION.id, '2025a', 2026, 'September');
    const a = await acceptedParticipant(system);
    inJune = await declareOk(ambition(), startedAttributes(a.participantId), '2026-03-02T09:00:00Z');
    expect(inJune.attributes.statement_id).toBe(june.id);
    const b = await acceptedParticipant(system);
    inSeptember = await declareOk(ambition(), startedAttributes(b.participantId), '2026-06-01T09:00:00Z');
    expect(inSeptember.attributes.statement_id).toBe(september.id);
    const res = await runCutoff(system, '2026-09-01');
    expect(res.declarations_marked_payable).toBeGreaterThanOrEqual(2);
    expect((await get(ambition(), inJune.id)).state).toBe('payable');
    expect((await get(ambition(), inSeptember.id)).state).toBe('payable');
    for (const id of [june.id, september.id]) {
      expect((await system.admin.get(`/admin/v1/statements/${id}`)).body.data.attributes.state).toBe(
        'payable',
      );
    }
  });

  it('voids a payable declaration before payment (its item is voided too)', async () => {
    const res = await voidIt(ambition(), inSeptember.id, '2026-09-02T09:00:00Z');
    expect(res.body.data.attributes).toMatchObject({
      state: 'voided',
      statement_id: null,
      clawback_statement_id: null,
    });
    const statement = await system.admin.get(`/admin/v1/statements/${september.id}`);
    expect(statement.body.data.attributes.total_voided).toBeGreaterThanOrEqual(1);
  });

  it('the payment run is idempotent: a second run changes nothing', async () => {
    await authoriseAndPay(system, june.id, '2026-09-02T09:00:00Z');
    const before = await get(ambition(), inJune.id);
    expect(before.state).toBe('paid');
    const { orm, naming } = system.services.finance.runtime;
    const second = await runPaymentRun(orm, naming, june.id);
    expect(second).toMatchObject({ paid: false, declarationsPaid: 0, declarationsClawedBack: 0 });
    expect(await get(ambition(), inJune.id)).toEqual(before);
  });

  it('refuses to claw back once the cohort has no open output-fee statement left', async () => {
    const res = await voidIt(ambition(), inJune.id, '2027-04-01T09:00:00Z');
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors([
        'declaration',
        'You cannot submit or void declarations for the 2025 cohort. The funding contract for this cohort has ended. Get in touch if you need to discuss this with us.',
      ]),
    );
    expect((await get(ambition(), inJune.id)).state).toBe('paid');
  });

  it('concurrent voids and a payment run leave every declaration consistent with its statement items', async () => {
    const december = await statementFor(system, AMBITION.id, '2025a', 2026, 'December');
    const next = await statementFor(system, AMBITION.id, '2025a', 2027, 'March');
    const declarations: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = await acceptedParticipant(system);
      const d = await declareOk(ambition(), startedAttributes(p.participantId), '2026-09-15T09:00:00Z');
      expect(d.attributes.statement_id).toBe(december.id);
      declarations.push(d.id);
    }
    await runCutoff(system, '2026-11-26');
    const [authorised, ...voids] = await Promise.all([
      authorise(december.id, '2026-11-27T09:00:00Z'),
      ...declarations.map((id) => voidIt(ambition(), id, '2026-11-27T09:00:00Z')),
    ]);
    expect(authorised.status).toBe(202);
    for (const v of voids) expect(v.status).toBe(200);
    await eventually(
      () => system.admin.get(`/admin/v1/statements/${december.id}`),
      (r) => r.body.data.attributes.state === 'paid',
      10_000,
    );
    let clawedBack = 0;
    for (const id of declarations) {
      const d = await get(ambition(), id);
      // Voided before the run (never paid), or paid by the run and then clawed back on the next statement.
      if (d.state === 'voided') expect(d).toMatchObject({ statement_id: null, clawback_statement_id: null });
      else {
        expect(d).toMatchObject({
          state: 'awaiting-clawback',
          statement_id: december.id,
          clawback_statement_id: next.id,
        });
        clawedBack++;
      }
    }
    const items = await sql<{ state: string; n: string }>(
      `select si.state, count(*)::text as n from finance.statement_items si where si.declaration_id = any(?::uuid[]) group by si.state`,
      [`{${declarations.join(',')}}`],
    );
    const count = (state: string) => Number(items.find((i) => i.state === state)?.n ?? 0);
    expect(count('paid')).toBe(clawedBack);
    expect(count('awaiting_clawback')).toBe(clawedBack);
    expect(count('voided')).toBe(declarations.length - clawedBack);
    expect(count('payable') + count('eligible')).toBe(0);
    const statement = await system.admin.get(`/admin/v1/statements/${december.id}`);
    const course = statement.body.data.attributes.courses.find(
      (c: { course_identifier: string }) => c.course_identifier === 'npq-headship',
    );
    expect(course.started).toBe(clawedBack);
  });
});

describe('a payment run that used up its attempts', () => {
  it('is queued again by the next cut-off run, so an authorised statement is always paid', async () => {
    const lp = LEAD_PROVIDERS[4].id;
    const statement = await statementFor(system, lp, '2025a', 2025, 'December');
    await runCutoff(system, '2025-11-26');
    const [cutoffQueue, paymentQueue] = system.financeWorkers!.queues;
    // A run of this statement's job that failed for good (kept in the failed set under the job id).
    const jobId = `pay-${statement.id}`;
    await paymentQueue!.add('payment-run', { statementId: 'not-a-statement' }, { jobId, attempts: 1 });
    await eventually(
      async () => (await paymentQueue!.getJob(jobId))?.isFailed(),
      (failed) => failed === true,
      10_000,
    );
    const authorised = await authorise(statement.id, '2025-11-27T09:00:00Z');
    expect(authorised.status).toBe(202);
    // The worker's cut-off (daily, and on start) re-queues every authorised statement still unpaid.
    await cutoffQueue!.add('statement-cutoff', { asOf: '2025-11-27' });
    const paid = await eventually(
      () => system.admin.get(`/admin/v1/statements/${statement.id}`),
      (r) => r.body.data.attributes.state === 'paid',
      10_000,
    );
    expect(paid.body.data.attributes).toMatchObject({
      paid: true,
      marked_as_paid_at: '2025-11-27T09:00:00Z',
    });
  });
});

describe('admin statements', () => {
  it('lists every statement (output fee or not) with state, dates and totals; filters by provider, cohort and state', async () => {
    const rows = await adminStatements(system, AMBITION.id, '2023');
    const periods = seedStatementPeriods('2023a');
    expect(rows).toHaveLength(periods.length);
    expect(rows.filter((s) => s.attributes.output_fee)).toHaveLength(
      periods.filter((p) => p.outputFee).length,
    );
    const keys = rows.map((s) => `${s.attributes.payment_date}|${s.id}`);
    expect(keys).toEqual([...keys].sort());
    expect(rows[0]!.attributes).toMatchObject({
      lead_provider_id: AMBITION.id,
      cohort: '2023',
      total_payment: '0.00',
      marked_as_paid_at: null,
    });
    expect((await system.admin.get('/admin/v1/statements?filter[lead_provider_id]=nope')).body).toEqual({
      data: [],
    });
    const unknown = await system.admin.get('/admin/v1/statements/5f0c1b2a-1111-4222-8333-444455556666');
    expect(unknown.status).toBe(404);
    expect((await ambition().get('/admin/v1/statements')).status).toBe(401);
  });

  it('validates the cut-off date', async () => {
    const bad = await system.admin.post('/admin/v1/finance/statement-cutoffs', {
      data: { type: 'statement-cutoff', attributes: { as_of: '2025-13-01' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual(errors(['as_of', "The '#/as_of' must be a date in the format YYYY-MM-DD"]));
    expect((await system.admin.post('/admin/v1/finance/statement-cutoffs', {})).status).toBe(400);
  });
});
