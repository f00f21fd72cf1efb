import { randomUUID } from 'node:crypto';
import { LEAD_PROVIDERS } from '@npq/contracts';
import type { ApiClient } from '@npq/test-kit';

export const [AMBITION, BPN, CHURCH] = LEAD_PROVIDERS;

/**
 * What every valid intake body in the tests, the bench, the chaos load and the container check shares: an
 * eligible, TRN-validated teacher working in an English school with no funding choice made. Callers add who
 * (name, email, TRN), where (lead provider, course) and when (cohort).
 */
export const INTAKE_DEFAULTS = {
  teacher_reference_number_validated: true,
  eligible_for_funding: true,
  targeted_delivery_funding_eligibility: false,
  funding_choice: null,
  school_urn: '123456',
  school_ukprn: '12345678',
  private_childcare_provider_urn: null,
  works_in_school: true,
  employer_name: null,
  employment_role: null,
  headteacher_status: 'no',
  teacher_catchment: 'england',
  teacher_catchment_country: 'United Kingdom of Great Britain and Northern Ireland',
  teacher_catchment_iso_country_code: 'GBR',
  itt_provider: null,
  lead_mentor: false,
  works_as_senco: null,
  senco_start_date: null,
  funded_place: null,
} as const;

let counter = 0;

/** A complete, valid intake body; override any attribute. */
export function applicationAttributes(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    lead_provider_id: AMBITION.id,
    course_identifier: 'npq-headship',
    cohort: '2025',
    cohort_suffix: 'a',
    full_name: `Test Person ${counter}`,
    email: `person-${counter}-${randomUUID().slice(0, 8)}@example.com`,
    teacher_reference_number: String(1000000 + Math.floor(Math.random() * 8999999)),
    ...INTAKE_DEFAULTS,
    ...overrides,
  };
}

export function intakeBody(overrides: Record<string, unknown> = {}) {
  return { data: { type: 'npq_application', attributes: applicationAttributes(overrides) } };
}

/** Creates an application through the admin intake and returns the v3 resource. */
export async function createApplication(admin: ApiClient, overrides: Record<string, unknown> = {}) {
  const res = await admin.post('/admin/v1/npq-applications', intakeBody(overrides));
  if (res.status !== 201) throw new Error(`intake failed: ${res.status} ${res.text}`);
  return res.body.data as { id: string; type: string; attributes: Record<string, any> };
}

/** The same person applying again, sending no identity attributes (so the person is left as it is). */
export function samePerson(participantId: string): Record<string, unknown> {
  return {
    participant_id: participantId,
    full_name: undefined,
    email: undefined,
    teacher_reference_number: undefined,
    teacher_reference_number_validated: undefined,
  };
}

/**
 * Creates an application and accepts it as its lead provider. Capped cohorts get `funded_place: true`
 * unless `accept` says otherwise; zero cohorts `false`. `at` sets the sandbox clock for the accept.
 */
export async function createAcceptedApplication(
  system: { admin: ApiClient; provider(leadProviderId?: string): ApiClient },
  overrides: Record<string, unknown> = {},
  options: { accept?: Record<string, unknown>; at?: string } = {},
) {
  const app = await createApplication(system.admin, overrides);
  const cohort = `${(overrides.cohort as string | undefined) ?? '2025'}${(overrides.cohort_suffix as string | undefined) ?? 'a'}`;
  const fundedPlace =
    cohort === '2026a' ? false : ['2021a', '2022a', '2023a'].includes(cohort) ? undefined : true;
  const attributes = {
    ...(fundedPlace === undefined ? {} : { funded_place: fundedPlace }),
    ...options.accept,
  };
  const lp = (overrides.lead_provider_id as string | undefined) ?? AMBITION.id;
  const res = await system
    .provider(lp)
    .post(
      `/api/v3/npq-applications/${app.id}/accept`,
      Object.keys(attributes).length > 0
        ? { data: { type: 'npq-application-accept', attributes } }
        : undefined,
      options.at ? { headers: { 'x-with-server-date': options.at } } : {},
    );
  if (res.status !== 200) throw new Error(`accept failed: ${res.status} ${res.text}`);
  return res.body.data as { id: string; type: string; attributes: Record<string, any> };
}
