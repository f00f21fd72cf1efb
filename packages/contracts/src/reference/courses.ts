/**
 * NPQ courses and course groups (docs/domain.md, "Courses and course groups").
 */

/** `Course::IDENTIFIERS`, in code order (the order matters for validation messages). */
export const COURSE_IDENTIFIERS = [
  'npq-senior-leadership',
  'npq-headship',
  'npq-executive-leadership',
  'npq-early-years-leadership',
  'npq-leading-teaching',
  'npq-leading-behaviour-culture',
  'npq-leading-teaching-development',
  'npq-leading-literacy',
  'npq-leading-primary-mathematics',
  'npq-additional-support-offer',
  'npq-early-headship-coaching-offer',
  'npq-senco',
] as const;
export type CourseIdentifier = (typeof COURSE_IDENTIFIERS)[number];

/** Course groups (`db/seeds/base/add_course_groups.rb`). */
export const COURSE_GROUPS = ['leadership', 'specialist', 'support', 'ehco'] as const;
export type CourseGroup = (typeof COURSE_GROUPS)[number];

export interface Course {
  readonly identifier: CourseIdentifier;
  readonly name: string;
  readonly shortCode: string;
  readonly courseGroup: CourseGroup;
  /** Display position (`Courses::DEFINITIONS`). */
  readonly position: number;
  /** Whether the course is shown at registration (ASO is hidden). */
  readonly display: boolean;
  /** `courses.ecf_id`, the course's fixed UUID. */
  readonly ecfId: string;
  /** Only four courses have one. */
  readonly description: string | null;
}

/** `Courses::DEFINITIONS`, ordered by position. */
export const COURSES = [
  {
    identifier: 'npq-early-years-leadership',
    name: 'Early years leadership (NPQEYL)',
    shortCode: 'NPQEYL',
    courseGroup: 'leadership',
    position: 0,
    display: true,
    ecfId: '66dff4af-a518-498f-9042-36a41f9e8aa7',
    description: null,
  },
  {
    identifier: 'npq-executive-leadership',
    name: 'Executive leadership (NPQEL)',
    shortCode: 'NPQEL',
    courseGroup: 'leadership',
    position: 1,
    display: true,
    ecfId: 'aef853f2-9b48-4b6a-9d2a-91b295f5ca9a',
    description: null,
  },
  {
    identifier: 'npq-headship',
    name: 'Headship (NPQH)',
    shortCode: 'NPQH',
    courseGroup: 'leadership',
    position: 2,
    display: true,
    ecfId: '0f7d6578-a12c-4498-92a0-2ee0f18e0768',
    description: null,
  },
  {
    identifier: 'npq-leading-behaviour-culture',
    name: 'Leading behaviour and culture (NPQLBC)',
    shortCode: 'NPQLBC',
    courseGroup: 'specialist',
    position: 3,
    display: true,
    ecfId: '7d47a0a6-fa74-4587-92cc-cd1e4548a2e5',
    description: null,
  },
  {
    identifier: 'npq-leading-literacy',
    name: 'Leading literacy (NPQLL)',
    shortCode: 'NPQLL',
    courseGroup: 'specialist',
    position: 4,
    display: true,
    ecfId: '829fcd45-e39d-49a9-b309-26d26debfa90',
    description: null,
  },
  {
    identifier: 'npq-leading-primary-mathematics',
    name: 'Leading primary mathematics (NPQLPM)',
    shortCode: 'NPQLPM',
    courseGroup: 'specialist',
    position: 5,
    display: true,
    ecfId: '7866f853-064f-44b4-9287-20b9993452d6',
    description: null,
  },
  {
    identifier: 'npq-leading-teaching',
    name: 'Leading teaching (NPQLT)',
    shortCode: 'NPQLT',
    courseGroup: 'specialist',
    position: 6,
    display: true,
    ecfId: '15c52ed8-06b5-426e-81a2-c2664978a0dc',
    description: 'Lead teaching and learning for a subject, year group or phase',
  },
  {
    identifier: 'npq-leading-teaching-development',
    name: 'Leading teacher development (NPQLTD)',
    shortCode: 'NPQLTD',
    courseGroup: 'specialist',
    position: 7,
    display: true,
    ecfId: '29fee78b-30ce-4b93-ba21-80be2fde286f',
    description: 'Develop other teachers and support their professional growth',
  },
  {
    identifier: 'npq-senior-leadership',
    name: 'Senior leadership (NPQSL)',
    shortCode: 'NPQSL',
    courseGroup: 'leadership',
    position: 8,
    display: true,
    ecfId: 'a42736ad-3d0b-401d-aebe-354ef4c193ec',
    description: null,
  },
  {
    identifier: 'npq-senco',
    name: 'Special educational needs co-ordinator (NPQSENCO)',
    shortCode: 'NPQSENCO',
    courseGroup: 'leadership',
    position: 9,
    display: true,
    ecfId: 'd8662dbd-f50a-4bbf-a9dd-359e1d32e050',
    description: null,
  },
  {
    identifier: 'npq-early-headship-coaching-offer',
    name: 'Early headship coaching offer (EHCO)',
    shortCode: 'EHCO',
    courseGroup: 'ehco',
    position: 10,
    display: true,
    ecfId: '0222d1a8-a8e1-42e3-a040-2c585f6c194a',
    description: 'Networking and support if you\u2019re in your first 5 years of headship',
  },
  {
    identifier: 'npq-additional-support-offer',
    name: 'Additional support offer for new headteachers (ASO)',
    shortCode: 'ASO',
    courseGroup: 'support',
    position: 11,
    display: false,
    ecfId: '7fbefdd4-dd2d-4a4f-8995-d59e525124b7',
    description: 'The Additional Support Offer is a targeted support package for new headteachers.',
  },
] as const satisfies readonly Course[];

export type CourseShortCode = (typeof COURSES)[number]['shortCode'];

const COURSE_BY_IDENTIFIER: ReadonlyMap<string, Course> = new Map(COURSES.map((c) => [c.identifier, c]));

/** True when `value` is one of the 12 `Course::IDENTIFIERS`. */
export function isCourseIdentifier(value: unknown): value is CourseIdentifier {
  return typeof value === 'string' && COURSE_BY_IDENTIFIER.has(value);
}

/** True when `value` is one of the four course groups. */
export function isCourseGroup(value: unknown): value is CourseGroup {
  return (COURSE_GROUPS as readonly unknown[]).includes(value);
}

/** The course with that identifier, or undefined for an unknown identifier. */
export function courseByIdentifier(identifier: string): Course | undefined {
  return COURSE_BY_IDENTIFIER.get(identifier);
}

/** The course group of a (known) course. */
export function courseGroupOf(identifier: CourseIdentifier): CourseGroup {
  const course = COURSE_BY_IDENTIFIER.get(identifier);
  if (!course) throw new RangeError(`Unknown course identifier ${JSON.stringify(identifier)}`);
  return course.courseGroup;
}

/** Courses of a group, in position order. */
export function coursesInGroup(group: CourseGroup): readonly Course[] {
  return COURSES.filter((c) => c.courseGroup === group);
}

/** The ASO/EHCO pair: `rebranded_alternative_courses` treats them as one course. */
export const REBRANDED_COURSE_IDENTIFIERS = [
  'npq-additional-support-offer',
  'npq-early-headship-coaching-offer',
] as const satisfies readonly CourseIdentifier[];

/**
 * `Course#rebranded_alternative_courses`: ASO and EHCO each return both (ASO first); every other course
 * returns only itself. Used by "previously funded", duplicate-declaration and declaration-lookup checks.
 */
export function rebrandedAlternatives(identifier: CourseIdentifier): readonly CourseIdentifier[] {
  return (REBRANDED_COURSE_IDENTIFIERS as readonly CourseIdentifier[]).includes(identifier)
    ? REBRANDED_COURSE_IDENTIFIERS
    : [identifier];
}

/** `ParticipantOutcomes::Create::PERMITTED_COURSES`: `Course::IDENTIFIERS` minus ASO and EHCO (same order). */
export const OUTCOME_COURSE_IDENTIFIERS: readonly OutcomeCourseIdentifier[] = COURSE_IDENTIFIERS.filter(
  (id): id is OutcomeCourseIdentifier => !(REBRANDED_COURSE_IDENTIFIERS as readonly string[]).includes(id),
);
export type OutcomeCourseIdentifier = Exclude<
  CourseIdentifier,
  (typeof REBRANDED_COURSE_IDENTIFIERS)[number]
>;

/** Course groups whose courses have outcomes and `has_passed` (`CourseGroup.leadership_or_specialist`). */
export const OUTCOME_COURSE_GROUPS = ['leadership', 'specialist'] as const satisfies readonly CourseGroup[];

/** True when the course is in the leadership or specialist group (outcomes / `has_passed` apply). */
export function hasOutcomes(identifier: string): boolean {
  const course = COURSE_BY_IDENTIFIER.get(identifier);
  return course !== undefined && (OUTCOME_COURSE_GROUPS as readonly string[]).includes(course.courseGroup);
}

/** `COURSE_IDENTIFIERS_INELIGIBLE_FOR_UPLIFT`: never get targeted delivery funding. */
export const UPLIFT_INELIGIBLE_COURSES = [
  'npq-additional-support-offer',
  'npq-early-headship-coaching-offer',
] as const satisfies readonly CourseIdentifier[];

/** `Course::ONLY_PP50` (funding-eligibility list). */
export const ONLY_PP50_COURSES = [
  'npq-leading-primary-mathematics',
  'npq-leading-behaviour-culture',
  'npq-leading-literacy',
  'npq-leading-teaching',
  'npq-leading-teaching-development',
  'npq-executive-leadership',
] as const satisfies readonly CourseIdentifier[];

/** `Course::LA_NURSERY_APPROVED`. */
export const LA_NURSERY_APPROVED_COURSES = [
  'npq-senco',
  'npq-headship',
  'npq-senior-leadership',
] as const satisfies readonly CourseIdentifier[];
