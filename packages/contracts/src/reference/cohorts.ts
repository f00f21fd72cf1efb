/**
 * NPQ cohorts (docs/domain.md, "Cohorts").
 *
 * A cohort is a start year plus a one-letter suffix; `identifier` is `${startYear}${suffix}`.
 */
import type { CohortFunding } from '../events';
import { assertIsoCalendarDate, type IsoCalendarDate } from './dates';
import type { AssertTrue, TypesEqual } from './type-assert';

/** PG enum `cohort_funding`, in schema order. */
export const COHORT_FUNDINGS = ['zero', 'capped', 'full'] as const;

/**
 * `zero | capped | full`. The package's `events.ts` already declares this union; it is re-exported here
 * (instead of re-declared) so the package root's two `export *` lines do not clash, and the assertion
 * below keeps it identical to {@link COHORT_FUNDINGS}.
 */
export type { CohortFunding };
type _CohortFundingMatchesEnum = AssertTrue<TypesEqual<CohortFunding, (typeof COHORT_FUNDINGS)[number]>>;

/** True for `zero`, `capped` or `full`. */
export function isCohortFunding(value: unknown): value is CohortFunding {
  return (COHORT_FUNDINGS as readonly unknown[]).includes(value);
}

/** A cohort row before its identifier is narrowed to {@link CohortIdentifier}. */
export interface CohortAttributes {
  /** `start_year || suffix`, e.g. `2025b`. */
  readonly identifier: string;
  readonly startYear: number;
  readonly suffix: string;
  /** `cohorts.description` (unique, 5–50 characters). */
  readonly description: string;
  readonly funding: CohortFunding;
  /** `registration_start_date` as a calendar date; its year equals `startYear`. */
  readonly registrationStartDate: IsoCalendarDate;
}

/** Known cohorts in `start_year, suffix` order. */
export const COHORTS = [
  {
    identifier: '2021a',
    startYear: 2021,
    suffix: 'a',
    description: '2021 to 2022',
    funding: 'full',
    registrationStartDate: '2021-05-10',
  },
  {
    identifier: '2022a',
    startYear: 2022,
    suffix: 'a',
    description: '2022 to 2023',
    funding: 'full',
    registrationStartDate: '2022-05-10',
  },
  {
    identifier: '2023a',
    startYear: 2023,
    suffix: 'a',
    description: '2023 to 2024',
    funding: 'full',
    registrationStartDate: '2023-04-03',
  },
  {
    identifier: '2024a',
    startYear: 2024,
    suffix: 'a',
    description: '2024 to 2025',
    funding: 'capped',
    registrationStartDate: '2024-04-03',
  },
  {
    identifier: '2025a',
    startYear: 2025,
    suffix: 'a',
    description: '2025 to 2026',
    funding: 'capped',
    registrationStartDate: '2025-04-03',
  },
  {
    identifier: '2025b',
    startYear: 2025,
    suffix: 'b',
    description: '2025 Autumn',
    funding: 'capped',
    registrationStartDate: '2025-09-01',
  },
  {
    identifier: '2026a',
    startYear: 2026,
    suffix: 'a',
    description: 'Spring 2026',
    funding: 'zero',
    registrationStartDate: '2026-04-03',
  },
  {
    identifier: '2026b',
    startYear: 2026,
    suffix: 'b',
    description: 'Autumn 2026',
    funding: 'capped',
    registrationStartDate: '2026-04-03',
  },
] as const satisfies readonly CohortAttributes[];

export type CohortIdentifier = (typeof COHORTS)[number]['identifier'];

export interface Cohort extends CohortAttributes {
  readonly identifier: CohortIdentifier;
}
export const COHORT_IDENTIFIERS: readonly CohortIdentifier[] = COHORTS.map((c) => c.identifier);

/** The cohort the 2026 registration questionnaire offers (`course_start_cohort`). */
export const REGISTRATION_COURSE_START_COHORTS = [
  '2026b',
  '2026a',
] as const satisfies readonly CohortIdentifier[];

const COHORT_BY_IDENTIFIER: ReadonlyMap<string, Cohort> = new Map(COHORTS.map((c) => [c.identifier, c]));

/** True when `value` is one of the known cohort identifiers. */
export function isCohortIdentifier(value: unknown): value is CohortIdentifier {
  return typeof value === 'string' && COHORT_BY_IDENTIFIER.has(value);
}

/** The cohort with that identifier, or undefined. */
export function cohortByIdentifier(identifier: string): Cohort | undefined {
  return COHORT_BY_IDENTIFIER.get(identifier);
}

/** Database ordering: `start_year`, then `suffix` (ascending). */
export function compareCohorts(a: Cohort, b: Cohort): number {
  if (a.startYear !== b.startYear) return a.startYear - b.startYear;
  return a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0;
}

/** The cohorts of one start year, latest suffix first (`b` before `a`), as change-schedule searches them. */
export function cohortsForStartYear(startYear: number): readonly Cohort[] {
  return COHORTS.filter((c) => c.startYear === startYear).sort((a, b) => compareCohorts(b, a));
}

/**
 * `Cohort.current(timestamp: date)`: the latest cohort (start_year desc, suffix desc) whose
 * registration start date is on or before `date`; undefined when there is none.
 * On 2026-04-03 both 2026a and 2026b qualify and 2026b wins.
 */
export function currentCohort(date: IsoCalendarDate, funding?: CohortFunding): Cohort | undefined {
  assertIsoCalendarDate(date);
  return [...COHORTS]
    .sort((a, b) => compareCohorts(b, a))
    .find((c) => c.registrationStartDate <= date && (funding === undefined || c.funding === funding));
}

/** `Cohort#funded?`: `full` or `capped`. */
export function isFunded(cohort: Pick<Cohort, 'funding'>): boolean {
  return cohort.funding === 'full' || cohort.funding === 'capped';
}

/** `Cohort#name`: the start year when the suffix is `a`, otherwise the identifier (`2025`, `2025b`). */
export function cohortName(cohort: Pick<Cohort, 'startYear' | 'suffix' | 'identifier'>): string {
  return cohort.suffix === 'a' ? String(cohort.startYear) : cohort.identifier;
}
