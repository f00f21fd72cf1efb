/**
 * Seed formulas for statements and contract templates, with the per-course-group payment terms
 * (docs/domain.md, "Finance seeds"). These are development/sandbox seeds: production statements and
 * contracts are uploaded by admins.
 */
import { cohortByIdentifier, type Cohort } from './cohorts';
import { courseByIdentifier, type CourseGroup, type CourseIdentifier } from './courses';
import {
  addCalendarDays,
  addCalendarMonths,
  addCalendarYears,
  calendarDate,
  calendarDateParts,
  startOfCalendarMonth,
  type IsoCalendarDate,
} from './dates';

export interface StatementPeriod {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  /** API `cut_off_date`: the first of the month minus 6 days. */
  readonly deadlineDate: IsoCalendarDate;
  /** `deadlineDate` plus one calendar month. */
  readonly paymentDate: IsoCalendarDate;
  readonly outputFee: boolean;
}

/** Statement months that are output-fee statements in the seeds (the last period always is too). */
export const SEED_OUTPUT_FEE_MONTHS = [3, 6, 9, 12] as const;

/** `deadline_date = Date.new(year, month, 1) - 6.days`. */
export function seedStatementDeadlineDate(year: number, month: number): IsoCalendarDate {
  return addCalendarDays(calendarDate(year, month, 1), -6);
}

/** `payment_date = deadline_date + 1.month`. */
export function seedStatementPaymentDate(deadlineDate: IsoCalendarDate): IsoCalendarDate {
  return addCalendarMonths(deadlineDate, 1);
}

/**
 * `db/seeds/base/add_statements.rb` for one cohort (the same for every lead provider): one statement per
 * month from `registration_start_date.beginning_of_month - 2.months` up to, but not including,
 * `registration_start_date + 2.years`. That is 27 periods for a registration date after the 1st of its
 * month (every cohort except 2025b, whose Sep 1 date gives 26: Jul 2025 – Aug 2027).
 */
export function seedStatementPeriods(
  cohort: Pick<Cohort, 'registrationStartDate'> | string,
): StatementPeriod[] {
  const resolved = typeof cohort === 'string' ? cohortByIdentifier(cohort) : cohort;
  if (!resolved) throw new RangeError(`Unknown cohort identifier ${JSON.stringify(cohort)}`);
  const registrationStart = resolved.registrationStartDate;
  const endExclusive = addCalendarYears(registrationStart, 2);

  const monthStarts: IsoCalendarDate[] = [];
  for (
    let monthStart = addCalendarMonths(startOfCalendarMonth(registrationStart), -2);
    monthStart < endExclusive;
    monthStart = addCalendarMonths(monthStart, 1)
  ) {
    monthStarts.push(monthStart);
  }

  return monthStarts.map((monthStart, index) => {
    const { year, month } = calendarDateParts(monthStart);
    const deadlineDate = seedStatementDeadlineDate(year, month);
    return {
      year,
      month,
      deadlineDate,
      paymentDate: seedStatementPaymentDate(deadlineDate),
      outputFee:
        index === monthStarts.length - 1 || (SEED_OUTPUT_FEE_MONTHS as readonly number[]).includes(month),
    };
  });
}

/** Contract template values. Money is a decimal string with 2 dp. */
export interface ContractTemplateSeed {
  readonly perParticipant: string;
  readonly outputPaymentPercentage: number;
  readonly serviceFeePercentage: number;
  readonly numberOfPaymentPeriods: number;
  readonly recruitmentTarget: number;
  readonly serviceFeeInstallments: number;
  readonly targetedDeliveryFundingPerParticipant: string;
  /** `"0.00"` means "no service fee"; only a NULL (never seeded) triggers the calculated service fee. */
  readonly monthlyServiceFee: string;
  readonly specialCourse: boolean;
}

/** The factory contract template the seeds attach to every statement. */
export const CONTRACT_SEED_TEMPLATE = {
  perParticipant: '800.00',
  outputPaymentPercentage: 60,
  serviceFeePercentage: 40,
  numberOfPaymentPeriods: 3,
  recruitmentTarget: 72,
  serviceFeeInstallments: 19,
  targetedDeliveryFundingPerParticipant: '100.00',
  monthlyServiceFee: '0.00',
  specialCourse: false,
} as const satisfies ContractTemplateSeed;

/** Fixed values per course group (`Statements::BulkCreator`). */
export const CONTRACT_TERMS_BY_COURSE_GROUP = {
  leadership: { numberOfPaymentPeriods: 4, outputPaymentPercentage: 60, serviceFeePercentage: 40 },
  specialist: { numberOfPaymentPeriods: 3, outputPaymentPercentage: 60, serviceFeePercentage: 40 },
  support: { numberOfPaymentPeriods: 4, outputPaymentPercentage: 100, serviceFeePercentage: 0 },
  ehco: { numberOfPaymentPeriods: 4, outputPaymentPercentage: 100, serviceFeePercentage: 0 },
} as const satisfies Readonly<
  Record<
    CourseGroup,
    Pick<ContractTemplateSeed, 'numberOfPaymentPeriods' | 'outputPaymentPercentage' | 'serviceFeePercentage'>
  >
>;

/** Seeds create no contracts for these courses before these start years. */
export const CONTRACT_FIRST_START_YEAR: Readonly<Partial<Record<CourseIdentifier, number>>> = {
  'npq-leading-primary-mathematics': 2023,
  'npq-senco': 2024,
};

/** (course, start year) pairs whose contracts are `special_course: true` (standalone payments). */
export const SPECIAL_COURSE_START_YEARS: Readonly<Partial<Record<CourseIdentifier, readonly number[]>>> = {
  'npq-leading-primary-mathematics': [2023],
};

/**
 * The seed contract template for a course in a cohort: the factory values with the course group's
 * payment periods and output/service split. Undefined for unknown identifiers and for the combinations
 * the seeds skip (NPQLPM before 2023, NPQSENCO before 2024).
 */
export function contractTemplateFor(
  courseIdentifier: string,
  cohortIdentifier: string,
): ContractTemplateSeed | undefined {
  const course = courseByIdentifier(courseIdentifier);
  const cohort = cohortByIdentifier(cohortIdentifier);
  if (!course || !cohort) return undefined;
  const firstStartYear = CONTRACT_FIRST_START_YEAR[course.identifier];
  if (firstStartYear !== undefined && cohort.startYear < firstStartYear) return undefined;
  return {
    ...CONTRACT_SEED_TEMPLATE,
    ...CONTRACT_TERMS_BY_COURSE_GROUP[course.courseGroup],
    specialCourse: SPECIAL_COURSE_START_YEARS[course.identifier]?.includes(cohort.startYear) ?? false,
  };
}
