import {
  addCalendarDays,
  addCalendarMonths,
  addCalendarYears,
  assertIsoCalendarDate,
  calendarDate,
  daysInMonth,
  isCalendarDateWithin,
  isIsoCalendarDate,
  MONTH_NAMES,
  monthName,
  startOfCalendarMonth,
} from '../src/reference';

describe('calendar dates', () => {
  it.each([
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['2025-04-31', false],
    ['2025-12-31', true],
    ['2025-00-10', false],
    ['2025-1-01', false],
    ['2025-01-01T00:00:00Z', false],
    [' 2025-01-01', false],
    [20250101, false],
    [null, false],
  ])('isIsoCalendarDate(%p) is %p', (value, expected) => {
    expect(isIsoCalendarDate(value)).toBe(expected);
  });

  it('assertIsoCalendarDate throws a RangeError with the label', () => {
    expect(() => assertIsoCalendarDate('nope', 'declaration_date')).toThrow(/declaration_date/);
  });

  it.each([
    [2024, 2, 29],
    [2025, 2, 28],
    [2100, 2, 28],
    [2000, 2, 29],
    [2025, 12, 31],
    [2025, 4, 30],
  ])('daysInMonth(%i, %i) is %i', (y, m, d) => {
    expect(daysInMonth(y, m)).toBe(d);
  });

  it.each([
    ['2025-03-01', -6, '2025-02-23'],
    ['2024-03-01', -6, '2024-02-24'],
    ['2025-12-31', 1, '2026-01-01'],
    ['2025-03-30', 1, '2025-03-31'], // UK DST change day is irrelevant
    ['2025-10-26', 1, '2025-10-27'],
  ])('addCalendarDays(%s, %i) is %s', (date, days, expected) => {
    expect(addCalendarDays(date, days)).toBe(expected);
  });

  it.each([
    ['2025-01-31', 1, '2025-02-28'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2025-02-23', 1, '2025-03-23'],
    ['2025-03-01', -2, '2025-01-01'],
    ['2025-01-15', -13, '2023-12-15'],
    ['2025-11-30', 3, '2026-02-28'],
  ])('addCalendarMonths(%s, %i) is %s (day clamped like Ruby)', (date, months, expected) => {
    expect(addCalendarMonths(date, months)).toBe(expected);
  });

  it('addCalendarYears clamps Feb 29', () => {
    expect(addCalendarYears('2024-02-29', 1)).toBe('2025-02-28');
    expect(addCalendarYears('2025-04-03', 2)).toBe('2027-04-03');
  });

  it('helpers', () => {
    expect(calendarDate(2025, 4, 3)).toBe('2025-04-03');
    expect(startOfCalendarMonth('2025-04-03')).toBe('2025-04-01');
    expect(isCalendarDateWithin('2025-06-06', '2024-06-28', '2025-06-06')).toBe(true);
    expect(isCalendarDateWithin('2025-06-07', '2024-06-28', '2025-06-06')).toBe(false);
    expect(isCalendarDateWithin('2024-06-28', '2024-06-28', '2025-06-06')).toBe(true);
  });

  it('does not depend on the host time zone', () => {
    const original = process.env.TZ;
    try {
      for (const tz of ['Pacific/Kiritimati', 'America/Los_Angeles', 'Europe/London', 'UTC']) {
        process.env.TZ = tz;
        expect(addCalendarDays('2025-03-30', 1)).toBe('2025-03-31');
        expect(addCalendarDays('2025-01-01', -1)).toBe('2024-12-31');
        expect(addCalendarMonths('2025-10-26', 1)).toBe('2025-11-26');
        expect(isIsoCalendarDate('2024-02-29')).toBe(true);
      }
    } finally {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    }
  });
});

describe('month names', () => {
  it('names months 1-12 as the API writes a statement month, and refuses anything else', () => {
    expect(MONTH_NAMES).toHaveLength(12);
    expect(monthName(1)).toBe('January');
    expect(monthName(12)).toBe('December');
    expect(() => monthName(0)).toThrow(RangeError);
    expect(() => monthName(13)).toThrow(RangeError);
  });
});
