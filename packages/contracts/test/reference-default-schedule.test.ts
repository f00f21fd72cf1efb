import {
  COHORT_IDENTIFIERS,
  COURSE_IDENTIFIERS,
  DEFAULT_SCHEDULE_RULES,
  coursesInGroup,
  defaultScheduleFor,
  findSchedule,
  resolveScheduleForChange,
  type CohortIdentifier,
  type CourseIdentifier,
  type DefaultScheduleRule,
} from '../src/reference';

type Season = 'spring' | 'autumn';

function expectChoice(
  course: CourseIdentifier,
  cohort: CohortIdentifier,
  date: string,
  identifier: string,
  rule: DefaultScheduleRule,
  exists: boolean,
): void {
  const result = defaultScheduleFor({ courseIdentifier: course, cohortIdentifier: cohort, date });
  expect({ identifier: result.identifier, rule: result.rule }).toEqual({ identifier, rule });
  if (exists) {
    expect(result.schedule).toBe(findSchedule(cohort, identifier));
    expect(result.schedule).toMatchObject({ cohortIdentifier: cohort, identifier });
  } else {
    expect(result.schedule).toBeUndefined();
  }
}

describe('defaultScheduleFor: leadership and specialist', () => {
  // [cohort, acceptance date, season, rule, schedule exists in cohort]
  const cases: [CohortIdentifier, string, Season, DefaultScheduleRule, boolean][] = [
    // 1. 2026a → spring, whatever the date
    ['2026a', '2026-04-03', 'spring', 'cohort-2026a-spring', true],
    ['2026a', '2026-09-15', 'spring', 'cohort-2026a-spring', true],
    ['2026a', '2025-08-01', 'spring', 'cohort-2026a-spring', true],
    // 2. 2026b → autumn, whatever the date
    ['2026b', '2026-01-15', 'autumn', 'cohort-2026b-autumn', true],
    ['2026b', '2026-12-31', 'autumn', 'cohort-2026b-autumn', true],
    // 3. start year 2025, 2025-08-01..2026-04-30 → autumn (either suffix)
    ['2025a', '2025-07-31', 'autumn', 'autumn-season', true],
    ['2025a', '2025-08-01', 'autumn', 'start-year-2025-autumn-window', true],
    ['2025b', '2025-08-01', 'autumn', 'start-year-2025-autumn-window', true],
    ['2025b', '2025-12-26', 'autumn', 'start-year-2025-autumn-window', true],
    ['2025a', '2026-01-01', 'autumn', 'start-year-2025-autumn-window', true],
    ['2025b', '2026-04-02', 'autumn', 'start-year-2025-autumn-window', true],
    ['2025a', '2026-04-30', 'autumn', 'start-year-2025-autumn-window', true],
    ['2025a', '2026-05-01', 'autumn', 'autumn-season', true],
    ['2025b', '2026-12-26', 'spring', 'spring-season', true],
    // 4. start year 2025, 2024-06-28..2025-06-06 → spring
    ['2025a', '2024-06-27', 'autumn', 'autumn-season', true],
    ['2025a', '2024-06-28', 'spring', 'start-year-2025-spring-window', true],
    ['2025a', '2024-10-01', 'spring', 'start-year-2025-spring-window', true],
    ['2025b', '2025-04-03', 'spring', 'start-year-2025-spring-window', true],
    ['2025a', '2025-06-06', 'spring', 'start-year-2025-spring-window', true],
    ['2025a', '2025-06-07', 'autumn', 'autumn-season', true],
    // 5. start year 2024, 2024-06-28..2025-06-06 → autumn (2024a has no spring schedules)
    ['2024a', '2024-06-27', 'autumn', 'autumn-season', true],
    ['2024a', '2024-06-28', 'autumn', 'start-year-2024-autumn-window', true],
    ['2024a', '2024-12-26', 'autumn', 'start-year-2024-autumn-window', true],
    ['2024a', '2025-01-15', 'autumn', 'start-year-2024-autumn-window', true],
    ['2024a', '2025-06-06', 'autumn', 'start-year-2024-autumn-window', true],
    ['2024a', '2025-06-07', 'autumn', 'autumn-season', true],
    // 6/7 outside the windows: the chosen spring identifier is absent from 2024a
    ['2024a', '2024-04-02', 'spring', 'spring-season', false],
    ['2024a', '2024-04-03', 'autumn', 'autumn-season', true],
    ['2024a', '2025-12-26', 'spring', 'spring-season', false],
    ['2024a', '2026-03-01', 'spring', 'spring-season', false],
    // 6. Jan 1 – Apr 2 and Dec 26 – Dec 31 → spring; 7. Apr 3 – Dec 25 → autumn
    ['2023a', '2023-01-01', 'spring', 'spring-season', true],
    ['2023a', '2023-04-02', 'spring', 'spring-season', true],
    ['2023a', '2023-04-03', 'autumn', 'autumn-season', true],
    ['2023a', '2023-12-25', 'autumn', 'autumn-season', true],
    ['2023a', '2023-12-26', 'spring', 'spring-season', true],
    ['2023a', '2023-12-31', 'spring', 'spring-season', true],
    ['2023a', '2024-01-01', 'spring', 'spring-season', true],
    ['2023a', '2024-02-29', 'spring', 'spring-season', true],
    ['2022a', '2022-06-30', 'autumn', 'autumn-season', true],
    ['2021a', '2021-09-01', 'autumn', 'autumn-season', true],
    ['2021a', '2022-03-31', 'spring', 'spring-season', true],
    // the 2024 window does not apply to other start years
    ['2023a', '2025-01-15', 'spring', 'spring-season', true],
    ['2026b', '2025-01-15', 'autumn', 'cohort-2026b-autumn', true],
  ];

  describe.each([
    ['leadership', 'npq-headship'],
    ['leadership', 'npq-senco'],
    ['specialist', 'npq-leading-literacy'],
    ['specialist', 'npq-leading-primary-mathematics'],
  ] as const)('%s (%s)', (group, course) => {
    it.each(cases)('%s accepted %s → %s (%s)', (cohort, date, season, rule, exists) => {
      expectChoice(course, cohort, date, `npq-${group}-${season}`, rule, exists);
    });
  });

  it('every leadership and specialist course follows the same rules', () => {
    for (const course of [...coursesInGroup('leadership'), ...coursesInGroup('specialist')]) {
      const result = defaultScheduleFor({
        courseIdentifier: course.identifier,
        cohortIdentifier: '2025a',
        date: '2024-07-01',
      });
      expect(result.identifier).toBe(`npq-${course.courseGroup}-spring`);
    }
  });
});

describe('defaultScheduleFor: EHCO', () => {
  const ehco = 'npq-early-headship-coaching-offer';
  const cases: [CohortIdentifier, string, string, DefaultScheduleRule, boolean][] = [
    // cohort 2026a and start year < 2022 take their single EHCO schedule
    ['2026a', '2026-04-03', 'npq-ehco-march', 'ehco-cohort-2026a', true],
    ['2026a', '2026-10-10', 'npq-ehco-march', 'ehco-cohort-2026a', true],
    ['2026a', '2026-12-01', 'npq-ehco-march', 'ehco-cohort-2026a', true],
    ['2021a', '2021-05-10', 'npq-ehco-june', 'ehco-start-year-before-2022', true],
    ['2021a', '2021-10-01', 'npq-ehco-june', 'ehco-start-year-before-2022', true],
    ['2021a', '2021-12-15', 'npq-ehco-june', 'ehco-start-year-before-2022', true],
    // by date relative to Y = 2023 (Y+1 = 2024 is a leap year)
    ['2023a', '2022-01-01', 'npq-ehco-june', 'ehco-other-date', true],
    ['2023a', '2023-04-03', 'npq-ehco-june', 'ehco-other-date', true],
    ['2023a', '2023-08-31', 'npq-ehco-june', 'ehco-other-date', true],
    ['2023a', '2023-09-01', 'npq-ehco-november', 'ehco-november', true],
    ['2023a', '2023-11-30', 'npq-ehco-november', 'ehco-november', true],
    ['2023a', '2023-12-01', 'npq-ehco-december', 'ehco-december', true],
    ['2023a', '2024-01-31', 'npq-ehco-december', 'ehco-december', true],
    ['2023a', '2024-02-28', 'npq-ehco-december', 'ehco-december', true],
    ['2023a', '2024-02-29', 'npq-ehco-december', 'ehco-december', true],
    ['2023a', '2024-03-01', 'npq-ehco-march', 'ehco-march', true],
    ['2023a', '2024-05-31', 'npq-ehco-march', 'ehco-march', true],
    ['2023a', '2024-06-01', 'npq-ehco-june', 'ehco-june', true],
    ['2023a', '2024-09-30', 'npq-ehco-june', 'ehco-june', true],
    ['2023a', '2024-10-01', 'npq-ehco-june', 'ehco-other-date', true],
    ['2023a', '2025-03-01', 'npq-ehco-june', 'ehco-other-date', true],
    // non-leap Y+1
    ['2022a', '2023-02-28', 'npq-ehco-december', 'ehco-december', true],
    ['2022a', '2023-03-01', 'npq-ehco-march', 'ehco-march', true],
    ['2022a', '2022-09-01', 'npq-ehco-november', 'ehco-november', true],
    // 2024a has no EHCO March schedule
    ['2024a', '2024-11-15', 'npq-ehco-november', 'ehco-november', true],
    ['2024a', '2024-12-31', 'npq-ehco-december', 'ehco-december', true],
    ['2024a', '2025-03-15', 'npq-ehco-march', 'ehco-march', false],
    ['2024a', '2025-06-01', 'npq-ehco-june', 'ehco-june', true],
    // 2025 both suffixes, 2026b
    ['2025a', '2025-04-03', 'npq-ehco-june', 'ehco-other-date', true],
    ['2025a', '2025-09-01', 'npq-ehco-november', 'ehco-november', true],
    ['2025b', '2025-12-01', 'npq-ehco-december', 'ehco-december', true],
    ['2025b', '2026-03-01', 'npq-ehco-march', 'ehco-march', true],
    ['2025b', '2026-09-30', 'npq-ehco-june', 'ehco-june', true],
    ['2026b', '2026-04-03', 'npq-ehco-june', 'ehco-other-date', true],
    ['2026b', '2026-09-01', 'npq-ehco-november', 'ehco-november', true],
    ['2026b', '2027-02-28', 'npq-ehco-december', 'ehco-december', true],
    ['2026b', '2027-03-01', 'npq-ehco-march', 'ehco-march', true],
  ];

  it.each(cases)('%s accepted %s → %s (%s)', (cohort, date, identifier, rule, exists) => {
    expectChoice(ehco, cohort, date, identifier, rule, exists);
  });
});

describe('defaultScheduleFor: support (ASO)', () => {
  it.each(COHORT_IDENTIFIERS.map((c) => [c, c === '2021a'] as const))(
    '%s → npq-aso-december (exists: %p)',
    (cohort, exists) => {
      expectChoice(
        'npq-additional-support-offer',
        cohort,
        '2025-01-01',
        'npq-aso-december',
        'support',
        exists,
      );
    },
  );
});

describe('defaultScheduleFor: inputs', () => {
  it('always returns a schedule of the course group of the course, from the same cohort', () => {
    const dates = ['2024-01-01', '2024-06-28', '2025-02-15', '2025-08-01', '2025-12-26', '2026-06-30'];
    const usedRules = new Set<string>();
    for (const course of COURSE_IDENTIFIERS) {
      for (const cohort of COHORT_IDENTIFIERS) {
        for (const date of dates) {
          const result = defaultScheduleFor({ courseIdentifier: course, cohortIdentifier: cohort, date });
          usedRules.add(result.rule);
          if (result.schedule) expect(result.schedule.cohortIdentifier).toBe(cohort);
        }
      }
    }
    for (const rule of usedRules) expect(DEFAULT_SCHEDULE_RULES).toContain(rule);
  });

  it.each(['2025-13-01', '2025-02-29', '2025-06-01T10:00:00Z', '01/06/2025'])(
    'rejects the date %p',
    (date) => {
      expect(() =>
        defaultScheduleFor({ courseIdentifier: 'npq-headship', cohortIdentifier: '2025a', date }),
      ).toThrow(RangeError);
    },
  );

  it('rejects unknown course or cohort identifiers', () => {
    expect(() =>
      defaultScheduleFor({
        courseIdentifier: 'npq-bogus' as CourseIdentifier,
        cohortIdentifier: '2025a',
        date: '2025-06-01',
      }),
    ).toThrow(RangeError);
    expect(() =>
      defaultScheduleFor({
        courseIdentifier: 'npq-headship',
        cohortIdentifier: '2030a' as CohortIdentifier,
        date: '2025-06-01',
      }),
    ).toThrow(RangeError);
  });
});

describe('resolveScheduleForChange', () => {
  it.each([
    ['npq-leadership-autumn', 2025, '2025b'],
    ['npq-leadership-spring', 2025, '2025b'],
    ['npq-ehco-march', 2025, '2025b'],
    ['npq-specialist-spring', 2026, '2026b'],
    ['npq-ehco-june', 2026, '2026b'],
    ['npq-leadership-autumn', 2024, '2024a'],
    ['npq-ehco-june', 2021, '2021a'],
    ['npq-aso-june', 2021, '2021a'],
    ['npq-leadership-spring', 2022, '2022a'],
  ] as const)('%s in %i resolves to %s', (identifier, year, cohort) => {
    const schedule = resolveScheduleForChange({ scheduleIdentifier: identifier, cohortStartYear: year });
    expect(schedule).toBe(findSchedule(cohort, identifier));
    expect(schedule?.cohortIdentifier).toBe(cohort);
  });

  it.each([
    ['npq-leadership-spring', 2024],
    ['npq-ehco-march', 2024],
    ['npq-aso-december', 2025],
    ['npq-leadership-autumn', 2027],
    ['npq-leadership-autumn', 2020],
    ['npq-bogus', 2025],
    ['', 2025],
  ])('%p in %i resolves to nothing', (identifier, year) => {
    expect(
      resolveScheduleForChange({ scheduleIdentifier: identifier, cohortStartYear: year }),
    ).toBeUndefined();
  });
});
