import {
  COHORT_IDENTIFIERS,
  COURSE_IDENTIFIERS,
  COURSE_OFFERINGS,
  LEAD_PROVIDER_IDS,
  LEAD_PROVIDERS,
  REMOVED_LEAD_PROVIDERS,
  courseOfferingsForCohort,
  isLeadProviderId,
  leadProviderById,
  leadProviderByName,
  leadProvidersOffering,
  offersCourse,
} from '../src/reference';

describe('LEAD_PROVIDERS', () => {
  const table = [
    ['Ambition Institute', '9e35e998-c63b-4136-89c4-e9e18ddde0ea'],
    ['Best Practice Network', '57ba9e86-559f-4ff4-a6d2-4610c7259b67'],
    ['Church of England', '79cb41ca-cb6d-405c-b52c-b6f7c752388d'],
    ['LLSE', '230e67c0-071a-4a48-9673-9d043d456281'],
    ['National Institute of Teaching', '3ec607f2-7a3a-421f-9f1a-9aca8a634aeb'],
    ['School-Led Network', 'bc5e4e37-1d64-4149-a06b-ad10d3c55fd0'],
    ['Teach First', 'a02ae582-f939-462f-90bc-cebf20fa8473'],
    ['UCL Institute of Education', 'ef687b3d-c1c0-4566-a295-16d6fa5d0fa7'],
  ] as const;

  it('lists the 8 current providers', () => {
    expect(LEAD_PROVIDERS.map((lp) => [lp.name, lp.id])).toEqual(table);
  });

  it.each(table)('%s has id %s', (name, id) => {
    expect(leadProviderById(id)).toEqual({ id, name });
    expect(leadProviderByName(name)).toEqual({ id, name });
    expect(isLeadProviderId(id)).toBe(true);
  });

  it('LEAD_PROVIDER_IDS names each provider id once', () => {
    expect(Object.values(LEAD_PROVIDER_IDS).sort()).toEqual(LEAD_PROVIDERS.map((lp) => lp.id).sort());
  });

  it('does not treat the removed Teacher Development Trust as current', () => {
    const tdt = REMOVED_LEAD_PROVIDERS[0].id;
    expect(tdt).toBe('30fd937e-b93c-4f81-8fff-3c27544193f1');
    expect(leadProviderById(tdt)).toBeUndefined();
    expect(isLeadProviderId(tdt)).toBe(false);
  });

  it('lookups are exact', () => {
    expect(leadProviderById('9E35E998-C63B-4136-89C4-E9E18DDDE0EA')).toBeUndefined();
    expect(leadProviderByName('Leadership Learning South East (LLSE)')).toBeUndefined();
    expect(leadProviderByName('University College London (UCL) Institute of Education')).toBeUndefined();
  });
});

const P = LEAD_PROVIDER_IDS;
const SEVEN = [P.ambition, P.bestPracticeNetwork, P.churchOfEngland, P.llse, P.niot, P.teachFirst, P.ucl];

describe('default course offering', () => {
  const defaults = [
    ['npq-headship', SEVEN],
    ['npq-senior-leadership', SEVEN],
    ['npq-leading-teaching', SEVEN],
    ['npq-leading-teaching-development', SEVEN],
    ['npq-leading-behaviour-culture', SEVEN],
    ['npq-early-headship-coaching-offer', SEVEN],
    ['npq-executive-leadership', SEVEN],
    ['npq-early-years-leadership', [P.ambition, P.niot, P.teachFirst, P.ucl]],
    ['npq-leading-literacy', [P.ambition, P.niot, P.teachFirst, P.ucl]],
    ['npq-leading-primary-mathematics', [P.ambition, P.churchOfEngland, P.llse, P.niot, P.teachFirst, P.ucl]],
    ['npq-senco', [P.ambition, P.bestPracticeNetwork, P.churchOfEngland, P.niot, P.teachFirst, P.ucl]],
    ['npq-additional-support-offer', []],
  ] as const;

  it('covers every course', () => {
    expect(Object.keys(COURSE_OFFERINGS.default).sort()).toEqual([...COURSE_IDENTIFIERS].sort());
  });

  it.each(defaults)('%s', (course, providers) => {
    expect([...COURSE_OFFERINGS.default[course]].sort()).toEqual([...providers].sort());
    for (const cohort of COHORT_IDENTIFIERS.filter((c) => c !== '2026a')) {
      expect(
        leadProvidersOffering(course, cohort)
          .map((lp) => lp.id)
          .sort(),
      ).toEqual([...providers].sort());
      for (const lp of LEAD_PROVIDERS) {
        expect(offersCourse(lp.id, course, cohort)).toBe((providers as readonly string[]).includes(lp.id));
      }
    }
  });

  it('School-Led Network offers nothing', () => {
    for (const cohort of COHORT_IDENTIFIERS) {
      for (const course of COURSE_IDENTIFIERS) {
        expect(offersCourse(P.schoolLedNetwork, course, cohort)).toBe(false);
      }
    }
  });
});

describe('2026a override', () => {
  const overrides = [
    ['npq-headship', [P.bestPracticeNetwork, P.llse]],
    ['npq-senior-leadership', [P.bestPracticeNetwork, P.llse]],
    ['npq-leading-teaching', [P.bestPracticeNetwork, P.llse]],
    ['npq-leading-teaching-development', [P.bestPracticeNetwork, P.llse]],
    ['npq-leading-behaviour-culture', [P.bestPracticeNetwork, P.llse]],
    ['npq-early-headship-coaching-offer', [P.bestPracticeNetwork, P.llse]],
    ['npq-executive-leadership', [P.bestPracticeNetwork, P.llse]],
    ['npq-leading-primary-mathematics', [P.llse]],
    ['npq-senco', [P.bestPracticeNetwork]],
    ['npq-early-years-leadership', []],
    ['npq-leading-literacy', []],
    ['npq-additional-support-offer', []],
  ] as const;

  it.each(overrides)('%s', (course, providers) => {
    expect(
      leadProvidersOffering(course, '2026a')
        .map((lp) => lp.id)
        .sort(),
    ).toEqual([...providers].sort());
    for (const lp of LEAD_PROVIDERS) {
      expect(offersCourse(lp.id, course, '2026a')).toBe((providers as readonly string[]).includes(lp.id));
    }
  });

  it('Ambition offers headship in 2026b but not 2026a', () => {
    expect(offersCourse(P.ambition, 'npq-headship', '2026b')).toBe(true);
    expect(offersCourse(P.ambition, 'npq-headship', '2026a')).toBe(false);
  });
});

describe('unknown inputs', () => {
  it('offersCourse is false for unknown provider, course or cohort', () => {
    expect(offersCourse('00000000-0000-0000-0000-000000000000', 'npq-headship', '2025a')).toBe(false);
    expect(offersCourse(P.ambition, 'npq-bogus', '2025a')).toBe(false);
    expect(offersCourse(P.ambition, 'npq-headship', '2027a')).toBe(false);
    expect(courseOfferingsForCohort('2027a')).toBeUndefined();
    expect(leadProvidersOffering('npq-headship', '2027a')).toEqual([]);
  });
});
