/**
 * Schedule selection: the default schedule on accept (docs/domain.md, "The default schedule") and the
 * target schedule of change-schedule (docs/domain.md, "The target schedule of change-schedule").
 */
import { cohortByIdentifier, cohortsForStartYear, type CohortIdentifier } from './cohorts';
import { courseByIdentifier, type CourseIdentifier } from './courses';
import { assertIsoCalendarDate, calendarDate, isCalendarDateWithin, type IsoCalendarDate } from './dates';
import { findSchedule, type Schedule, type ScheduleIdentifier } from './schedules';

/** Fixed acceptance-date windows used by the leadership/specialist rules (inclusive on both ends). */
export const DEFAULT_SCHEDULE_WINDOWS = {
  /** start_year 2025 (either suffix) → autumn. */
  startYear2025Autumn: { from: '2025-08-01', to: '2026-04-30' },
  /** start_year 2025 → spring; start_year 2024 → autumn. */
  startYears2024And2025: { from: '2024-06-28', to: '2025-06-06' },
} as const;

/** Month-day bounds (`MM-DD`, inclusive) of the generic seasons: Dec 26–Apr 2 is spring, Apr 3–Dec 25 autumn. */
export const DEFAULT_SCHEDULE_SEASONS = {
  springUntil: '04-02',
  autumnFrom: '04-03',
  autumnUntil: '12-25',
  springFrom: '12-26',
} as const;

/** Which rule picked the schedule (first match wins, in this order within each course group). */
export const DEFAULT_SCHEDULE_RULES = [
  // leadership and specialist
  'cohort-2026a-spring',
  'cohort-2026b-autumn',
  'start-year-2025-autumn-window',
  'start-year-2025-spring-window',
  'start-year-2024-autumn-window',
  'spring-season',
  'autumn-season',
  // ehco
  'ehco-cohort-2026a',
  'ehco-start-year-before-2022',
  'ehco-november',
  'ehco-december',
  'ehco-march',
  'ehco-june',
  'ehco-other-date',
  // support
  'support',
] as const;
export type DefaultScheduleRule = (typeof DEFAULT_SCHEDULE_RULES)[number];

export interface DefaultScheduleInput {
  readonly courseIdentifier: CourseIdentifier;
  readonly cohortIdentifier: CohortIdentifier;
  /** The acceptance date (`Date.current`, UTC), `YYYY-MM-DD`. */
  readonly date: IsoCalendarDate;
}

export interface DefaultScheduleResult {
  /** The identifier the rules chose. */
  readonly identifier: ScheduleIdentifier;
  /**
   * That identifier's schedule in the application's cohort, or undefined when the cohort has no such
   * schedule (Rails' `find_by!` raises; the caller reports that the schedule cannot be determined).
   */
  readonly schedule: Schedule | undefined;
  readonly rule: DefaultScheduleRule;
}

type Season = 'spring' | 'autumn';

function leadershipOrSpecialistSeason(
  cohortIdentifier: string,
  startYear: number,
  date: IsoCalendarDate,
): { season: Season; rule: DefaultScheduleRule } {
  const { startYear2025Autumn, startYears2024And2025 } = DEFAULT_SCHEDULE_WINDOWS;
  if (cohortIdentifier === '2026a') return { season: 'spring', rule: 'cohort-2026a-spring' };
  if (cohortIdentifier === '2026b') return { season: 'autumn', rule: 'cohort-2026b-autumn' };
  if (startYear === 2025 && isCalendarDateWithin(date, startYear2025Autumn.from, startYear2025Autumn.to)) {
    return { season: 'autumn', rule: 'start-year-2025-autumn-window' };
  }
  if (
    startYear === 2025 &&
    isCalendarDateWithin(date, startYears2024And2025.from, startYears2024And2025.to)
  ) {
    return { season: 'spring', rule: 'start-year-2025-spring-window' };
  }
  if (
    startYear === 2024 &&
    isCalendarDateWithin(date, startYears2024And2025.from, startYears2024And2025.to)
  ) {
    return { season: 'autumn', rule: 'start-year-2024-autumn-window' };
  }
  const monthDay = date.slice(5);
  if (monthDay <= DEFAULT_SCHEDULE_SEASONS.springUntil || monthDay >= DEFAULT_SCHEDULE_SEASONS.springFrom) {
    return { season: 'spring', rule: 'spring-season' };
  }
  // Apr 3 – Dec 25. (The Rails fallback to spring after this is unreachable.)
  return { season: 'autumn', rule: 'autumn-season' };
}

function ehcoIdentifier(
  cohortIdentifier: string,
  startYear: number,
  date: IsoCalendarDate,
): { identifier: ScheduleIdentifier; rule: DefaultScheduleRule } {
  // These cohorts have a single EHCO schedule in production; Rails takes "the" EHCO schedule of the cohort.
  if (cohortIdentifier === '2026a') return { identifier: 'npq-ehco-march', rule: 'ehco-cohort-2026a' };
  if (startYear < 2022) return { identifier: 'npq-ehco-june', rule: 'ehco-start-year-before-2022' };

  const y = startYear;
  if (isCalendarDateWithin(date, calendarDate(y, 9, 1), calendarDate(y, 11, 30))) {
    return { identifier: 'npq-ehco-november', rule: 'ehco-november' };
  }
  // Dec 1 Y – last day of Feb Y+1 (Feb 29 in a leap year).
  if (date >= calendarDate(y, 12, 1) && date < calendarDate(y + 1, 3, 1)) {
    return { identifier: 'npq-ehco-december', rule: 'ehco-december' };
  }
  if (isCalendarDateWithin(date, calendarDate(y + 1, 3, 1), calendarDate(y + 1, 5, 31))) {
    return { identifier: 'npq-ehco-march', rule: 'ehco-march' };
  }
  if (isCalendarDateWithin(date, calendarDate(y + 1, 6, 1), calendarDate(y + 1, 9, 30))) {
    return { identifier: 'npq-ehco-june', rule: 'ehco-june' };
  }
  // Any other date, including acceptances before Sep 1 Y.
  return { identifier: 'npq-ehco-june', rule: 'ehco-other-date' };
}

/**
 * `course.course_group.schedule_for(cohort:, schedule_date:)`: the schedule given to an application
 * accepted on `date` without an explicit `schedule_identifier`.
 */
export function defaultScheduleFor(input: DefaultScheduleInput): DefaultScheduleResult {
  const { courseIdentifier, cohortIdentifier, date } = input;
  assertIsoCalendarDate(date);
  const course = courseByIdentifier(courseIdentifier);
  if (!course) throw new RangeError(`Unknown course identifier ${JSON.stringify(courseIdentifier)}`);
  const cohort = cohortByIdentifier(cohortIdentifier);
  if (!cohort) throw new RangeError(`Unknown cohort identifier ${JSON.stringify(cohortIdentifier)}`);

  let identifier: ScheduleIdentifier;
  let rule: DefaultScheduleRule;
  switch (course.courseGroup) {
    case 'leadership':
    case 'specialist': {
      const chosen = leadershipOrSpecialistSeason(cohort.identifier, cohort.startYear, date);
      identifier = `npq-${course.courseGroup}-${chosen.season}`;
      rule = chosen.rule;
      break;
    }
    case 'ehco':
      ({ identifier, rule } = ehcoIdentifier(cohort.identifier, cohort.startYear, date));
      break;
    case 'support':
      identifier = 'npq-aso-december';
      rule = 'support';
      break;
  }
  return { identifier, schedule: findSchedule(cohort.identifier, identifier), rule };
}

export interface ScheduleChangeInput {
  /** The requested `schedule_identifier` (raw input; unknown identifiers resolve to undefined). */
  readonly scheduleIdentifier: string;
  /** The target cohort start year (the `cohort` parameter, or the fallbacks in docs/domain.md, "Participant actions"). */
  readonly cohortStartYear: number;
}

/**
 * `Participants::ChangeSchedule#new_schedule`: among the cohorts of that start year, latest suffix first,
 * the first cohort's schedule with that identifier (so 2025b beats 2025a). Undefined when none has it.
 */
export function resolveScheduleForChange(input: ScheduleChangeInput): Schedule | undefined {
  for (const cohort of cohortsForStartYear(input.cohortStartYear)) {
    const schedule = findSchedule(cohort.identifier, input.scheduleIdentifier);
    if (schedule) return schedule;
  }
  return undefined;
}
