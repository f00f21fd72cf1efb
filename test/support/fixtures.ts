import { randomUUID } from 'node:crypto';
import { LEAD_PROVIDERS } from '@npq/contracts';
import type { ApiClient } from '@npq/test-kit';

export const [AMBITION, BPN, CHURCH] = LEAD_PROVIDERS;

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
