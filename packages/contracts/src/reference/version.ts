/**
 * Reference-data version and fingerprint. Any change to the data in this module changes the
 * fingerprint; `test/reference-version.test.ts` pins the fingerprint for the current version, so a data
 * change must come with a new {@link REFERENCE_DATA_VERSION} and an updated pin.
 */
import { createHash } from 'node:crypto';

import { COHORT_FUNDINGS, COHORTS, REGISTRATION_COURSE_START_COHORTS } from './cohorts';
import {
  COURSE_GROUPS,
  COURSE_IDENTIFIERS,
  COURSES,
  LA_NURSERY_APPROVED_COURSES,
  ONLY_PP50_COURSES,
  OUTCOME_COURSE_GROUPS,
  OUTCOME_COURSE_IDENTIFIERS,
  REBRANDED_COURSE_IDENTIFIERS,
  UPLIFT_INELIGIBLE_COURSES,
} from './courses';
import {
  DEFAULT_SCHEDULE_RULES,
  DEFAULT_SCHEDULE_SEASONS,
  DEFAULT_SCHEDULE_WINDOWS,
} from './default-schedule';
import * as enums from './enums';
import {
  CONTRACT_FIRST_START_YEAR,
  CONTRACT_SEED_TEMPLATE,
  CONTRACT_TERMS_BY_COURSE_GROUP,
  SEED_OUTPUT_FEE_MONTHS,
  SPECIAL_COURSE_START_YEARS,
  contractTemplateFor,
  seedStatementPeriods,
} from './finance-seed';
import { COURSE_OFFERINGS, LEAD_PROVIDERS, REMOVED_LEAD_PROVIDERS } from './lead-providers';
import {
  COHORT_SCHEDULE_IDENTIFIERS,
  DECLARATION_TYPES,
  SCHEDULE_DEFINITIONS,
  SCHEDULE_IDENTIFIERS,
  SCHEDULES,
  SPECIALIST_DECLARATION_TYPES,
} from './schedules';

/**
 * Bump (date of the change, then a counter) whenever any reference data changes, and update the pinned
 * fingerprint in `test/reference-version.test.ts`.
 */
export const REFERENCE_DATA_VERSION = '2026-11-29.1';

/** Every data value (not function) of the enums module, keyed by export name. */
function enumData(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(enums)) {
    if (typeof value !== 'function') out[name] = value;
  }
  return out;
}

/** All reference data as one plain JSON-compatible value (derived tables included). */
export function referenceDataSnapshot(): Record<string, unknown> {
  return {
    courses: {
      COURSE_IDENTIFIERS,
      COURSE_GROUPS,
      COURSES,
      REBRANDED_COURSE_IDENTIFIERS,
      OUTCOME_COURSE_IDENTIFIERS,
      OUTCOME_COURSE_GROUPS,
      UPLIFT_INELIGIBLE_COURSES,
      ONLY_PP50_COURSES,
      LA_NURSERY_APPROVED_COURSES,
    },
    cohorts: { COHORT_FUNDINGS, COHORTS, REGISTRATION_COURSE_START_COHORTS },
    schedules: {
      SCHEDULE_IDENTIFIERS,
      DECLARATION_TYPES,
      SPECIALIST_DECLARATION_TYPES,
      SCHEDULE_DEFINITIONS,
      COHORT_SCHEDULE_IDENTIFIERS,
      SCHEDULES,
    },
    leadProviders: { LEAD_PROVIDERS, REMOVED_LEAD_PROVIDERS, COURSE_OFFERINGS },
    enums: enumData(),
    defaultSchedule: { DEFAULT_SCHEDULE_WINDOWS, DEFAULT_SCHEDULE_SEASONS, DEFAULT_SCHEDULE_RULES },
    financeSeed: {
      SEED_OUTPUT_FEE_MONTHS,
      CONTRACT_SEED_TEMPLATE,
      CONTRACT_TERMS_BY_COURSE_GROUP,
      CONTRACT_FIRST_START_YEAR,
      SPECIAL_COURSE_START_YEARS,
      statementPeriods: Object.fromEntries(COHORTS.map((c) => [c.identifier, seedStatementPeriods(c)])),
      contractTemplates: Object.fromEntries(
        COHORTS.map((cohort) => [
          cohort.identifier,
          Object.fromEntries(
            COURSE_IDENTIFIERS.map((course) => [
              course,
              contractTemplateFor(course, cohort.identifier) ?? null,
            ]),
          ),
        ]),
      ),
    },
  };
}

/**
 * JSON with object keys sorted (recursively) and no whitespace; arrays keep their order. Rejects values
 * JSON cannot represent faithfully (undefined inside arrays, functions, non-finite numbers, bigint...).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: unsupported value of type ${typeof value}`);
}

let cachedFingerprint: string | undefined;

/** sha256 (hex) of the canonical JSON of {@link referenceDataSnapshot}. */
export function referenceDataFingerprint(): string {
  cachedFingerprint ??= createHash('sha256')
    .update(canonicalJson(referenceDataSnapshot()), 'utf8')
    .digest('hex');
  return cachedFingerprint;
}
