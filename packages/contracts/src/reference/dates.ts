/**
 * Pure calendar-date helpers for `YYYY-MM-DD` strings.
 *
 * Every calculation goes through `Date.UTC`, so the result never depends on the host's time zone.
 * ISO calendar dates compare correctly as plain strings (`a < b`).
 */

/** A calendar date written `YYYY-MM-DD`. A plain string alias: use {@link isIsoCalendarDate} to check one. */
export type IsoCalendarDate = string;

const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD` (rejects `2025-02-29`, `2025-13-01`, timestamps). */
export function isIsoCalendarDate(value: unknown): value is IsoCalendarDate {
  if (typeof value !== 'string') return false;
  const match = ISO_DATE_PATTERN.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Throws a RangeError unless `value` is a valid `YYYY-MM-DD` calendar date. */
export function assertIsoCalendarDate(value: unknown, label = 'date'): asserts value is IsoCalendarDate {
  if (!isIsoCalendarDate(value)) {
    throw new RangeError(`${label} must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
}

/** Number of days in `month` (1–12) of `year` (proleptic Gregorian). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Formats year/month/day (month 1–12) as `YYYY-MM-DD`. Does not normalise out-of-range parts. */
export function calendarDate(year: number, month: number, day: number): IsoCalendarDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Splits a `YYYY-MM-DD` date into numeric parts (month 1–12). */
export function calendarDateParts(date: IsoCalendarDate): { year: number; month: number; day: number } {
  assertIsoCalendarDate(date);
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

function fromUtc(ms: number): IsoCalendarDate {
  const d = new Date(ms);
  return calendarDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** `date` plus `days` (may be negative). */
export function addCalendarDays(date: IsoCalendarDate, days: number): IsoCalendarDate {
  const { year, month, day } = calendarDateParts(date);
  return fromUtc(Date.UTC(year, month - 1, day + days));
}

/**
 * `date` plus `months` (may be negative) with Ruby/ActiveSupport semantics: the day is clamped to the
 * last day of the target month (`2025-01-31` + 1 month = `2025-02-28`).
 */
export function addCalendarMonths(date: IsoCalendarDate, months: number): IsoCalendarDate {
  const { year, month, day } = calendarDateParts(date);
  const monthIndex = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(monthIndex / 12);
  const targetMonth = monthIndex - targetYear * 12 + 1;
  return calendarDate(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
}

/** `date` plus `years`, clamping Feb 29 to Feb 28 in non-leap years (Ruby `date + n.years`). */
export function addCalendarYears(date: IsoCalendarDate, years: number): IsoCalendarDate {
  return addCalendarMonths(date, years * 12);
}

/** The first day of `date`'s month. */
export function startOfCalendarMonth(date: IsoCalendarDate): IsoCalendarDate {
  assertIsoCalendarDate(date);
  return `${date.slice(0, 8)}01`;
}

/** True when `from <= date <= to` (all inclusive). */
export function isCalendarDateWithin(
  date: IsoCalendarDate,
  from: IsoCalendarDate,
  to: IsoCalendarDate,
): boolean {
  return date >= from && date <= to;
}

/** Month names as the API writes a statement's `month` ("January" … "December"). */
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

export type MonthName = (typeof MONTH_NAMES)[number];

/** The name of `month` (1–12); a RangeError for anything else. */
export function monthName(month: number): MonthName {
  const name = MONTH_NAMES[month - 1];
  if (!name) throw new RangeError(`month ${month} is not 1-12`);
  return name;
}
