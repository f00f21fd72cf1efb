import {
  COURSE_GROUPS,
  COURSE_IDENTIFIERS,
  COURSES,
  LA_NURSERY_APPROVED_COURSES,
  ONLY_PP50_COURSES,
  OUTCOME_COURSE_IDENTIFIERS,
  UPLIFT_INELIGIBLE_COURSES,
  courseByIdentifier,
  courseGroupOf,
  coursesInGroup,
  hasOutcomes,
  isCourseGroup,
  isCourseIdentifier,
  rebrandedAlternatives,
  type CourseIdentifier,
} from '../src/reference';

describe('COURSE_IDENTIFIERS', () => {
  it('is Course::IDENTIFIERS in code order', () => {
    expect(COURSE_IDENTIFIERS).toEqual([
      'npq-senior-leadership',
      'npq-headship',
      'npq-executive-leadership',
      'npq-early-years-leadership',
      'npq-leading-teaching',
      'npq-leading-behaviour-culture',
      'npq-leading-teaching-development',
      'npq-leading-literacy',
      'npq-leading-primary-mathematics',
      'npq-additional-support-offer',
      'npq-early-headship-coaching-offer',
      'npq-senco',
    ]);
  });

  it('has exactly the identifiers of COURSES', () => {
    expect([...COURSE_IDENTIFIERS].sort()).toEqual(COURSES.map((c) => c.identifier).sort());
  });
});

describe('COURSE_GROUPS', () => {
  it('lists the four groups', () => {
    expect(COURSE_GROUPS).toEqual(['leadership', 'specialist', 'support', 'ehco']);
  });

  it.each([
    ['leadership', true],
    ['ehco', true],
    ['Leadership', false],
    [undefined, false],
    [1, false],
  ])('isCourseGroup(%p) is %p', (value, expected) => {
    expect(isCourseGroup(value)).toBe(expected);
  });
});

describe('COURSES', () => {
  const table: [number, CourseIdentifier, string, string, string, boolean, string][] = [
    [
      0,
      'npq-early-years-leadership',
      'Early years leadership (NPQEYL)',
      'NPQEYL',
      'leadership',
      true,
      '66dff4af-a518-498f-9042-36a41f9e8aa7',
    ],
    [
      1,
      'npq-executive-leadership',
      'Executive leadership (NPQEL)',
      'NPQEL',
      'leadership',
      true,
      'aef853f2-9b48-4b6a-9d2a-91b295f5ca9a',
    ],
    [
      2,
      'npq-headship',
      'Headship (NPQH)',
      'NPQH',
      'leadership',
      true,
      '0f7d6578-a12c-4498-92a0-2ee0f18e0768',
    ],
    [
      3,
      'npq-leading-behaviour-culture',
      'Leading behaviour and culture (NPQLBC)',
      'NPQLBC',
      'specialist',
      true,
      '7d47a0a6-fa74-4587-92cc-cd1e4548a2e5',
    ],
    [
      4,
      'npq-leading-literacy',
      'Leading literacy (NPQLL)',
      'NPQLL',
      'specialist',
      true,
      '829fcd45-e39d-49a9-b309-26d26debfa90',
    ],
    [
      5,
      'npq-leading-primary-mathematics',
      'Leading primary mathematics (NPQLPM)',
      'NPQLPM',
      'specialist',
      true,
      '7866f853-064f-44b4-9287-20b9993452d6',
    ],
    [
      6,
      'npq-leading-teaching',
      'Leading teaching (NPQLT)',
      'NPQLT',
      'specialist',
      true,
      '15c52ed8-06b5-426e-81a2-c2664978a0dc',
    ],
    [
      7,
      'npq-leading-teaching-development',
      'Leading teacher development (NPQLTD)',
      'NPQLTD',
      'specialist',
      true,
      '29fee78b-30ce-4b93-ba21-80be2fde286f',
    ],
    [
      8,
      'npq-senior-leadership',
      'Senior leadership (NPQSL)',
      'NPQSL',
      'leadership',
      true,
      'a42736ad-3d0b-401d-aebe-354ef4c193ec',
    ],
    [
      9,
      'npq-senco',
      'Special educational needs co-ordinator (NPQSENCO)',
      'NPQSENCO',
      'leadership',
      true,
      'd8662dbd-f50a-4bbf-a9dd-359e1d32e050',
    ],
    [
      10,
      'npq-early-headship-coaching-offer',
      'Early headship coaching offer (EHCO)',
      'EHCO',
      'ehco',
      true,
      '0222d1a8-a8e1-42e3-a040-2c585f6c194a',
    ],
    [
      11,
      'npq-additional-support-offer',
      'Additional support offer for new headteachers (ASO)',
      'ASO',
      'support',
      false,
      '7fbefdd4-dd2d-4a4f-8995-d59e525124b7',
    ],
  ];

  it('has 12 courses ordered by position', () => {
    expect(COURSES).toHaveLength(12);
    expect(COURSES.map((c) => c.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it.each(table)(
    'position %i is %s (%s, %s, %s)',
    (position, identifier, name, shortCode, group, display, ecfId) => {
      const course = courseByIdentifier(identifier);
      expect(course).toMatchObject({
        position,
        identifier,
        name,
        shortCode,
        courseGroup: group,
        display,
        ecfId,
      });
      expect(COURSES[position]).toBe(course);
      expect(courseGroupOf(identifier)).toBe(group);
    },
  );

  it('has unique short codes and ecf ids', () => {
    expect(new Set(COURSES.map((c) => c.shortCode)).size).toBe(12);
    expect(new Set(COURSES.map((c) => c.ecfId)).size).toBe(12);
  });

  it('has descriptions only for NPQLT, NPQLTD, EHCO and ASO', () => {
    expect(COURSES.filter((c) => c.description !== null).map((c) => c.shortCode)).toEqual([
      'NPQLT',
      'NPQLTD',
      'EHCO',
      'ASO',
    ]);
    expect(courseByIdentifier('npq-early-headship-coaching-offer')?.description).toBe(
      'Networking and support if you\u2019re in your first 5 years of headship',
    );
  });

  it('puts npq-senco in leadership', () => {
    expect(courseByIdentifier('npq-senco')?.courseGroup).toBe('leadership');
  });
});

describe('lookups and guards', () => {
  it('returns undefined for unknown identifiers', () => {
    expect(courseByIdentifier('npq-unknown')).toBeUndefined();
    expect(courseByIdentifier('NPQ-HEADSHIP')).toBeUndefined();
    expect(courseByIdentifier('')).toBeUndefined();
  });

  it.each([
    ['npq-headship', true],
    ['npq-senco', true],
    ['npq-additional-support-offer', true],
    ['npq-headship ', false],
    ['NPQH', false],
    [null, false],
    [undefined, false],
    [42, false],
    [{}, false],
  ])('isCourseIdentifier(%p) is %p', (value, expected) => {
    expect(isCourseIdentifier(value)).toBe(expected);
  });

  it('courseGroupOf throws for an unknown identifier', () => {
    expect(() => courseGroupOf('npq-nope' as CourseIdentifier)).toThrow(RangeError);
  });
});

describe('coursesInGroup', () => {
  it.each([
    [
      'leadership',
      [
        'npq-early-years-leadership',
        'npq-executive-leadership',
        'npq-headship',
        'npq-senior-leadership',
        'npq-senco',
      ],
    ],
    [
      'specialist',
      [
        'npq-leading-behaviour-culture',
        'npq-leading-literacy',
        'npq-leading-primary-mathematics',
        'npq-leading-teaching',
        'npq-leading-teaching-development',
      ],
    ],
    ['support', ['npq-additional-support-offer']],
    ['ehco', ['npq-early-headship-coaching-offer']],
  ] as const)('%s', (group, identifiers) => {
    expect(coursesInGroup(group).map((c) => c.identifier)).toEqual(identifiers);
  });
});

describe('rebrandedAlternatives', () => {
  it.each(['npq-additional-support-offer', 'npq-early-headship-coaching-offer'] as const)(
    '%s returns ASO and EHCO',
    (id) => {
      expect(rebrandedAlternatives(id)).toEqual([
        'npq-additional-support-offer',
        'npq-early-headship-coaching-offer',
      ]);
    },
  );

  it.each(
    COURSE_IDENTIFIERS.filter(
      (id) => id !== 'npq-additional-support-offer' && id !== 'npq-early-headship-coaching-offer',
    ),
  )('%s returns only itself', (id) => {
    expect(rebrandedAlternatives(id)).toEqual([id]);
  });
});

describe('outcomes and uplift', () => {
  it('OUTCOME_COURSE_IDENTIFIERS is IDENTIFIERS minus ASO and EHCO, in order', () => {
    expect(OUTCOME_COURSE_IDENTIFIERS).toEqual([
      'npq-senior-leadership',
      'npq-headship',
      'npq-executive-leadership',
      'npq-early-years-leadership',
      'npq-leading-teaching',
      'npq-leading-behaviour-culture',
      'npq-leading-teaching-development',
      'npq-leading-literacy',
      'npq-leading-primary-mathematics',
      'npq-senco',
    ]);
  });

  it.each(COURSE_IDENTIFIERS.map((id) => [id, OUTCOME_COURSE_IDENTIFIERS.includes(id as never)] as const))(
    'hasOutcomes(%s) is %p (leadership or specialist)',
    (id, expected) => {
      expect(hasOutcomes(id)).toBe(expected);
      const group = courseByIdentifier(id)?.courseGroup;
      expect(hasOutcomes(id)).toBe(group === 'leadership' || group === 'specialist');
    },
  );

  it('hasOutcomes is false for unknown identifiers', () => {
    expect(hasOutcomes('npq-unknown')).toBe(false);
  });

  it('UPLIFT_INELIGIBLE_COURSES is ASO and EHCO', () => {
    expect(UPLIFT_INELIGIBLE_COURSES).toEqual([
      'npq-additional-support-offer',
      'npq-early-headship-coaching-offer',
    ]);
  });

  it('funding-eligibility lists', () => {
    expect(ONLY_PP50_COURSES).toEqual([
      'npq-leading-primary-mathematics',
      'npq-leading-behaviour-culture',
      'npq-leading-literacy',
      'npq-leading-teaching',
      'npq-leading-teaching-development',
      'npq-executive-leadership',
    ]);
    expect(LA_NURSERY_APPROVED_COURSES).toEqual(['npq-senco', 'npq-headship', 'npq-senior-leadership']);
  });
});
