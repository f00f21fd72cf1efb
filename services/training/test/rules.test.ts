import { cohortByIdentifier, findSchedule, type Cohort, type Schedule } from '@npq/contracts';
import { ValidationErrors } from '@npq/service-kit';
import {
  checkDefer,
  checkResume,
  checkScheduleChange,
  checkWithdraw,
  fundedPlaceAfterMove,
  MESSAGES,
  present,
  targetStartYear,
  type ScheduleChange,
  type StatusFacts,
} from '../src/enrolments/rules';
import {
  carriesOutcome,
  checkOutcomeAttributes,
  completionDateOf,
  isRepeat,
  OUTCOME_MESSAGES,
  outcomeStateFromDeclaration,
} from '../src/outcomes/rules';

const messages = (check: (errors: ValidationErrors) => void) => {
  const errors = new ValidationErrors();
  check(errors);
  return errors.items().map((i) => `${i.title}: ${i.detail}`);
};

const facts = (overrides: Partial<StatusFacts> = {}): StatusFacts => ({
  trainingStatus: 'active',
  hasDeclarations: true,
  hasStartedDeclaration: true,
  ...overrides,
});

describe('defer, resume and withdraw', () => {
  it('defer needs a deferral reason, an active enrolment and a declaration', () => {
    expect(messages((e) => checkDefer(e, 'bereavement', facts()))).toEqual([]);
    expect(messages((e) => checkDefer(e, 'bored', facts()))).toEqual([`reason: ${MESSAGES.invalidReason}`]);
    expect(messages((e) => checkDefer(e, 'bereavement', facts({ trainingStatus: 'deferred' })))).toEqual([
      `participant_id: ${MESSAGES.alreadyDeferred}`,
    ]);
    expect(
      messages((e) => checkDefer(e, 'bored', facts({ trainingStatus: 'withdrawn', hasDeclarations: false }))),
    ).toEqual([
      `reason: ${MESSAGES.invalidReason}`,
      `participant_id: ${MESSAGES.alreadyWithdrawn}`,
      `participant_id: ${MESSAGES.noDeclarations}`,
    ]);
    // Without an application only the reason is checked (the missing application was reported already).
    expect(messages((e) => checkDefer(e, 'bereavement', null))).toEqual([]);
  });

  it('resume refuses only an active enrolment', () => {
    expect(messages((e) => checkResume(e, facts()))).toEqual([`participant_id: ${MESSAGES.alreadyActive}`]);
    expect(messages((e) => checkResume(e, facts({ trainingStatus: 'deferred' })))).toEqual([]);
    expect(messages((e) => checkResume(e, facts({ trainingStatus: 'withdrawn' })))).toEqual([]);
  });

  it('withdraw asks for a started declaration only when everything else passed', () => {
    expect(messages((e) => checkWithdraw(e, 'other', facts()))).toEqual([]);
    expect(messages((e) => checkWithdraw(e, 'other', facts({ hasStartedDeclaration: false })))).toEqual([
      `participant_id: ${MESSAGES.noStartedDeclarations}`,
    ]);
    expect(messages((e) => checkWithdraw(e, 'nope', facts({ hasStartedDeclaration: false })))).toEqual([
      `reason: ${MESSAGES.invalidReason}`,
    ]);
    expect(
      messages((e) =>
        checkWithdraw(e, 'other', facts({ trainingStatus: 'withdrawn', hasStartedDeclaration: false })),
      ),
    ).toEqual([`participant_id: ${MESSAGES.alreadyWithdrawn}`]);
  });

  it("present? is Ruby's", () => {
    for (const blank of [undefined, null, '', '  ', false]) expect(present(blank)).toBe(false);
    for (const value of ['x', 0, true, [], {}]) expect(present(value)).toBe(true);
  });
});

describe('change-schedule', () => {
  const cohort = (identifier: string): Cohort => cohortByIdentifier(identifier)!;
  const schedule = (cohortIdentifier: string, identifier: string): Schedule =>
    findSchedule(cohortIdentifier, identifier)!;
  const change = (overrides: Partial<ScheduleChange> = {}): ScheduleChange => ({
    scheduleIdentifier: 'npq-leadership-spring',
    courseIdentifier: 'npq-senior-leadership',
    newSchedule: schedule('2025a', 'npq-leadership-spring'),
    targetCohort: cohort('2025a'),
    enrolment: {
      trainingStatus: 'active',
      courseIdentifier: 'npq-senior-leadership',
      current: schedule('2025a', 'npq-leadership-autumn'),
      cohort: cohort('2025a'),
    },
    liveDeclarations: [],
    ...overrides,
  });

  it('takes the start year from the cohort attribute, else the current schedule, else today', () => {
    expect(targetStartYear('2024', null, '2026-01-01')).toBe(2024);
    expect(targetStartYear(2023, null, '2026-01-01')).toBe(2023);
    for (const unusable of ['', 'abc', 2023.5, {}])
      expect(targetStartYear(unusable, null, '2026-01-01')).toBeUndefined();
    expect(
      targetStartYear(
        null,
        { scheduleIdentifier: 'npq-leadership-autumn', cohortIdentifier: '2024a' },
        '2026-01-01',
      ),
    ).toBe(2024);
    expect(
      targetStartYear(false, { scheduleIdentifier: null, cohortIdentifier: '2024a' }, '2025-10-01'),
    ).toBe(2025);
  });

  it('accepts a move to another schedule of the course in the same cohort', () => {
    expect(messages((e) => checkScheduleChange(e, change()))).toEqual([]);
  });

  it('needs a schedule that exists, then a contract, and refuses a withdrawn participant', () => {
    expect(
      messages((e) => checkScheduleChange(e, change({ scheduleIdentifier: '', newSchedule: undefined }))),
    ).toEqual([`schedule_identifier: ${MESSAGES.scheduleBlank}`]);
    expect(
      messages((e) =>
        checkScheduleChange(
          e,
          change({ enrolment: { ...change().enrolment!, trainingStatus: 'withdrawn' } }),
        ),
      ),
    ).toEqual([`participant_id: ${MESSAGES.alreadyWithdrawn}`]);
  });

  it('refuses the schedule it already has, and one of another course group', () => {
    const current = schedule('2025a', 'npq-leadership-spring');
    expect(
      messages((e) => checkScheduleChange(e, change({ enrolment: { ...change().enrolment!, current } }))),
    ).toEqual([`schedule_identifier: ${MESSAGES.scheduleUnchanged}`]);
    const specialist = schedule('2025a', 'npq-specialist-spring');
    expect(
      messages((e) =>
        checkScheduleChange(
          e,
          change({ scheduleIdentifier: specialist.identifier, newSchedule: specialist }),
        ),
      ),
    ).toEqual([`schedule_identifier: ${MESSAGES.scheduleInvalidForCourse}`]);
  });

  it('refuses to invalidate a live declaration: one dated on or before the new start', () => {
    const newSchedule = schedule('2025a', 'npq-leadership-spring');
    const atStart = new Date(`${newSchedule.appliesFrom}T00:00:00Z`);
    expect(
      messages((e) =>
        checkScheduleChange(
          e,
          change({ liveDeclarations: [{ declarationType: 'started', declarationDate: atStart }] }),
        ),
      ),
    ).toEqual([`schedule_identifier: ${MESSAGES.invalidatesDeclaration}`]);
    const after = new Date(atStart.getTime() + 1000);
    expect(
      messages((e) =>
        checkScheduleChange(
          e,
          change({ liveDeclarations: [{ declarationType: 'started', declarationDate: after }] }),
        ),
      ),
    ).toEqual([]);
  });

  it('refuses a cohort change with live declarations, and capped → full or zero → funded moves', () => {
    const newSchedule = schedule('2025b', 'npq-leadership-spring');
    const late = new Date('2030-01-01T00:00:00Z');
    expect(
      messages((e) =>
        checkScheduleChange(
          e,
          change({
            newSchedule,
            targetCohort: cohort('2025b'),
            liveDeclarations: [{ declarationType: 'started', declarationDate: late }],
          }),
        ),
      ),
    ).toEqual([`cohort: ${MESSAGES.cohortWithDeclarations}`]);
    const capped = { ...change().enrolment!, cohort: cohort('2025a') };
    expect(
      messages((e) =>
        checkScheduleChange(
          e,
          change({ targetCohort: cohort('2023a'), newSchedule: undefined, enrolment: capped }),
        ),
      ),
    ).toContain(`cohort: ${MESSAGES.cohortCappedToFull}`);
    const zero = { ...change().enrolment!, cohort: cohort('2026a') };
    expect(messages((e) => checkScheduleChange(e, change({ enrolment: zero })))).toContain(
      `cohort: ${MESSAGES.cohortZeroToFunded}`,
    );
  });
});

describe('change-schedule funded place', () => {
  it('full → capped takes the raw eligibility', () => {
    expect(fundedPlaceAfterMove('full', 'capped', null, true)).toBe(true);
    expect(fundedPlaceAfterMove('full', 'capped', null, false)).toBe(false);
  });

  it('→ zero is always false (unreachable through the API with the seed cohorts: 2026b shadows 2026a)', () => {
    expect(fundedPlaceAfterMove('capped', 'zero', true, true)).toBe(false);
    expect(fundedPlaceAfterMove('full', 'zero', null, true)).toBe(false);
  });

  it('otherwise keeps the funded place', () => {
    expect(fundedPlaceAfterMove('capped', 'capped', false, true)).toBe(false);
    expect(fundedPlaceAfterMove('capped', 'capped', true, true)).toBe(true);
    expect(fundedPlaceAfterMove('full', 'full', null, true)).toBeNull();
  });
});

describe('outcome completion date', () => {
  it("takes the first yyyy-mm-dd in the value (DfE's unanchored check)", () => {
    expect(completionDateOf('2021-05-31')).toBe('2021-05-31');
    expect(completionDateOf('2021-05-31T00:00:00+00:00')).toBe('2021-05-31');
    expect(completionDateOf('on 2021-05-31')).toBe('2021-05-31');
  });

  it('refuses impossible calendar dates and anything without a date', () => {
    for (const value of [
      '2021-02-30',
      '2021-13-01',
      '2021-00-01',
      '31/05/2021',
      '',
      null,
      undefined,
      20210531,
      true,
    ]) {
      expect(completionDateOf(value)).toBeNull();
    }
    expect(completionDateOf('2024-02-29')).toBe('2024-02-29');
  });
});

describe('outcome attributes', () => {
  it('checks course, state and date in order, every failure reported', () => {
    expect(
      messages((e) =>
        checkOutcomeAttributes(e, { courseIdentifier: '', state: null, completionDate: undefined }),
      ),
    ).toEqual([
      `course_identifier: ${OUTCOME_MESSAGES.courseInclusion}`,
      `course_identifier: ${OUTCOME_MESSAGES.courseBlank}`,
      `state: ${OUTCOME_MESSAGES.stateInclusion}`,
      `state: ${OUTCOME_MESSAGES.stateBlank}`,
      `completion_date: ${OUTCOME_MESSAGES.completionDateBlank}`,
      `completion_date: ${OUTCOME_MESSAGES.completionDateFormat}`,
    ]);
  });

  it('accepts passed or failed on a course with outcomes, and returns the date it names', () => {
    const errors = new ValidationErrors();
    expect(
      checkOutcomeAttributes(errors, {
        courseIdentifier: 'npq-headship',
        state: 'failed',
        completionDate: '2026-01-02T10:00:00Z',
      }),
    ).toBe('2026-01-02');
    expect(errors.any()).toBe(false);
    expect(
      messages((e) =>
        checkOutcomeAttributes(e, {
          courseIdentifier: 'npq-early-headship-coaching-offer',
          state: 'voided',
          completionDate: '2026-01-02',
        }),
      ),
    ).toEqual([
      `course_identifier: ${OUTCOME_MESSAGES.courseInclusion}`,
      `state: ${OUTCOME_MESSAGES.stateInclusion}`,
    ]);
  });
});

describe('outcomes from declarations', () => {
  it('only completed declarations of courses with outcomes carry one', () => {
    expect(carriesOutcome({ declarationType: 'completed', courseIdentifier: 'npq-headship' })).toBe(true);
    expect(carriesOutcome({ declarationType: 'started', courseIdentifier: 'npq-headship' })).toBe(false);
    expect(
      carriesOutcome({ declarationType: 'completed', courseIdentifier: 'npq-early-headship-coaching-offer' }),
    ).toBe(false);
  });

  it('has_passed names the state; without it nothing is recorded', () => {
    expect(outcomeStateFromDeclaration(true)).toBe('passed');
    expect(outcomeStateFromDeclaration(false)).toBe('failed');
    expect(outcomeStateFromDeclaration(null)).toBeNull();
  });
});

describe('outcome de-duplication', () => {
  const latest = (state: 'passed' | 'failed' | 'voided', completionDate: string) => ({
    state,
    completionDate,
  });

  it('a pass over a pass is a repeat whatever the date; otherwise state and date must match', () => {
    expect(isRepeat(null, 'passed', '2026-01-01')).toBe(false);
    expect(isRepeat(latest('passed', '2026-01-01'), 'passed', '2026-02-01')).toBe(true);
    expect(isRepeat(latest('failed', '2026-01-01'), 'failed', '2026-01-01')).toBe(true);
    expect(isRepeat(latest('failed', '2026-01-01'), 'failed', '2026-02-01')).toBe(false);
    expect(isRepeat(latest('passed', '2026-01-01'), 'failed', '2026-01-01')).toBe(false);
    expect(isRepeat(latest('voided', '2026-01-01'), 'passed', '2026-01-01')).toBe(false);
  });
});
