import {
  cohortByIdentifier,
  courseByIdentifier,
  hasOutcomes,
  leadProviderById,
  rebrandedAlternatives,
  REBRANDED_COURSE_IDENTIFIERS,
  UPLIFT_INELIGIBLE_COURSES,
  type Cohort,
  type CourseIdentifier,
} from '@npq/contracts';

/** Reference data finance reads in memory (courses, cohorts, lead providers live in @npq/contracts). */

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

export function monthName(month: number): (typeof MONTH_NAMES)[number] {
  const name = MONTH_NAMES[month - 1];
  if (!name) throw new RangeError(`month ${month} is not 1-12`);
  return name;
}

/** The submitting provider's name (`lead_provider_name`); ids come from our own rows, so always known. */
export function leadProviderName(id: string): string {
  return leadProviderById(id)?.name ?? '';
}

export function cohortOrFail(identifier: string): Cohort {
  const cohort = cohortByIdentifier(identifier);
  if (!cohort) throw new Error(`unknown cohort ${identifier}`);
  return cohort;
}

/** The course and its rebranded alternatives (ASO and EHCO count as one course); empty for unknown courses. */
export function courseAlternatives(courseIdentifier: unknown): string[] {
  if (typeof courseIdentifier !== 'string' || !courseByIdentifier(courseIdentifier)) return [];
  return [...rebrandedAlternatives(courseIdentifier as CourseIdentifier)];
}

/** One key per "same course" (ASO/EHCO share one), for lock names. */
export function courseKey(courseIdentifier: string): string {
  return (REBRANDED_COURSE_IDENTIFIERS as readonly string[]).includes(courseIdentifier)
    ? 'ehco-aso'
    : courseIdentifier;
}

/** Leadership and specialist courses: `completed` declarations carry `has_passed` and record an outcome. */
export function courseHasOutcomes(courseIdentifier: unknown): boolean {
  return typeof courseIdentifier === 'string' && hasOutcomes(courseIdentifier);
}

/** ASO and EHCO never get targeted delivery funding (nor `uplift_paid`). */
export function isUpliftIneligible(courseIdentifier: string): boolean {
  return (UPLIFT_INELIGIBLE_COURSES as readonly string[]).includes(courseIdentifier);
}

/** Delivery partners are required for declarations from this cohort start year (inside England). */
export const DELIVERY_PARTNER_REQUIRED_FROM = 2024;

/**
 * DfE's `Application#inside_catchment?`: working in England, or (before 2024) at a school whose URN
 * starts with 1.
 */
export function insideCatchment(application: {
  teacherCatchment: string | null;
  cohortStartYear: number;
  schoolUrn: string | null;
}): boolean {
  if (application.teacherCatchment === 'england') return true;
  return application.cohortStartYear < 2024 && (application.schoolUrn ?? '').startsWith('1');
}

/**
 * A constant list from @npq/contracts as a SQL list literal, `('a', 'b')`: for index predicates and query
 * fragments shared by several clauses, where a bound parameter cannot stand.
 */
export function sqlList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`;
}
