import { fundedPlaceAfterMove } from '../src/enrolments/rules';
import { completionDateOf, isRepeat } from '../src/outcomes/rules';
import type { OutcomeView } from '../src/outcomes/repository';

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

describe('outcome de-duplication', () => {
  const latest = (state: OutcomeView['state'], completionDate: string) =>
    ({ state, completionDate }) as OutcomeView;

  it('a pass over a pass is a repeat whatever the date; otherwise state and date must match', () => {
    expect(isRepeat(null, 'passed', '2026-01-01')).toBe(false);
    expect(isRepeat(latest('passed', '2026-01-01'), 'passed', '2026-02-01')).toBe(true);
    expect(isRepeat(latest('failed', '2026-01-01'), 'failed', '2026-01-01')).toBe(true);
    expect(isRepeat(latest('failed', '2026-01-01'), 'failed', '2026-02-01')).toBe(false);
    expect(isRepeat(latest('passed', '2026-01-01'), 'failed', '2026-01-01')).toBe(false);
    expect(isRepeat(latest('voided', '2026-01-01'), 'passed', '2026-01-01')).toBe(false);
  });
});
