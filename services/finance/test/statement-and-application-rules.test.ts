import {
  cohortOrFail,
  insideCatchment,
  isFundable,
  isNewerSnapshot,
  keepsPlacement,
} from '../src/applications/rules';
import { AUTHORISE_MESSAGES, authoriseErrors, isDueForCutoff } from '../src/statements/rules';

describe('authorising payment (docs/domain.md#authorising-payment)', () => {
  const payable = {
    outputFee: true,
    state: 'payable' as const,
    deadlineDate: '2025-05-31',
    markedAsPaidAt: null,
  };
  const details = (s: Parameters<typeof authoriseErrors>[0], today = '2025-06-05') =>
    authoriseErrors(s, today)
      .items()
      .map((i) => i.detail);

  it('a payable output-fee statement past its cut-off, not yet authorised: no errors', () => {
    expect(details(payable)).toEqual([]);
  });

  it('reports every failing check together, in order', () => {
    expect(details({ ...payable, outputFee: false, state: 'open', deadlineDate: '2025-06-05' })).toEqual([
      AUTHORISE_MESSAGES.notOutputFee,
      AUTHORISE_MESSAGES.notPayable,
      AUTHORISE_MESSAGES.cutOffNotPassed,
    ]);
    expect(details({ ...payable, markedAsPaidAt: new Date() })).toEqual([
      AUTHORISE_MESSAGES.alreadyAuthorised,
    ]);
  });

  it('a paid statement is only "already paid"', () => {
    expect(
      details({ ...payable, state: 'paid', markedAsPaidAt: new Date(), deadlineDate: '2025-07-01' }),
    ).toEqual([AUTHORISE_MESSAGES.alreadyPaid]);
  });

  it('the cut-off day itself is not past', () => {
    expect(details(payable, '2025-05-31')).toEqual([AUTHORISE_MESSAGES.cutOffNotPassed]);
  });
});

describe('the cut-off (docs/domain.md#the-cut-off)', () => {
  it('an open statement is due the day after its cut-off date, never on it', () => {
    expect(isDueForCutoff({ state: 'open', deadlineDate: '2025-05-31' }, '2025-05-31')).toBe(false);
    expect(isDueForCutoff({ state: 'open', deadlineDate: '2025-05-31' }, '2025-06-01')).toBe(true);
    expect(isDueForCutoff({ state: 'payable', deadlineDate: '2025-05-31' }, '2025-06-01')).toBe(false);
  });
});

describe('funding of a declaration (docs/domain.md#funding-of-a-declaration)', () => {
  it('fundable: eligible, not previously funded, funded place not false (unknown counts as funded)', () => {
    expect(isFundable({ previouslyFunded: false, eligibleForFunding: true, fundedPlace: null })).toBe(true);
    expect(isFundable({ previouslyFunded: false, eligibleForFunding: true, fundedPlace: true })).toBe(true);
    expect(isFundable({ previouslyFunded: false, eligibleForFunding: true, fundedPlace: false })).toBe(false);
    expect(isFundable({ previouslyFunded: true, eligibleForFunding: true, fundedPlace: true })).toBe(false);
    expect(isFundable({ previouslyFunded: false, eligibleForFunding: false, fundedPlace: true })).toBe(false);
  });

  it('inside England: catchment england, or before 2024 a school URN starting with 1', () => {
    expect(insideCatchment({ teacherCatchment: 'england', cohortStartYear: 2025, schoolUrn: null })).toBe(
      true,
    );
    expect(insideCatchment({ teacherCatchment: 'another', cohortStartYear: 2023, schoolUrn: '100001' })).toBe(
      true,
    );
    expect(insideCatchment({ teacherCatchment: 'another', cohortStartYear: 2024, schoolUrn: '100001' })).toBe(
      false,
    );
    expect(
      insideCatchment({ teacherCatchment: 'scotland', cohortStartYear: 2022, schoolUrn: '200001' }),
    ).toBe(false);
    expect(insideCatchment({ teacherCatchment: null, cohortStartYear: 2022, schoolUrn: null })).toBe(false);
  });
});

describe('what finance keeps (docs/domain.md#what-finance-keeps)', () => {
  it('applies only a newer application snapshot', () => {
    expect(isNewerSnapshot(null, 1)).toBe(true);
    expect(isNewerSnapshot({ version: 3 }, 4)).toBe(true);
    expect(isNewerSnapshot({ version: 3 }, 3)).toBe(false);
    expect(isNewerSnapshot({ version: 3 }, 2)).toBe(false);
  });

  it('keeps the enrolment placement against an older snapshot only', () => {
    const changed = new Date('2025-06-01T10:00:00Z');
    expect(keepsPlacement({ placementChangedAt: null }, new Date('2025-01-01T00:00:00Z'))).toBe(false);
    expect(keepsPlacement({ placementChangedAt: changed }, new Date('2025-05-01T00:00:00Z'))).toBe(true);
    expect(keepsPlacement({ placementChangedAt: changed }, changed)).toBe(false);
    expect(keepsPlacement({ placementChangedAt: changed }, new Date('2025-07-01T00:00:00Z'))).toBe(false);
  });

  it('knows every cohort it stores, and refuses any other', () => {
    expect(cohortOrFail('2025a').startYear).toBe(2025);
    expect(() => cohortOrFail('1999z')).toThrow('unknown cohort 1999z');
  });
});
