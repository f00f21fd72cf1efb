import {
  COHORTS,
  CONTRACT_SEED_TEMPLATE,
  CONTRACT_TERMS_BY_COURSE_GROUP,
  COURSE_IDENTIFIERS,
  contractTemplateFor,
  courseByIdentifier,
  seedStatementDeadlineDate,
  seedStatementPaymentDate,
  seedStatementPeriods,
  type StatementPeriod,
} from '../src/reference';

const ym = (p: StatementPeriod) => `${p.year}-${String(p.month).padStart(2, '0')}`;

describe('seedStatementPeriods', () => {
  it.each([
    ['2021a', 27, '2021-03', '2023-05'],
    ['2022a', 27, '2022-03', '2024-05'],
    ['2023a', 27, '2023-02', '2025-04'],
    ['2024a', 27, '2024-02', '2026-04'],
    ['2025a', 27, '2025-02', '2027-04'],
    // registration on the 1st of the month: date + 2 years is itself a month start, so it is excluded
    ['2025b', 26, '2025-07', '2027-08'],
    ['2026a', 27, '2026-02', '2028-04'],
    ['2026b', 27, '2026-02', '2028-04'],
  ])('%s: %i periods, %s … %s', (cohort, count, first, last) => {
    const periods = seedStatementPeriods(cohort);
    expect(periods).toHaveLength(count);
    expect(ym(periods[0]!)).toBe(first);
    expect(ym(periods[periods.length - 1]!)).toBe(last);
  });

  it('periods are consecutive months', () => {
    for (const cohort of COHORTS) {
      const periods = seedStatementPeriods(cohort);
      for (let i = 1; i < periods.length; i++) {
        const prev = periods[i - 1]!;
        const next = periods[i]!;
        expect(next.year * 12 + next.month).toBe(prev.year * 12 + prev.month + 1);
      }
    }
  });

  it('accepts a cohort object or an identifier', () => {
    expect(seedStatementPeriods(COHORTS[4])).toEqual(seedStatementPeriods('2025a'));
    expect(seedStatementPeriods({ registrationStartDate: '2025-04-03' })).toEqual(
      seedStatementPeriods('2025a'),
    );
    expect(() => seedStatementPeriods('2030a')).toThrow(RangeError);
  });

  it('2025a: output-fee months are 3, 6, 9, 12 and the last period', () => {
    const output = seedStatementPeriods('2025a')
      .filter((p) => p.outputFee)
      .map(ym);
    expect(output).toEqual([
      '2025-03',
      '2025-06',
      '2025-09',
      '2025-12',
      '2026-03',
      '2026-06',
      '2026-09',
      '2026-12',
      '2027-03',
      '2027-04',
    ]);
  });

  it('2025b: the last period (Aug 2027) is an output-fee statement', () => {
    const periods = seedStatementPeriods('2025b');
    expect(periods.at(-1)).toMatchObject({ year: 2027, month: 8, outputFee: true });
    expect(periods.at(-2)).toMatchObject({ year: 2027, month: 7, outputFee: false });
  });

  it('2021a: last period May 2023 is output fee, Mar 2021 (first) is output fee because it is March', () => {
    const periods = seedStatementPeriods('2021a');
    expect(periods[0]).toMatchObject({ year: 2021, month: 3, outputFee: true });
    expect(periods[1]).toMatchObject({ year: 2021, month: 4, outputFee: false });
    expect(periods.at(-1)).toMatchObject({ year: 2023, month: 5, outputFee: true });
  });

  it.each([
    // worked examples
    [2025, 3, '2025-02-23', '2025-03-23', true],
    [2025, 6, '2025-05-26', '2025-06-26', true],
    // first period and others
    [2025, 2, '2025-01-26', '2025-02-26', false],
    [2025, 4, '2025-03-26', '2025-04-26', false],
    [2025, 5, '2025-04-25', '2025-05-25', false],
    [2026, 1, '2025-12-26', '2026-01-26', false],
    [2026, 3, '2026-02-23', '2026-03-23', true],
    [2027, 4, '2027-03-26', '2027-04-26', true],
  ])(
    '2025a %i-%i: deadline %s, payment %s, output fee %p',
    (year, month, deadlineDate, paymentDate, outputFee) => {
      expect(seedStatementPeriods('2025a').find((p) => p.year === year && p.month === month)).toEqual({
        year,
        month,
        deadlineDate,
        paymentDate,
        outputFee,
      });
    },
  );

  it.each([
    [2024, 3, '2024-02-24', '2024-03-24'], // leap February
    [2025, 3, '2025-02-23', '2025-03-23'],
    [2025, 1, '2024-12-26', '2025-01-26'],
    [2024, 12, '2024-11-25', '2024-12-25'],
  ])('deadline/payment for %i-%i are %s / %s', (year, month, deadline, payment) => {
    expect(seedStatementDeadlineDate(year, month)).toBe(deadline);
    expect(seedStatementPaymentDate(deadline)).toBe(payment);
  });

  it('payment date is never before the deadline', () => {
    for (const cohort of COHORTS) {
      for (const p of seedStatementPeriods(cohort)) expect(p.paymentDate >= p.deadlineDate).toBe(true);
    }
  });
});

describe('contract templates', () => {
  it('CONTRACT_SEED_TEMPLATE holds the factory values', () => {
    expect(CONTRACT_SEED_TEMPLATE).toEqual({
      perParticipant: '800.00',
      outputPaymentPercentage: 60,
      serviceFeePercentage: 40,
      numberOfPaymentPeriods: 3,
      recruitmentTarget: 72,
      serviceFeeInstallments: 19,
      targetedDeliveryFundingPerParticipant: '100.00',
      monthlyServiceFee: '0.00',
      specialCourse: false,
    });
  });

  it('CONTRACT_TERMS_BY_COURSE_GROUP follows the bulk creator', () => {
    expect(CONTRACT_TERMS_BY_COURSE_GROUP).toEqual({
      leadership: { numberOfPaymentPeriods: 4, outputPaymentPercentage: 60, serviceFeePercentage: 40 },
      specialist: { numberOfPaymentPeriods: 3, outputPaymentPercentage: 60, serviceFeePercentage: 40 },
      support: { numberOfPaymentPeriods: 4, outputPaymentPercentage: 100, serviceFeePercentage: 0 },
      ehco: { numberOfPaymentPeriods: 4, outputPaymentPercentage: 100, serviceFeePercentage: 0 },
    });
  });

  it.each([
    ['npq-headship', 4, 60, 40],
    ['npq-senco', 4, 60, 40],
    ['npq-leading-literacy', 3, 60, 40],
    ['npq-early-headship-coaching-offer', 4, 100, 0],
    ['npq-additional-support-offer', 4, 100, 0],
  ])('%s in 2025a: %i periods, %i%% output, %i%% service', (course, periods, output, service) => {
    expect(contractTemplateFor(course, '2025a')).toEqual({
      perParticipant: '800.00',
      outputPaymentPercentage: output,
      serviceFeePercentage: service,
      numberOfPaymentPeriods: periods,
      recruitmentTarget: 72,
      serviceFeeInstallments: 19,
      targetedDeliveryFundingPerParticipant: '100.00',
      monthlyServiceFee: '0.00',
      specialCourse: false,
    });
  });

  it.each([
    ['npq-leading-primary-mathematics', '2021a', undefined],
    ['npq-leading-primary-mathematics', '2022a', undefined],
    ['npq-leading-primary-mathematics', '2023a', true],
    ['npq-leading-primary-mathematics', '2024a', false],
    ['npq-leading-primary-mathematics', '2026b', false],
    ['npq-senco', '2021a', undefined],
    ['npq-senco', '2023a', undefined],
    ['npq-senco', '2024a', false],
    ['npq-senco', '2025b', false],
    ['npq-headship', '2021a', false],
    ['npq-headship', '2023a', false],
  ] as const)('%s in %s: specialCourse %p (undefined = skipped)', (course, cohort, special) => {
    const template = contractTemplateFor(course, cohort);
    if (special === undefined) expect(template).toBeUndefined();
    else expect(template?.specialCourse).toBe(special);
  });

  it('only NPQLPM 2023 is a special course; only NPQLPM < 2023 and NPQSENCO < 2024 are skipped', () => {
    const special: string[] = [];
    const skipped: string[] = [];
    for (const cohort of COHORTS) {
      for (const course of COURSE_IDENTIFIERS) {
        const template = contractTemplateFor(course, cohort.identifier);
        if (!template) skipped.push(`${course}@${cohort.identifier}`);
        else if (template.specialCourse) special.push(`${course}@${cohort.identifier}`);
        else {
          const group = courseByIdentifier(course)!.courseGroup;
          expect(template.numberOfPaymentPeriods).toBe(
            CONTRACT_TERMS_BY_COURSE_GROUP[group].numberOfPaymentPeriods,
          );
        }
      }
    }
    expect(special).toEqual(['npq-leading-primary-mathematics@2023a']);
    expect(skipped.sort()).toEqual(
      [
        'npq-leading-primary-mathematics@2021a',
        'npq-leading-primary-mathematics@2022a',
        'npq-senco@2021a',
        'npq-senco@2022a',
        'npq-senco@2023a',
      ].sort(),
    );
  });

  it('returns undefined for unknown identifiers', () => {
    expect(contractTemplateFor('npq-bogus', '2025a')).toBeUndefined();
    expect(contractTemplateFor('npq-headship', '2030a')).toBeUndefined();
  });
});
