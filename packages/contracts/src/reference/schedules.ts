/**
 * NPQ schedules (docs/domain.md, "Schedules").
 *
 * A schedule is a row per (cohort, identifier). Dates follow the NPQ seed factory
 * (`spec/factories/schedules.rb`) relative to the cohort's start year Y; they reproduce the seed table
 * for 2022–2026 exactly. Production rows are admin-managed, so treat these as seed/reference values.
 */
import { COHORTS, type CohortIdentifier } from './cohorts';
import { courseByIdentifier, type CourseGroup } from './courses';
import { calendarDate, type IsoCalendarDate } from './dates';

/** `Schedule::IDENTIFIERS`, in code order. */
export const SCHEDULE_IDENTIFIERS = [
  'npq-aso-march',
  'npq-aso-june',
  'npq-aso-november',
  'npq-aso-december',
  'npq-ehco-march',
  'npq-ehco-june',
  'npq-ehco-november',
  'npq-ehco-december',
  'npq-leadership-autumn',
  'npq-leadership-spring',
  'npq-specialist-autumn',
  'npq-specialist-spring',
] as const;
export type ScheduleIdentifier = (typeof SCHEDULE_IDENTIFIERS)[number];

/** `Schedule::DECLARATION_TYPES` / PG enum `declaration_types`. */
export const DECLARATION_TYPES = ['started', 'retained-1', 'retained-2', 'completed'] as const;
export type DeclarationType = (typeof DECLARATION_TYPES)[number];

/** Specialist schedules are seeded without `retained-2`. */
export const SPECIALIST_DECLARATION_TYPES = [
  'started',
  'retained-1',
  'completed',
] as const satisfies readonly DeclarationType[];

export function isScheduleIdentifier(value: unknown): value is ScheduleIdentifier {
  return (SCHEDULE_IDENTIFIERS as readonly unknown[]).includes(value);
}

export function isDeclarationType(value: unknown): value is DeclarationType {
  return (DECLARATION_TYPES as readonly unknown[]).includes(value);
}

/** A date relative to the cohort start year Y: `(Y + yearOffset)-month-day`. */
export interface RelativeDate {
  readonly yearOffset: 0 | 1;
  readonly month: number;
  readonly day: number;
}

export interface ScheduleDefinition {
  readonly identifier: ScheduleIdentifier;
  readonly name: string;
  readonly courseGroup: CourseGroup;
  readonly allowedDeclarationTypes: readonly DeclarationType[];
  readonly appliesFrom: RelativeDate;
  readonly appliesTo: RelativeDate;
}

const y0 = (month: number, day: number): RelativeDate => ({ yearOffset: 0, month, day });
const y1 = (month: number, day: number): RelativeDate => ({ yearOffset: 1, month, day });

/** The seed-factory definition of each schedule identifier, in `SCHEDULE_IDENTIFIERS` order. */
export const SCHEDULE_DEFINITIONS: readonly ScheduleDefinition[] = [
  {
    identifier: 'npq-aso-march',
    name: 'NPQ ASO March',
    courseGroup: 'support',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y1(3, 1),
    appliesTo: y1(3, 1),
  },
  {
    identifier: 'npq-aso-june',
    name: 'NPQ ASO June',
    courseGroup: 'support',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y1(6, 1),
    appliesTo: y1(6, 1),
  },
  {
    identifier: 'npq-aso-november',
    name: 'NPQ ASO November',
    courseGroup: 'support',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y0(11, 1),
    appliesTo: y0(11, 1),
  },
  {
    identifier: 'npq-aso-december',
    name: 'NPQ ASO December',
    courseGroup: 'support',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y0(12, 1),
    appliesTo: y0(12, 1),
  },
  {
    identifier: 'npq-ehco-march',
    name: 'NPQ EHCO March',
    courseGroup: 'ehco',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y1(3, 1),
    appliesTo: y1(5, 31),
  },
  {
    identifier: 'npq-ehco-june',
    name: 'NPQ EHCO June',
    courseGroup: 'ehco',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y1(6, 1),
    appliesTo: y1(10, 31),
  },
  {
    identifier: 'npq-ehco-november',
    name: 'NPQ EHCO November',
    courseGroup: 'ehco',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y0(11, 1),
    appliesTo: y0(11, 30),
  },
  {
    identifier: 'npq-ehco-december',
    name: 'NPQ EHCO December',
    courseGroup: 'ehco',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y0(12, 1),
    appliesTo: y0(12, 31),
  },
  {
    identifier: 'npq-leadership-autumn',
    name: 'NPQ Leadership Autumn',
    courseGroup: 'leadership',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y0(10, 1),
    appliesTo: y0(12, 31),
  },
  {
    identifier: 'npq-leadership-spring',
    name: 'NPQ Leadership Spring',
    courseGroup: 'leadership',
    allowedDeclarationTypes: DECLARATION_TYPES,
    appliesFrom: y1(1, 1),
    appliesTo: y1(3, 31),
  },
  {
    identifier: 'npq-specialist-autumn',
    name: 'NPQ Specialist Autumn',
    courseGroup: 'specialist',
    allowedDeclarationTypes: SPECIALIST_DECLARATION_TYPES,
    appliesFrom: y0(10, 1),
    appliesTo: y0(12, 31),
  },
  {
    identifier: 'npq-specialist-spring',
    name: 'NPQ Specialist Spring',
    courseGroup: 'specialist',
    allowedDeclarationTypes: SPECIALIST_DECLARATION_TYPES,
    appliesFrom: y1(1, 1),
    appliesTo: y1(3, 31),
  },
];

const DEFINITION_BY_IDENTIFIER: ReadonlyMap<string, ScheduleDefinition> = new Map(
  SCHEDULE_DEFINITIONS.map((d) => [d.identifier, d]),
);

function definitionOf(identifier: ScheduleIdentifier): ScheduleDefinition {
  const definition = DEFINITION_BY_IDENTIFIER.get(identifier);
  if (!definition) throw new RangeError(`Unknown schedule identifier ${JSON.stringify(identifier)}`);
  return definition;
}

const LEADERSHIP_AND_SPECIALIST_BOTH_SEASONS = [
  'npq-leadership-autumn',
  'npq-leadership-spring',
  'npq-specialist-autumn',
  'npq-specialist-spring',
] as const satisfies readonly ScheduleIdentifier[];
const ALL_EHCO = [
  'npq-ehco-march',
  'npq-ehco-june',
  'npq-ehco-november',
  'npq-ehco-december',
] as const satisfies readonly ScheduleIdentifier[];
const ALL_EXCEPT_ASO = [...ALL_EHCO, ...LEADERSHIP_AND_SPECIALIST_BOTH_SEASONS] as const;

/**
 * Which schedules exist in each cohort (seed rows; "cohorts up to 2025 reflect production"):
 * 2021 has ASO ×4 and a single EHCO schedule (June); 2024 is autumn-only (and has no EHCO March);
 * 2025+ (both suffixes) have all eight non-ASO schedules.
 */
export const COHORT_SCHEDULE_IDENTIFIERS: Readonly<Record<CohortIdentifier, readonly ScheduleIdentifier[]>> =
  {
    '2021a': [
      'npq-aso-march',
      'npq-aso-june',
      'npq-aso-november',
      'npq-aso-december',
      'npq-ehco-june',
      ...LEADERSHIP_AND_SPECIALIST_BOTH_SEASONS,
    ],
    '2022a': ALL_EXCEPT_ASO,
    '2023a': ALL_EXCEPT_ASO,
    '2024a': [
      'npq-ehco-june',
      'npq-ehco-november',
      'npq-ehco-december',
      'npq-leadership-autumn',
      'npq-specialist-autumn',
    ],
    '2025a': ALL_EXCEPT_ASO,
    '2025b': ALL_EXCEPT_ASO,
    '2026a': ALL_EXCEPT_ASO,
    '2026b': ALL_EXCEPT_ASO,
  };

export interface Schedule {
  readonly cohortIdentifier: CohortIdentifier;
  readonly identifier: ScheduleIdentifier;
  readonly name: string;
  readonly courseGroup: CourseGroup;
  /** Declarations must be on or after this date (00:00 UTC). */
  readonly appliesFrom: IsoCalendarDate;
  /** Stored but not enforced anywhere. */
  readonly appliesTo: IsoCalendarDate;
  readonly allowedDeclarationTypes: readonly DeclarationType[];
}

function resolveRelativeDate(startYear: number, date: RelativeDate): IsoCalendarDate {
  return calendarDate(startYear + date.yearOffset, date.month, date.day);
}

/** Builds the seed schedule row for `identifier` in a cohort starting in `startYear`. */
export function buildSchedule(
  cohortIdentifier: CohortIdentifier,
  startYear: number,
  identifier: ScheduleIdentifier,
): Schedule {
  const definition = definitionOf(identifier);
  return Object.freeze({
    cohortIdentifier,
    identifier,
    name: definition.name,
    courseGroup: definition.courseGroup,
    appliesFrom: resolveRelativeDate(startYear, definition.appliesFrom),
    appliesTo: resolveRelativeDate(startYear, definition.appliesTo),
    allowedDeclarationTypes: Object.freeze([...definition.allowedDeclarationTypes]),
  });
}

/**
 * Every schedule row: cohorts in `start_year, suffix` order, then identifiers in `SCHEDULE_IDENTIFIERS`
 * order.
 */
export const SCHEDULES: readonly Schedule[] = Object.freeze(
  COHORTS.flatMap((cohort) =>
    SCHEDULE_IDENTIFIERS.filter((id) => COHORT_SCHEDULE_IDENTIFIERS[cohort.identifier].includes(id)).map(
      (id) => buildSchedule(cohort.identifier, cohort.startYear, id),
    ),
  ),
);

/** The schedules of one cohort (empty for an unknown cohort). */
export function schedulesForCohort(cohortIdentifier: string): readonly Schedule[] {
  return SCHEDULES.filter((s) => s.cohortIdentifier === cohortIdentifier);
}

/** `Schedule.find_by(cohort:, identifier:)`; undefined when that cohort has no such schedule. */
export function findSchedule(cohortIdentifier: string, identifier: string): Schedule | undefined {
  return SCHEDULES.find((s) => s.cohortIdentifier === cohortIdentifier && s.identifier === identifier);
}

/** The course group that owns a schedule identifier. */
export function scheduleCourseGroup(identifier: ScheduleIdentifier): CourseGroup {
  return definitionOf(identifier).courseGroup;
}

/**
 * A schedule is valid for a course iff the schedule's course group is the course's group.
 * False for unknown schedule or course identifiers.
 */
export function isScheduleValidForCourse(scheduleIdentifier: string, courseIdentifier: string): boolean {
  const definition = DEFINITION_BY_IDENTIFIER.get(scheduleIdentifier);
  const course = courseByIdentifier(courseIdentifier);
  return definition !== undefined && course !== undefined && definition.courseGroup === course.courseGroup;
}

/** True when `declarationType` is in the schedule's `allowed_declaration_types`. */
export function isDeclarationTypeAllowed(
  schedule: Pick<Schedule, 'allowedDeclarationTypes'>,
  declarationType: string,
): boolean {
  return (schedule.allowedDeclarationTypes as readonly string[]).includes(declarationType);
}
