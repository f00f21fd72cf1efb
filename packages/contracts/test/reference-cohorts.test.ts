import {
  COHORT_FUNDINGS,
  COHORT_IDENTIFIERS,
  COHORTS,
  cohortByIdentifier,
  cohortName,
  cohortsForStartYear,
  compareCohorts,
  currentCohort,
  isCohortFunding,
  isCohortIdentifier,
  isFunded,
  type Cohort,
} from '../src/reference';

describe('COHORTS', () => {
  const table = [
    ['2021a', 2021, 'a', '2021 to 2022', 'full', '2021-05-10'],
    ['2022a', 2022, 'a', '2022 to 2023', 'full', '2022-05-10'],
    ['2023a', 2023, 'a', '2023 to 2024', 'full', '2023-04-03'],
    ['2024a', 2024, 'a', '2024 to 2025', 'capped', '2024-04-03'],
    ['2025a', 2025, 'a', '2025 to 2026', 'capped', '2025-04-03'],
    ['2025b', 2025, 'b', '2025 Autumn', 'capped', '2025-09-01'],
    ['2026a', 2026, 'a', 'Spring 2026', 'zero', '2026-04-03'],
    ['2026b', 2026, 'b', 'Autumn 2026', 'capped', '2026-04-03'],
  ] as const;

  it('lists the eight known cohorts in start_year, suffix order', () => {
    expect(COHORT_IDENTIFIERS).toEqual(table.map((row) => row[0]));
    expect([...COHORTS].sort(compareCohorts).map((c) => c.identifier)).toEqual(COHORT_IDENTIFIERS);
  });

  it.each(table)('%s: %i%s "%s" %s from %s', (identifier, startYear, suffix, description, funding, date) => {
    expect(cohortByIdentifier(identifier)).toEqual({
      identifier,
      startYear,
      suffix,
      description,
      funding,
      registrationStartDate: date,
    });
  });

  it.each(COHORTS.map((c) => [c.identifier, c] as const))('%s is internally consistent', (_id, cohort) => {
    expect(cohort.identifier).toBe(`${cohort.startYear}${cohort.suffix}`);
    expect(cohort.registrationStartDate.slice(0, 4)).toBe(String(cohort.startYear));
    expect(cohort.description.length).toBeGreaterThanOrEqual(5);
    expect(cohort.description.length).toBeLessThanOrEqual(50);
  });

  it('has unique descriptions', () => {
    expect(new Set(COHORTS.map((c) => c.description)).size).toBe(COHORTS.length);
  });
});

describe('funding', () => {
  it('COHORT_FUNDINGS is the PG enum', () => {
    expect(COHORT_FUNDINGS).toEqual(['zero', 'capped', 'full']);
  });

  it.each([
    ['2021a', 'full', true],
    ['2022a', 'full', true],
    ['2023a', 'full', true],
    ['2024a', 'capped', true],
    ['2025a', 'capped', true],
    ['2025b', 'capped', true],
    ['2026a', 'zero', false],
    ['2026b', 'capped', true],
  ] as const)('%s is %s (funded: %p)', (identifier, funding, funded) => {
    const cohort = cohortByIdentifier(identifier)!;
    expect(cohort.funding).toBe(funding);
    expect(isFunded(cohort)).toBe(funded);
  });

  it.each([
    ['zero', true],
    ['capped', true],
    ['full', true],
    ['none', false],
    [null, false],
  ])('isCohortFunding(%p) is %p', (value, expected) => {
    expect(isCohortFunding(value)).toBe(expected);
  });
});

describe('lookups', () => {
  it.each([
    ['2025b', true],
    ['2026a', true],
    ['2020a', false],
    ['2025c', false],
    ['2025', false],
    [2025, false],
  ])('isCohortIdentifier(%p) is %p', (value, expected) => {
    expect(isCohortIdentifier(value)).toBe(expected);
  });

  it('cohortByIdentifier returns undefined for unknown identifiers', () => {
    expect(cohortByIdentifier('2025')).toBeUndefined();
    expect(cohortByIdentifier('2027a')).toBeUndefined();
  });

  it.each([
    [2021, ['2021a']],
    [2024, ['2024a']],
    [2025, ['2025b', '2025a']],
    [2026, ['2026b', '2026a']],
    [2027, []],
    [2020, []],
  ])('cohortsForStartYear(%i) is latest suffix first: %p', (year, identifiers) => {
    expect(cohortsForStartYear(year).map((c) => c.identifier)).toEqual(identifiers);
  });

  it.each([
    ['2025a', '2025'],
    ['2025b', '2025b'],
    ['2021a', '2021'],
    ['2026b', '2026b'],
  ] as const)('cohortName(%s) is %s', (identifier, name) => {
    expect(cohortName(cohortByIdentifier(identifier)!)).toBe(name);
  });
});

describe('currentCohort', () => {
  it.each([
    ['2021-05-09', undefined],
    ['2021-05-10', '2021a'],
    ['2022-05-09', '2021a'],
    ['2022-05-10', '2022a'],
    ['2023-04-02', '2022a'],
    ['2023-04-03', '2023a'],
    ['2024-04-02', '2023a'],
    ['2024-04-03', '2024a'],
    ['2025-04-02', '2024a'],
    ['2025-04-03', '2025a'],
    ['2025-08-31', '2025a'],
    ['2025-09-01', '2025b'],
    ['2026-04-02', '2025b'],
    // 2026a and 2026b share a registration date: the later suffix wins.
    ['2026-04-03', '2026b'],
    ['2029-12-31', '2026b'],
  ])('on %s is %p', (date, expected) => {
    expect(currentCohort(date)?.identifier).toBe(expected);
  });

  it('can be filtered by funding', () => {
    expect(currentCohort('2026-06-01', 'zero')?.identifier).toBe('2026a');
    expect(currentCohort('2026-06-01', 'full')?.identifier).toBe('2023a');
    expect(currentCohort('2025-01-01', 'zero')).toBeUndefined();
  });

  it.each(['2025-4-3', '2025-04-03T00:00:00Z', '2025-02-30', ''])('rejects the malformed date %p', (date) => {
    expect(() => currentCohort(date)).toThrow(RangeError);
  });

  it('isFunded accepts any object with a funding', () => {
    const unfunded: Pick<Cohort, 'funding'> = { funding: 'zero' };
    expect(isFunded(unfunded)).toBe(false);
  });
});
