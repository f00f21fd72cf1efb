/**
 * Lead providers and which courses each offers per cohort (docs/domain.md, "Lead providers and their
 * course offers").
 */
import { cohortByIdentifier, isFunded, type CohortIdentifier } from './cohorts';
import { isCourseIdentifier, type CourseIdentifier } from './courses';

/** `LeadProvider::ALL_ACTIVE_PROVIDERS`; `id` is the provider's fixed `ecf_id` (the API-facing id). */
export const LEAD_PROVIDERS = [
  { id: '9e35e998-c63b-4136-89c4-e9e18ddde0ea', name: 'Ambition Institute' },
  { id: '57ba9e86-559f-4ff4-a6d2-4610c7259b67', name: 'Best Practice Network' },
  { id: '79cb41ca-cb6d-405c-b52c-b6f7c752388d', name: 'Church of England' },
  { id: '230e67c0-071a-4a48-9673-9d043d456281', name: 'LLSE' },
  { id: '3ec607f2-7a3a-421f-9f1a-9aca8a634aeb', name: 'National Institute of Teaching' },
  { id: 'bc5e4e37-1d64-4149-a06b-ad10d3c55fd0', name: 'School-Led Network' },
  { id: 'a02ae582-f939-462f-90bc-cebf20fa8473', name: 'Teach First' },
  { id: 'ef687b3d-c1c0-4566-a295-16d6fa5d0fa7', name: 'UCL Institute of Education' },
] as const satisfies readonly { readonly id: string; readonly name: string }[];

export type LeadProviderId = (typeof LEAD_PROVIDERS)[number]['id'];
export type LeadProviderName = (typeof LEAD_PROVIDERS)[number]['name'];
export interface LeadProvider {
  readonly id: LeadProviderId;
  readonly name: LeadProviderName;
}

/** Providers that no longer exist (kept for recognising historical ids only; never "current"). */
export const REMOVED_LEAD_PROVIDERS = [
  { id: '30fd937e-b93c-4f81-8fff-3c27544193f1', name: 'Teacher Development Trust', removed: '2025-02' },
] as const;

/** Provider ids by a short camelCase key, for readable tables. */
export const LEAD_PROVIDER_IDS = {
  ambition: '9e35e998-c63b-4136-89c4-e9e18ddde0ea',
  bestPracticeNetwork: '57ba9e86-559f-4ff4-a6d2-4610c7259b67',
  churchOfEngland: '79cb41ca-cb6d-405c-b52c-b6f7c752388d',
  llse: '230e67c0-071a-4a48-9673-9d043d456281',
  niot: '3ec607f2-7a3a-421f-9f1a-9aca8a634aeb',
  schoolLedNetwork: 'bc5e4e37-1d64-4149-a06b-ad10d3c55fd0',
  teachFirst: 'a02ae582-f939-462f-90bc-cebf20fa8473',
  ucl: 'ef687b3d-c1c0-4566-a295-16d6fa5d0fa7',
} as const satisfies Readonly<Record<string, LeadProviderId>>;

const LEAD_PROVIDER_BY_ID: ReadonlyMap<string, LeadProvider> = new Map(
  LEAD_PROVIDERS.map((lp) => [lp.id, lp]),
);

export function isLeadProviderId(value: unknown): value is LeadProviderId {
  return typeof value === 'string' && LEAD_PROVIDER_BY_ID.has(value);
}

/** The current provider with that id (ecf_id), or undefined. Case-sensitive, like the DB lookup. */
export function leadProviderById(id: string): LeadProvider | undefined {
  return LEAD_PROVIDER_BY_ID.get(id);
}

/** Lookup by exact name (the bulk-creator CSV and some one-off tasks find providers by name). */
export function leadProviderByName(name: string): LeadProvider | undefined {
  return LEAD_PROVIDERS.find((lp) => lp.name === name);
}

export type CourseOfferingMatrix = Readonly<Record<CourseIdentifier, readonly LeadProviderId[]>>;

const P = LEAD_PROVIDER_IDS;
const SEVEN = [
  P.ambition,
  P.bestPracticeNetwork,
  P.churchOfEngland,
  P.llse,
  P.niot,
  P.teachFirst,
  P.ucl,
] as const;
const BPN_AND_LLSE = [P.bestPracticeNetwork, P.llse] as const;

/**
 * Course → providers (`course_cohorts` + `course_cohort_providers`).
 *
 * - `default`: `default_course_cohort_providers.csv`, applied to every funded cohort. School-Led Network
 *   offers nothing; nobody offers ASO.
 * - `byCohort`: per-cohort overrides (`unfunded_spring_2026a_course_cohort_providers.csv`).
 */
export const COURSE_OFFERINGS: {
  readonly default: CourseOfferingMatrix;
  readonly byCohort: Readonly<Partial<Record<CohortIdentifier, CourseOfferingMatrix>>>;
} = {
  default: {
    'npq-headship': SEVEN,
    'npq-senior-leadership': SEVEN,
    'npq-leading-teaching': SEVEN,
    'npq-leading-teaching-development': SEVEN,
    'npq-leading-behaviour-culture': SEVEN,
    'npq-early-headship-coaching-offer': SEVEN,
    'npq-executive-leadership': SEVEN,
    'npq-early-years-leadership': [P.ambition, P.niot, P.teachFirst, P.ucl],
    'npq-leading-literacy': [P.ambition, P.niot, P.teachFirst, P.ucl],
    'npq-leading-primary-mathematics': [P.ambition, P.churchOfEngland, P.llse, P.niot, P.teachFirst, P.ucl],
    'npq-senco': [P.ambition, P.bestPracticeNetwork, P.churchOfEngland, P.niot, P.teachFirst, P.ucl],
    'npq-additional-support-offer': [],
  },
  byCohort: {
    '2026a': {
      'npq-headship': BPN_AND_LLSE,
      'npq-senior-leadership': BPN_AND_LLSE,
      'npq-leading-teaching': BPN_AND_LLSE,
      'npq-leading-teaching-development': BPN_AND_LLSE,
      'npq-leading-behaviour-culture': BPN_AND_LLSE,
      'npq-early-headship-coaching-offer': BPN_AND_LLSE,
      'npq-executive-leadership': BPN_AND_LLSE,
      'npq-leading-primary-mathematics': [P.llse],
      'npq-senco': [P.bestPracticeNetwork],
      'npq-early-years-leadership': [],
      'npq-leading-literacy': [],
      'npq-additional-support-offer': [],
    },
  },
};

/**
 * The course → providers matrix that applies to a cohort: its override if it has one, otherwise the
 * default for a funded cohort, otherwise (an unfunded cohort without an override) undefined.
 */
export function courseOfferingsForCohort(cohortIdentifier: string): CourseOfferingMatrix | undefined {
  const cohort = cohortByIdentifier(cohortIdentifier);
  if (!cohort) return undefined;
  const override = COURSE_OFFERINGS.byCohort[cohort.identifier];
  if (override) return override;
  return isFunded(cohort) ? COURSE_OFFERINGS.default : undefined;
}

/** `LeadProvider.for(course:, cohort:)`: providers offering a course in a cohort (empty when none). */
export function leadProvidersOffering(
  courseIdentifier: string,
  cohortIdentifier: string,
): readonly LeadProvider[] {
  const matrix = courseOfferingsForCohort(cohortIdentifier);
  if (!matrix || !isCourseIdentifier(courseIdentifier)) return [];
  const ids: readonly string[] = matrix[courseIdentifier];
  return LEAD_PROVIDERS.filter((lp) => ids.includes(lp.id));
}

/** True when the provider offers the course in the cohort. False for any unknown identifier. */
export function offersCourse(
  leadProviderId: string,
  courseIdentifier: string,
  cohortIdentifier: string,
): boolean {
  return leadProvidersOffering(courseIdentifier, cohortIdentifier).some((lp) => lp.id === leadProviderId);
}
