import { randomUUID } from 'node:crypto';
import { startSystem, type System } from '../support/system';
import {
  AMBITION,
  BPN,
  applicationAttributes,
  createAcceptedApplication,
  createApplication,
  intakeBody,
  samePerson,
} from '../support/fixtures';

const INTAKE = '/admin/v1/npq-applications';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

async function countFor(leadProviderId: string): Promise<number> {
  const res = await system.provider(leadProviderId).get('/api/v3/npq-applications?page[per_page]=3000');
  return res.body.data.length as number;
}

/** The events the applications service staged for these aggregates, in staging order (its outbox). */
async function stagedEvents(...aggregateIds: string[]): Promise<string[]> {
  const rows = await system.services.applications.runtime.orm.em
    .fork()
    .execute<{ name: string }[]>(
      'select name from applications.outbox where aggregate_id = any(?::uuid[]) order by seq',
      [`{${aggregateIds.join(',')}}`],
    );
  return rows.map((r) => r.name);
}

const newTrn = () => String(1000000 + Math.floor(Math.random() * 8999999));
const newEmail = () => `registered-${randomUUID().slice(0, 8)}@example.com`;
const readApplication = async (id: string, leadProviderId: string) =>
  (await system.provider(leadProviderId).get(`/api/v3/npq-applications/${id}`)).body.data.attributes;

describe('POST /admin/v1/npq-applications', () => {
  it('creates a person and a pending application and answers 201 with the v3 resource', async () => {
    const attrs = applicationAttributes({
      course_identifier: 'npq-senco',
      works_as_senco: 'yes',
      senco_start_date: '2024-09-01',
      funding_choice: 'school',
      eligible_for_funding: false,
    });
    const res = await system.admin.post(INTAKE, { data: { type: 'npq_application', attributes: attrs } });
    expect(res.status).toBe(201);
    const { id, type, attributes } = res.body.data;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(type).toBe('npq_application');
    expect(attributes).toEqual({
      course_identifier: 'npq-senco',
      email: attrs.email,
      email_validated: true,
      employer_name: null,
      employment_role: null,
      full_name: attrs.full_name,
      funding_choice: 'school',
      headteacher_status: 'no',
      ineligible_for_funding_reason: 'establishment-ineligible',
      participant_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      private_childcare_provider_urn: null,
      teacher_reference_number: attrs.teacher_reference_number,
      teacher_reference_number_validated: true,
      school_urn: '123456',
      school_ukprn: '12345678',
      status: 'pending',
      reason_for_rejection: null,
      works_in_school: true,
      cohort: '2025',
      cohort_suffix: 'a',
      eligible_for_funding: false,
      targeted_delivery_funding_eligibility: false,
      teacher_catchment: true,
      teacher_catchment_country: 'United Kingdom of Great Britain and Northern Ireland',
      teacher_catchment_iso_country_code: 'GBR',
      itt_provider: null,
      lead_mentor: false,
      funded_place: null,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      updated_at: attributes.created_at,
      schedule_identifier: null,
      works_as_senco: 'yes',
      senco_start_date: '2024-09-01',
    });
    // Attribute order is DfE's emitted order.
    expect(Object.keys(attributes)).toEqual([
      'course_identifier',
      'email',
      'email_validated',
      'employer_name',
      'employment_role',
      'full_name',
      'funding_choice',
      'headteacher_status',
      'ineligible_for_funding_reason',
      'participant_id',
      'private_childcare_provider_urn',
      'teacher_reference_number',
      'teacher_reference_number_validated',
      'school_urn',
      'school_ukprn',
      'status',
      'reason_for_rejection',
      'works_in_school',
      'cohort',
      'cohort_suffix',
      'eligible_for_funding',
      'targeted_delivery_funding_eligibility',
      'teacher_catchment',
      'teacher_catchment_country',
      'teacher_catchment_iso_country_code',
      'itt_provider',
      'lead_mentor',
      'funded_place',
      'created_at',
      'updated_at',
      'schedule_identifier',
      'works_as_senco',
      'senco_start_date',
    ]);
  });

  it('adds an application to an existing participant when participant_id is given', async () => {
    const first = await createApplication(system.admin);
    const second = await createApplication(system.admin, {
      participant_id: first.attributes.participant_id,
      lead_provider_id: BPN.id,
      full_name: undefined,
      email: undefined,
      teacher_reference_number: undefined,
      teacher_reference_number_validated: undefined,
    });
    expect(second.attributes.participant_id).toBe(first.attributes.participant_id);
    expect(second.attributes.full_name).toBe(first.attributes.full_name);
    expect(second.attributes.email).toBe(first.attributes.email);
  });

  it('hides an unvalidated TRN and maps catchments outside the UK to false', async () => {
    const app = await createApplication(system.admin, {
      teacher_reference_number_validated: false,
      teacher_catchment: 'another',
      teacher_catchment_country: 'France',
      teacher_catchment_iso_country_code: 'FRA',
    });
    expect(app.attributes.teacher_reference_number).toBeNull();
    expect(app.attributes.teacher_reference_number_validated).toBe(false);
    expect(app.attributes.teacher_catchment).toBe(false);
  });

  it('sets funded_place false for an unfunded (zero) cohort', async () => {
    const app = await createApplication(system.admin, { cohort: '2026', cohort_suffix: 'a' });
    expect(app.attributes.funded_place).toBe(false);
    expect(app.attributes.cohort_suffix).toBe('a');
    const autumn = await createApplication(system.admin, { cohort: '2026', cohort_suffix: 'b' });
    expect(autumn.attributes.cohort).toBe('2026');
    expect(autumn.attributes.cohort_suffix).toBe('b');
    expect(autumn.attributes.funded_place).toBeNull();
  });

  describe('validation: 422 with one error per problem, title = attribute, nothing created', () => {
    const cases: [string, Record<string, unknown>, { title: string; detail: string }[]][] = [
      [
        'a missing lead provider',
        { lead_provider_id: undefined },
        [{ title: 'lead_provider_id', detail: "The '#/lead_provider_id' attribute is required" }],
      ],
      [
        'an unknown lead provider',
        { lead_provider_id: '8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a' },
        [{ title: 'lead_provider_id', detail: "The '#/lead_provider_id' is not a current lead provider" }],
      ],
      [
        'an unknown course',
        { course_identifier: 'npq-basket-weaving' },
        [{ title: 'course_identifier', detail: "The entered '#/course_identifier' is not recognised" }],
      ],
      [
        'a cohort that is not a year',
        { cohort: 'next' },
        [{ title: 'cohort', detail: 'The \'#/cohort\' must be a start year such as "2025"' }],
      ],
      [
        'an unknown cohort',
        { cohort: '2019' },
        [{ title: 'cohort', detail: 'The cohort 2019a does not exist' }],
      ],
      [
        'an unknown suffix',
        { cohort: '2024', cohort_suffix: 'b' },
        [{ title: 'cohort', detail: 'The cohort 2024b does not exist' }],
      ],
      [
        'a numeric cohort',
        { cohort: 2025 },
        [{ title: 'cohort', detail: "The '#/cohort' attribute must be a string" }],
      ],
      [
        'a string boolean',
        { eligible_for_funding: 'true' },
        [
          {
            title: 'eligible_for_funding',
            detail: "The '#/eligible_for_funding' attribute must be true or false",
          },
        ],
      ],
      [
        'a bad TRN',
        { teacher_reference_number: '12AB' },
        [{ title: 'teacher_reference_number', detail: "The '#/teacher_reference_number' must be 7 digits" }],
      ],
      [
        'a validated TRN without a TRN',
        { teacher_reference_number: undefined },
        [
          {
            title: 'teacher_reference_number_validated',
            detail: "A TRN can only be validated when '#/teacher_reference_number' is given",
          },
        ],
      ],
      [
        'a bad email',
        { email: 'not-an-email' },
        [{ title: 'email', detail: "The '#/email' is not a valid email address" }],
      ],
      [
        'a missing name',
        { full_name: '  ' },
        [{ title: 'full_name', detail: "The '#/full_name' attribute is required" }],
      ],
      [
        'an unknown enum value',
        { headteacher_status: 'maybe' },
        [
          {
            title: 'headteacher_status',
            detail:
              "The '#/headteacher_status' attribute must be one of: no, yes_when_course_starts, yes_in_first_two_years, yes_over_two_years, yes_in_first_five_years, yes_over_five_years",
          },
        ],
      ],
      [
        'a raw catchment that does not exist',
        { teacher_catchment: 'mars' },
        [
          {
            title: 'teacher_catchment',
            detail:
              "The '#/teacher_catchment' attribute must be one of: england, scotland, wales, northern_ireland, jersey_guernsey_isle_of_man, another",
          },
        ],
      ],
      [
        'an impossible SENCO start date',
        { senco_start_date: '2024-02-30' },
        [
          {
            title: 'senco_start_date',
            detail: "The '#/senco_start_date' must be a date in the format YYYY-MM-DD",
          },
        ],
      ],
      [
        'a funded place in an unfunded cohort',
        { cohort: '2026', cohort_suffix: 'a', funded_place: true },
        [
          {
            title: 'funded_place',
            detail: "The '#/funded_place' field should be false for unfunded cohorts.",
          },
        ],
      ],
      [
        'a funded place in a cohort without a cap',
        { cohort: '2023', funded_place: true },
        [
          {
            title: 'funded_place',
            detail:
              "The '#/funded_place' field should not be set for cohorts that do not have a funding cap.",
          },
        ],
      ],
      [
        'a funded place for someone not eligible for funding (capped cohort)',
        { cohort: '2025', funded_place: true, eligible_for_funding: false },
        [
          {
            title: 'funded_place',
            detail: "The participant is not eligible for funding, so '#/funded_place' cannot be set to true.",
          },
        ],
      ],
      [
        'an unknown attribute',
        { favourite_colour: 'blue' },
        [{ title: 'favourite_colour', detail: "'#/favourite_colour' is not a known attribute" }],
      ],
      [
        'a malformed participant id',
        {
          participant_id: 'abc',
          full_name: undefined,
          email: undefined,
          teacher_reference_number: undefined,
          teacher_reference_number_validated: undefined,
        },
        [{ title: 'participant_id', detail: "The '#/participant_id' must be a UUID" }],
      ],
      [
        'an unknown participant',
        {
          participant_id: '8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a',
          full_name: undefined,
          email: undefined,
          teacher_reference_number: undefined,
          teacher_reference_number_validated: undefined,
        },
        [{ title: 'participant_id', detail: "The '#/participant_id' does not exist" }],
      ],
    ];

    it.each(cases)('refuses %s', async (_name, overrides, errors) => {
      const before = await countFor(AMBITION.id);
      const res = await system.admin.post(INTAKE, intakeBody(overrides));
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ errors });
      expect(await countFor(AMBITION.id)).toBe(before);
    });

    it('reports every problem at once, attribute by attribute', async () => {
      const res = await system.admin.post(
        INTAKE,
        intakeBody({ course_identifier: 7, works_in_school: 'yes', lead_mentor: 1 }),
      );
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { title: string }) => e.title)).toEqual([
        'course_identifier',
        'works_in_school',
        'lead_mentor',
      ]);
    });

    it('refuses an email another participant already uses (case-insensitively)', async () => {
      const existing = await createApplication(system.admin);
      const res = await system.admin.post(
        INTAKE,
        intakeBody({ email: String(existing.attributes.email).toUpperCase() }),
      );
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        errors: [{ title: 'email', detail: "The '#/email' is already used by another participant" }],
      });
    });

    it.each([
      ['no body', undefined],
      ['no data', { type: 'npq_application' }],
      ['no attributes', { data: { type: 'npq_application' } }],
      ['empty attributes', { data: { type: 'npq_application', attributes: {} } }],
      ['a JSON array', [1, 2]],
    ])('answers %s with DfE 400', async (_name, body) => {
      const res = await system.admin.post(INTAKE, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        errors: [
          {
            title: 'Bad request',
            detail: 'correct json data structure required. See API docs for reference',
          },
        ],
      });
    });
  });

  describe('a registration for an existing participant (participant_id and the identity the form sent)', () => {
    it('leaves the person alone when the details are their own: no event, updated_at unchanged', async () => {
      const first = await createApplication(system.admin);
      const participantId = first.attributes.participant_id as string;
      const res = await system.admin.post(
        INTAKE,
        intakeBody({
          participant_id: participantId,
          lead_provider_id: BPN.id,
          full_name: first.attributes.full_name,
          email: first.attributes.email,
          teacher_reference_number: first.attributes.teacher_reference_number,
          teacher_reference_number_validated: true,
        }),
        { headers: { 'x-with-server-date': '2030-01-01T00:00:00Z' } },
      );
      expect(res.status).toBe(201);
      expect(res.body.data.attributes).toMatchObject({
        participant_id: participantId,
        full_name: first.attributes.full_name,
        email: first.attributes.email,
        teacher_reference_number: first.attributes.teacher_reference_number,
        teacher_reference_number_validated: true,
        created_at: '2030-01-01T00:00:00Z',
      });
      expect(await readApplication(first.id, AMBITION.id)).toMatchObject({
        updated_at: first.attributes.updated_at,
      });
      expect(await stagedEvents(participantId)).toEqual([]);
      expect(await stagedEvents(res.body.data.id)).toEqual(['application.created']);
    });

    it('updates the person from the newest registration as PATCH does, before the application is created', async () => {
      const first = await createAcceptedApplication(system);
      const participantId = first.attributes.participant_id as string;
      const at = '2030-02-01T00:00:00Z';
      const identity = {
        full_name: 'Registered Again',
        email: newEmail(),
        teacher_reference_number: newTrn(),
        teacher_reference_number_validated: true,
      };
      const res = await system.admin.post(
        INTAKE,
        intakeBody({
          participant_id: participantId,
          lead_provider_id: BPN.id,
          course_identifier: 'npq-senco',
          ...identity,
        }),
        { headers: { 'x-with-server-date': at } },
      );
      expect(res.status).toBe(201);
      expect(res.body.data.attributes).toMatchObject({
        ...identity,
        participant_id: participantId,
        created_at: at,
        updated_at: at,
      });
      // The person's application with another provider shows the new details and is back in updated_since feeds.
      expect(await readApplication(first.id, AMBITION.id)).toMatchObject({ ...identity, updated_at: at });
      const feed = await system
        .provider(AMBITION.id)
        .get('/api/v3/npq-applications?filter[updated_since]=2030-01-31T00:00:00Z');
      expect(feed.body.data.map((a: { id: string }) => a.id)).toContain(first.id);
      // Training has applied the change before the answer: the participant shows it, old name kept.
      const participant = await system.provider(AMBITION.id).get(`/api/v3/participants/npq/${participantId}`);
      expect(participant.status).toBe(200);
      expect(participant.body.data.attributes).toMatchObject({
        full_name: identity.full_name,
        previous_names: [first.attributes.full_name],
        teacher_reference_number: identity.teacher_reference_number,
        updated_at: at,
      });
      expect(await stagedEvents(participantId, res.body.data.id)).toEqual([
        'person.updated',
        'application.created',
      ]);
    });

    it('starts a new TRN unvalidated unless the registration says it is validated, as PATCH does', async () => {
      const first = await createApplication(system.admin);
      const res = await system.admin.post(
        INTAKE,
        intakeBody({
          ...samePerson(first.attributes.participant_id as string),
          lead_provider_id: BPN.id,
          teacher_reference_number: newTrn(),
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body.data.attributes).toMatchObject({
        full_name: first.attributes.full_name,
        email: first.attributes.email,
        teacher_reference_number: null,
        teacher_reference_number_validated: false,
      });
      expect(await readApplication(first.id, AMBITION.id)).toMatchObject({
        teacher_reference_number: null,
        teacher_reference_number_validated: false,
      });
    });

    it("refuses an email another participant uses with PATCH's 422, and stores nothing", async () => {
      const other = await createApplication(system.admin);
      const first = await createApplication(system.admin);
      const participantId = first.attributes.participant_id as string;
      const before = await countFor(BPN.id);
      const res = await system.admin.post(
        INTAKE,
        intakeBody({
          participant_id: participantId,
          lead_provider_id: BPN.id,
          full_name: 'Not Stored',
          email: String(other.attributes.email).toUpperCase(),
          teacher_reference_number: first.attributes.teacher_reference_number,
        }),
        { headers: { 'x-with-server-date': '2030-03-01T00:00:00Z' } },
      );
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        errors: [{ title: 'email', detail: "The '#/email' is already used by another participant" }],
      });
      const patched = await system.admin.patch(`/admin/v1/participants/${participantId}`, {
        data: { type: 'participant', attributes: { email: other.attributes.email } },
      });
      expect(patched.body).toEqual(res.body);
      expect(await countFor(BPN.id)).toBe(before);
      expect(await readApplication(first.id, AMBITION.id)).toMatchObject({
        full_name: first.attributes.full_name,
        email: first.attributes.email,
        updated_at: first.attributes.updated_at,
      });
      expect(await stagedEvents(participantId)).toEqual([]);
    });

    it.each([
      ['a blank name', { full_name: '' }],
      ['a bad email', { email: 'nope' }],
      ['a bad TRN', { teacher_reference_number: '12' }],
      ['a string boolean', { teacher_reference_number_validated: 'yes' }],
      [
        'validation without a TRN',
        { teacher_reference_number: null, teacher_reference_number_validated: true },
      ],
    ])('refuses %s with the same 422 as PATCH, and stores nothing', async (_name, identity) => {
      const first = await createApplication(system.admin);
      const participantId = first.attributes.participant_id as string;
      const before = await countFor(BPN.id);
      const res = await system.admin.post(
        INTAKE,
        intakeBody({ ...samePerson(participantId), lead_provider_id: BPN.id, ...identity }),
      );
      expect(res.status).toBe(422);
      const patched = await system.admin.patch(`/admin/v1/participants/${participantId}`, {
        data: { type: 'participant', attributes: identity },
      });
      expect(patched.status).toBe(422);
      expect(res.body).toEqual(patched.body);
      expect(await countFor(BPN.id)).toBe(before);
      expect(await readApplication(first.id, AMBITION.id)).toMatchObject({
        full_name: first.attributes.full_name,
        teacher_reference_number: first.attributes.teacher_reference_number,
        updated_at: first.attributes.updated_at,
      });
    });
  });

  it('is for DfE operators only', async () => {
    const res = await system.provider().post(INTAKE, intakeBody());
    expect(res.status).toBe(401);
  });
});
