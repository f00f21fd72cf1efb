import {
  breakdownStatement,
  calculateCourse,
  formatMoney,
  money,
  calculateStatement,
  NO_COUNTS,
  usesTargetedDeliveryFunding,
  type ContractTerms,
} from '../src/payments/rules';

/** The factory contract template (monthly_service_fee NULL: the fee is calculated; docs/domain.md#money). */
const FACTORY: ContractTerms = {
  courseIdentifier: 'npq-leading-teaching',
  recruitmentTarget: 72,
  perParticipant: '800.00',
  outputPaymentPercentage: 60,
  serviceFeePercentage: 40,
  numberOfPaymentPeriods: 3,
  serviceFeeInstallments: 19,
  monthlyServiceFee: null,
  targetedDeliveryFundingPerParticipant: '100.00',
  specialCourse: false,
};

const EXAMPLE_COUNTS = { ...NO_COUNTS, started: 10, retained1: 4, refundable: 2, tdf: 3 };

describe('payment calculation (docs/domain.md#money)', () => {
  it('computes the per-participant figures without rounding', () => {
    const c = calculateCourse(FACTORY, NO_COUNTS, { year: 2025, month: 6, cohortStartYear: 2024 });
    expect(c.outputPerParticipant.toString()).toBe('160');
    // 72 × 800 × 40 / (100 × 19) = 1212.631578947368421052631578947368421052631578947…
    expect(c.serviceFees.toFixed(30)).toBe('1212.631578947368421052631578947368');
    expect(formatMoney(c.serviceFees)).toBe('1212.63');
  });

  it('reproduces the worked example: June 2025, cohort 2024, specialist course → £3,582.63', () => {
    const s = calculateStatement({
      period: { year: 2025, month: 6, cohortStartYear: 2024 },
      contracts: [{ terms: FACTORY, counts: EXAMPLE_COUNTS }],
      adjustments: ['250.00', '-100.00'],
      reconcileAmount: '0.00',
      voidedDeclarations: 0,
    });
    expect(formatMoney(s.totalOutputPayment)).toBe('2240.00');
    expect(formatMoney(s.totalClawbacks)).toBe('320.00');
    expect(formatMoney(s.totalTargetedDeliveryFunding)).toBe('300.00');
    expect(formatMoney(s.totalServiceFees)).toBe('1212.63');
    expect(formatMoney(s.totalAdjustments)).toBe('150.00');
    expect(formatMoney(s.totalPayment)).toBe('3582.63');
    // Exact, then rounded only for display.
    expect(
      s.totalPayment.minus('3582.631578947368421052631578947368421052631578947').abs().lessThan('1e-40'),
    ).toBe(true);
    expect(s).toMatchObject({ totalStarts: 10, totalRetained: 4, totalCompleted: 0 });
  });

  it('the same statement dated November 2025 has no targeted delivery funding: £3,282.63', () => {
    const s = calculateStatement({
      period: { year: 2025, month: 11, cohortStartYear: 2024 },
      contracts: [{ terms: FACTORY, counts: EXAMPLE_COUNTS }],
      adjustments: ['250.00', '-100.00'],
      reconcileAmount: null,
      voidedDeclarations: 0,
    });
    expect(formatMoney(s.totalTargetedDeliveryFunding)).toBe('0.00');
    expect(formatMoney(s.totalPayment)).toBe('3282.63');
  });

  it('uses a set monthly service fee as is (0.00 means none)', () => {
    const set = calculateCourse(
      { ...FACTORY, monthlyServiceFee: '5432.10', recruitmentTarget: 438 },
      NO_COUNTS,
      { year: 2026, month: 1, cohortStartYear: 2025 },
    );
    expect(formatMoney(set.serviceFees)).toBe('5432.10');
    const none = calculateCourse({ ...FACTORY, monthlyServiceFee: '0.00' }, NO_COUNTS, {
      year: 2026,
      month: 1,
      cohortStartYear: 2025,
    });
    expect(formatMoney(none.serviceFees)).toBe('0.00');
  });

  it('divides the output share by the payment periods of the course group', () => {
    const period = { year: 2026, month: 1, cohortStartYear: 2025 };
    const leadership = calculateCourse(
      { ...FACTORY, perParticipant: '1000', numberOfPaymentPeriods: 4 },
      NO_COUNTS,
      period,
    );
    expect(leadership.outputPerParticipant.toString()).toBe('150');
    const specialist = calculateCourse({ ...FACTORY, perParticipant: '1000' }, NO_COUNTS, period);
    expect(specialist.outputPerParticipant.toString()).toBe('200');
    const ehco = calculateCourse(
      {
        ...FACTORY,
        courseIdentifier: 'npq-early-headship-coaching-offer',
        perParticipant: '1000',
        outputPaymentPercentage: 100,
        serviceFeePercentage: 0,
        numberOfPaymentPeriods: 4,
      },
      NO_COUNTS,
      period,
    );
    expect(ehco.outputPerParticipant.toString()).toBe('250');
    expect(ehco.serviceFees.toString()).toBe('0');
    const noOutput = calculateCourse(
      { ...FACTORY, outputPaymentPercentage: 0 },
      { ...NO_COUNTS, started: 5 },
      period,
    );
    expect(noOutput.outputPaymentSubtotal.toString()).toBe('0');
  });

  it('pays targeted delivery funding up to October 2025, for cohorts from 2022, never on ASO or EHCO', () => {
    expect(usesTargetedDeliveryFunding({ year: 2025, month: 10, cohortStartYear: 2022 })).toBe(true);
    expect(usesTargetedDeliveryFunding({ year: 2025, month: 11, cohortStartYear: 2024 })).toBe(false);
    expect(usesTargetedDeliveryFunding({ year: 2024, month: 12, cohortStartYear: 2021 })).toBe(false);
    const ehco = calculateCourse(
      { ...FACTORY, courseIdentifier: 'npq-early-headship-coaching-offer' },
      { ...NO_COUNTS, tdf: 4 },
      { year: 2025, month: 6, cohortStartYear: 2024 },
    );
    expect(ehco.targetedDeliveryFunding.toString()).toBe('0');
    const refund = calculateCourse(
      FACTORY,
      { ...NO_COUNTS, tdfRefundable: 2 },
      { year: 2025, month: 6, cohortStartYear: 2024 },
    );
    expect(refund.targetedDeliveryFundingClawback.toString()).toBe('200');
    expect(refund.courseTotal.toFixed(2)).toBe(
      money('1212.631578947368421052631578947368').minus(200).toFixed(2),
    );
  });

  it('leaves special-course contracts out of every total', () => {
    const s = calculateStatement({
      period: { year: 2025, month: 6, cohortStartYear: 2024 },
      contracts: [
        { terms: FACTORY, counts: EXAMPLE_COUNTS },
        {
          terms: { ...FACTORY, courseIdentifier: 'npq-leading-primary-mathematics', specialCourse: true },
          counts: EXAMPLE_COUNTS,
        },
      ],
      adjustments: [],
      reconcileAmount: '0',
      voidedDeclarations: 1,
    });
    expect(s.courses.map((c) => c.courseIdentifier)).toEqual([
      'npq-leading-primary-mathematics',
      'npq-leading-teaching',
    ]);
    expect(formatMoney(s.totalOutputPayment)).toBe('2240.00');
    expect(s.totalStarts).toBe(10);
    expect(s.totalVoided).toBe(1);
  });

  it('shows money with two decimals, rounding half up only at display, never "-0.00"', () => {
    expect(formatMoney(money('0.005'))).toBe('0.01');
    expect(formatMoney(money('0.0049999'))).toBe('0.00');
    expect(formatMoney(money('-0.001'))).toBe('0.00');
    expect(formatMoney(money('-320'))).toBe('-320.00');
    expect(formatMoney(money('1e-30').plus('0.1').plus('0.2'))).toBe('0.30');
  });
});

describe('statement breakdown (docs/domain.md#money): the calculation line by line', () => {
  const lines = (b: ReturnType<typeof breakdownStatement>) => [
    ...b.outputPayments.map((l) => l.subtotal),
    b.targetedDeliveryFunding.subtotal,
    ...b.serviceFees.map((f) => f.subtotal),
    ...b.clawbacks.map((l) => l.subtotal),
    ...b.adjustments.map((a) => a.amount),
  ];

  it('splits the worked example into lines that add up exactly to its total', () => {
    const counts = {
      ...EXAMPLE_COUNTS,
      tdfRefundable: 1,
      refundable: 3,
      refundableByType: { started: 1, 'retained-1': 2 },
    };
    const special = {
      ...FACTORY,
      courseIdentifier: 'npq-early-headship-coaching-offer',
      specialCourse: true,
    };
    const s = calculateStatement({
      period: { year: 2025, month: 6, cohortStartYear: 2024 },
      contracts: [
        { terms: FACTORY, counts },
        { terms: special, counts: { ...NO_COUNTS, started: 5 } },
      ],
      adjustments: ['250.00', '-100.00'],
      reconcileAmount: '12.34',
      voidedDeclarations: 0,
    });
    const b = breakdownStatement(s, [
      { description: 'Bonus', amount: '250.00' },
      { description: 'Correction', amount: '-100.00' },
    ]);
    expect(
      b.outputPayments.map((l) => [l.courseIdentifier, l.declarationType, l.count, formatMoney(l.subtotal)]),
    ).toEqual([
      ['npq-leading-teaching', 'started', 10, '1600.00'],
      ['npq-leading-teaching', 'retained-1', 4, '640.00'],
    ]);
    expect(
      b.clawbacks.map((l) => [l.declarationType, l.paymentType, l.count, formatMoney(l.subtotal)]),
    ).toEqual([
      ['started', 'output', 1, '-160.00'],
      ['retained-1', 'output', 2, '-320.00'],
      ['started', 'targeted_delivery_funding', 1, '-100.00'],
    ]);
    expect(b.targetedDeliveryFunding).toMatchObject({ count: 3 });
    expect(formatMoney(b.targetedDeliveryFunding.unitPrice!)).toBe('100.00');
    expect(
      b.serviceFees.map((f) => [f.participants, formatMoney(f.monthlyFee), formatMoney(f.subtotal)]),
    ).toEqual([[72, '16.84', '1212.63']]);
    expect(b.adjustments.map((a) => [a.description, formatMoney(a.amount)])).toEqual([
      ['Bonus', '250.00'],
      ['Correction', '-100.00'],
      ['Reconcile amount', '12.34'],
    ]);
    // Exactly, before display rounding; the special course is in neither.
    expect(
      lines(b)
        .reduce((sum, v) => sum.plus(v), money(0))
        .equals(s.totalPayment),
    ).toBe(true);
    expect(b.total).toBe(s.totalPayment);
  });

  it('a fixed monthly fee is one line without participants; TDF outside its period has no lines', () => {
    const s = calculateStatement({
      period: { year: 2025, month: 11, cohortStartYear: 2024 },
      contracts: [
        {
          terms: { ...FACTORY, monthlyServiceFee: '500.00' },
          counts: { ...EXAMPLE_COUNTS, tdfRefundable: 1, refundableByType: { 'retained-1': 2 } },
        },
      ],
      adjustments: [],
      reconcileAmount: null,
      voidedDeclarations: 0,
    });
    const b = breakdownStatement(s, []);
    expect(b.serviceFees.map((f) => [f.participants, formatMoney(f.monthlyFee)])).toEqual([[null, '500.00']]);
    expect(b.targetedDeliveryFunding).toMatchObject({ count: 0, unitPrice: null });
    expect(b.clawbacks.filter((l) => l.paymentType === 'targeted_delivery_funding')).toEqual([]);
    expect(
      lines(b)
        .reduce((sum, v) => sum.plus(v), money(0))
        .equals(s.totalPayment),
    ).toBe(true);
  });
});
