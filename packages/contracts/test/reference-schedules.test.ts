import {
  COHORT_IDENTIFIERS,
  COURSE_IDENTIFIERS,
  DECLARATION_TYPES,
  SCHEDULE_DEFINITIONS,
  SCHEDULE_IDENTIFIERS,
  SCHEDULES,
  courseByIdentifier,
  findSchedule,
  isDeclarationType,
  isDeclarationTypeAllowed,
  isScheduleIdentifier,
  isScheduleValidForCourse,
  scheduleCourseGroup,
  schedulesForCohort,
  type ScheduleIdentifier,
} from '../src/reference';

const ALL_FOUR = ['started', 'retained-1', 'retained-2', 'completed'];
const SPECIALIST = ['started', 'retained-1', 'completed'];

describe('identifiers and declaration types', () => {
  it('SCHEDULE_IDENTIFIERS is Schedule::IDENTIFIERS in code order', () => {
    expect(SCHEDULE_IDENTIFIERS).toEqual([
      'npq-aso-march',
      'npq-aso-june',
      'npq-aso-november',
      'npq-aso-december',
      'npq-ehco-march',
      'npq-ehco-june',
      'npq-ehco-november',
      'npq-ehco-december',
      'npq-leadership-autumn',
      'npq-leadership-spring',
      'npq-specialist-autumn',
      'npq-specialist-spring',
    ]);
    expect(SCHEDULE_DEFINITIONS.map((d) => d.identifier)).toEqual(SCHEDULE_IDENTIFIERS);
  });

  it('DECLARATION_TYPES', () => {
    expect(DECLARATION_TYPES).toEqual(ALL_FOUR);
  });

  it.each([
    ['npq-ehco-june', true],
    ['npq-leadership-winter', false],
    [null, false],
  ])('isScheduleIdentifier(%p) is %p', (value, expected) => {
    expect(isScheduleIdentifier(value)).toBe(expected);
  });

  it.each([
    ['retained-2', true],
    ['retained_2', false],
    ['Started', false],
  ])('isDeclarationType(%p) is %p', (value, expected) => {
    expect(isDeclarationType(value)).toBe(expected);
  });
});

describe('schedule names, groups and allowed declaration types', () => {
  it.each([
    ['npq-leadership-autumn', 'NPQ Leadership Autumn', 'leadership', ALL_FOUR],
    ['npq-leadership-spring', 'NPQ Leadership Spring', 'leadership', ALL_FOUR],
    ['npq-specialist-autumn', 'NPQ Specialist Autumn', 'specialist', SPECIALIST],
    ['npq-specialist-spring', 'NPQ Specialist Spring', 'specialist', SPECIALIST],
    ['npq-ehco-november', 'NPQ EHCO November', 'ehco', ALL_FOUR],
    ['npq-ehco-december', 'NPQ EHCO December', 'ehco', ALL_FOUR],
    ['npq-ehco-march', 'NPQ EHCO March', 'ehco', ALL_FOUR],
    ['npq-ehco-june', 'NPQ EHCO June', 'ehco', ALL_FOUR],
    ['npq-aso-november', 'NPQ ASO November', 'support', ALL_FOUR],
    ['npq-aso-december', 'NPQ ASO December', 'support', ALL_FOUR],
    ['npq-aso-march', 'NPQ ASO March', 'support', ALL_FOUR],
    ['npq-aso-june', 'NPQ ASO June', 'support', ALL_FOUR],
  ] as const)('%s: "%s", %s', (identifier, name, group, types) => {
    expect(scheduleCourseGroup(identifier)).toBe(group);
    const rows = SCHEDULES.filter((s) => s.identifier === identifier);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.name).toBe(name);
      expect(row.courseGroup).toBe(group);
      expect(row.allowedDeclarationTypes).toEqual(types);
    }
  });

  it('every specialist row excludes retained-2 and every other row allows all four', () => {
    for (const row of SCHEDULES) {
      expect(isDeclarationTypeAllowed(row, 'retained-2')).toBe(row.courseGroup !== 'specialist');
      expect(isDeclarationTypeAllowed(row, 'started')).toBe(true);
      expect(isDeclarationTypeAllowed(row, 'completed')).toBe(true);
      expect(isDeclarationTypeAllowed(row, 'retained_1')).toBe(false);
    }
  });
});

describe('which schedules exist per cohort', () => {
  const BOTH_SEASONS = [
    'npq-leadership-autumn',
    'npq-leadership-spring',
    'npq-specialist-autumn',
    'npq-specialist-spring',
  ];
  const ALL_EHCO = ['npq-ehco-march', 'npq-ehco-june', 'npq-ehco-november', 'npq-ehco-december'];

  it.each([
    [
      '2021a',
      [
        'npq-aso-march',
        'npq-aso-june',
        'npq-aso-november',
        'npq-aso-december',
        'npq-ehco-june',
        ...BOTH_SEASONS,
      ],
    ],
    ['2022a', [...ALL_EHCO, ...BOTH_SEASONS]],
    ['2023a', [...ALL_EHCO, ...BOTH_SEASONS]],
    [
      '2024a',
      [
        'npq-ehco-june',
        'npq-ehco-november',
        'npq-ehco-december',
        'npq-leadership-autumn',
        'npq-specialist-autumn',
      ],
    ],
    ['2025a', [...ALL_EHCO, ...BOTH_SEASONS]],
    ['2025b', [...ALL_EHCO, ...BOTH_SEASONS]],
    ['2026a', [...ALL_EHCO, ...BOTH_SEASONS]],
    ['2026b', [...ALL_EHCO, ...BOTH_SEASONS]],
  ])('%s', (cohort, identifiers) => {
    expect(schedulesForCohort(cohort).map((s) => s.identifier)).toEqual(identifiers);
    for (const s of schedulesForCohort(cohort)) expect(s.cohortIdentifier).toBe(cohort);
  });

  it('has 62 rows, unique per (cohort, identifier), cohorts in order', () => {
    expect(SCHEDULES).toHaveLength(9 + 8 + 8 + 5 + 4 * 8);
    expect(new Set(SCHEDULES.map((s) => `${s.cohortIdentifier}/${s.identifier}`)).size).toBe(
      SCHEDULES.length,
    );
    const cohortOrder = [...new Set(SCHEDULES.map((s) => s.cohortIdentifier))];
    expect(cohortOrder).toEqual(COHORT_IDENTIFIERS);
  });

  it('only 2021a has ASO schedules', () => {
    expect([
      ...new Set(SCHEDULES.filter((s) => s.courseGroup === 'support').map((s) => s.cohortIdentifier)),
    ]).toEqual(['2021a']);
  });

  it('returns nothing for an unknown cohort', () => {
    expect(schedulesForCohort('2027a')).toEqual([]);
    expect(findSchedule('2027a', 'npq-leadership-autumn')).toBeUndefined();
  });

  it('findSchedule returns undefined for identifiers missing from a cohort', () => {
    expect(findSchedule('2024a', 'npq-leadership-spring')).toBeUndefined();
    expect(findSchedule('2024a', 'npq-specialist-spring')).toBeUndefined();
    expect(findSchedule('2024a', 'npq-ehco-march')).toBeUndefined();
    expect(findSchedule('2021a', 'npq-ehco-march')).toBeUndefined();
    expect(findSchedule('2025a', 'npq-aso-december')).toBeUndefined();
    expect(findSchedule('2025a', 'npq-bogus')).toBeUndefined();
  });

  it('rows are frozen', () => {
    const row = findSchedule('2025a', 'npq-leadership-autumn')!;
    expect(Object.isFrozen(row)).toBe(true);
    expect(Object.isFrozen(row.allowedDeclarationTypes)).toBe(true);
    expect(Object.isFrozen(SCHEDULES)).toBe(true);
  });
});

describe('seed/factory dates, table (a) for 2022–2026', () => {
  type Cell = readonly [string, string] | null;
  // schedule → [2022, 2023, 2024, 2025 (a and b), 2026 (a and b)]
  const tableA: Record<string, readonly [Cell, Cell, Cell, Cell, Cell]> = {
    'npq-leadership-autumn': [
      ['2022-10-01', '2022-12-31'],
      ['2023-10-01', '2023-12-31'],
      ['2024-10-01', '2024-12-31'],
      ['2025-10-01', '2025-12-31'],
      ['2026-10-01', '2026-12-31'],
    ],
    'npq-leadership-spring': [
      ['2023-01-01', '2023-03-31'],
      ['2024-01-01', '2024-03-31'],
      null,
      ['2026-01-01', '2026-03-31'],
      ['2027-01-01', '2027-03-31'],
    ],
    'npq-specialist-autumn': [
      ['2022-10-01', '2022-12-31'],
      ['2023-10-01', '2023-12-31'],
      ['2024-10-01', '2024-12-31'],
      ['2025-10-01', '2025-12-31'],
      ['2026-10-01', '2026-12-31'],
    ],
    'npq-specialist-spring': [
      ['2023-01-01', '2023-03-31'],
      ['2024-01-01', '2024-03-31'],
      null,
      ['2026-01-01', '2026-03-31'],
      ['2027-01-01', '2027-03-31'],
    ],
    'npq-ehco-november': [
      ['2022-11-01', '2022-11-30'],
      ['2023-11-01', '2023-11-30'],
      ['2024-11-01', '2024-11-30'],
      ['2025-11-01', '2025-11-30'],
      ['2026-11-01', '2026-11-30'],
    ],
    'npq-ehco-december': [
      ['2022-12-01', '2022-12-31'],
      ['2023-12-01', '2023-12-31'],
      ['2024-12-01', '2024-12-31'],
      ['2025-12-01', '2025-12-31'],
      ['2026-12-01', '2026-12-31'],
    ],
    'npq-ehco-march': [
      ['2023-03-01', '2023-05-31'],
      ['2024-03-01', '2024-05-31'],
      null,
      ['2026-03-01', '2026-05-31'],
      ['2027-03-01', '2027-05-31'],
    ],
    'npq-ehco-june': [
      ['2023-06-01', '2023-10-31'],
      ['2024-06-01', '2024-10-31'],
      ['2025-06-01', '2025-10-31'],
      ['2026-06-01', '2026-10-31'],
      ['2027-06-01', '2027-10-31'],
    ],
  };
  const columns: readonly (readonly string[])[] = [
    ['2022a'],
    ['2023a'],
    ['2024a'],
    ['2025a', '2025b'],
    ['2026a', '2026b'],
  ];

  const cases = Object.entries(tableA).flatMap(([identifier, cells]) =>
    cells.flatMap((cell, column) => columns[column]!.map((cohort) => [cohort, identifier, cell] as const)),
  );

  it.each(cases)('%s %s → %p', (cohort, identifier, cell) => {
    const schedule = findSchedule(cohort, identifier);
    if (cell === null) {
      expect(schedule).toBeUndefined();
    } else {
      expect(schedule).toBeDefined();
      expect([schedule!.appliesFrom, schedule!.appliesTo]).toEqual(cell);
    }
  });

  it('table (a) covers every 2022–2026 row', () => {
    const covered = cases.filter(([, , cell]) => cell !== null).length;
    expect(SCHEDULES.filter((s) => s.cohortIdentifier !== '2021a')).toHaveLength(covered);
  });
});

describe('2021a dates (same formula, Y = 2021)', () => {
  it.each([
    ['npq-leadership-autumn', '2021-10-01', '2021-12-31'],
    ['npq-leadership-spring', '2022-01-01', '2022-03-31'],
    ['npq-specialist-autumn', '2021-10-01', '2021-12-31'],
    ['npq-specialist-spring', '2022-01-01', '2022-03-31'],
    ['npq-ehco-june', '2022-06-01', '2022-10-31'],
    ['npq-aso-november', '2021-11-01', '2021-11-01'],
    ['npq-aso-december', '2021-12-01', '2021-12-01'],
    ['npq-aso-march', '2022-03-01', '2022-03-01'],
    ['npq-aso-june', '2022-06-01', '2022-06-01'],
  ])('%s: %s → %s', (identifier, from, to) => {
    expect(findSchedule('2021a', identifier)).toMatchObject({ appliesFrom: from, appliesTo: to });
  });
});

describe('isScheduleValidForCourse', () => {
  const expectedGroupOf = (schedule: ScheduleIdentifier) =>
    schedule.startsWith('npq-aso-')
      ? 'support'
      : schedule.startsWith('npq-ehco-')
        ? 'ehco'
        : schedule.startsWith('npq-leadership-')
          ? 'leadership'
          : 'specialist';

  const matrix = SCHEDULE_IDENTIFIERS.flatMap((schedule) =>
    COURSE_IDENTIFIERS.map(
      (course) =>
        [schedule, course, courseByIdentifier(course)!.courseGroup === expectedGroupOf(schedule)] as const,
    ),
  );

  it.each(matrix)('%s for %s is %p', (schedule, course, expected) => {
    expect(isScheduleValidForCourse(schedule, course)).toBe(expected);
  });

  it('npq-senco takes leadership schedules', () => {
    expect(isScheduleValidForCourse('npq-leadership-spring', 'npq-senco')).toBe(true);
    expect(isScheduleValidForCourse('npq-specialist-spring', 'npq-senco')).toBe(false);
  });

  it('is false for unknown identifiers', () => {
    expect(isScheduleValidForCourse('npq-bogus', 'npq-headship')).toBe(false);
    expect(isScheduleValidForCourse('npq-leadership-autumn', 'npq-bogus')).toBe(false);
  });
});
