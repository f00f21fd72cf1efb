import { startSystem, type System } from '../support/system';
import { AMBITION, BPN, CHURCH, createApplication } from '../support/fixtures';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

const accept = (id: string, body?: unknown, lp: string = AMBITION.id, headers: Record<string, string> = {}) =>
  system.provider(lp).post(`/api/v3/npq-applications/${id}/accept`, body, { headers });
const acceptBody = (attributes: Record<string, unknown>) => ({
  data: { type: 'npq-application-accept', attributes },
});
const errors = (...items: [string, string][]) => ({
  errors: items.map(([title, detail]) => ({ title, detail })),
});

describe('POST /api/v3/npq-applications/{id}/accept', () => {
  it('accepts with the default schedule for the acceptance date, and sets accepted state', async () => {
    const app = await createApplication(system.admin, { cohort: '2023', course_identifier: 'npq-headship' });
    const res = await accept(app.id, undefined, AMBITION.id, {
      'x-with-server-date': '2023-11-02T10:00:00Z',
    });
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({
      status: 'accepted',
      schedule_identifier: 'npq-leadership-autumn',
      funded_place: null,
      reason_for_rejection: null,
      updated_at: '2023-11-02T10:00:00Z',
    });
    const shown = await system.provider().get(`/api/v3/npq-applications/${app.id}`);
    expect(shown.body.data.attributes.status).toBe('accepted');
  });

  it('takes an explicit schedule from the application cohort', async () => {
    const app = await createApplication(system.admin, {
      cohort: '2025',
      course_identifier: 'npq-leading-teaching',
    });
    const res = await accept(
      app.id,
      acceptBody({ funded_place: true, schedule_identifier: 'npq-specialist-spring' }),
    );
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({
      schedule_identifier: 'npq-specialist-spring',
      funded_place: true,
    });
  });

  describe('funded place by cohort funding', () => {
    it('capped: requires a JSON boolean', async () => {
      for (const value of [undefined, 'true', null, 1]) {
        const app = await createApplication(system.admin, { cohort: '2025' });
        const res = await accept(
          app.id,
          value === undefined ? undefined : acceptBody({ funded_place: value }),
        );
        expect(res.status).toBe(422);
        expect(res.body).toEqual(errors(['funded_place', "Set '#/funded_place' to true or false."]));
      }
    });

    it('capped: true only when eligible for funding; false is always fine', async () => {
      const ineligible = await createApplication(system.admin, {
        cohort: '2025',
        eligible_for_funding: false,
      });
      const res = await accept(ineligible.id, acceptBody({ funded_place: true }));
      expect(res.status).toBe(422);
      expect(res.body).toEqual(
        errors([
          'application',
          "The participant is not eligible for funding, so '#/funded_place' cannot be set to true.",
        ]),
      );
      const ok = await accept(ineligible.id, acceptBody({ funded_place: false }));
      expect(ok.status).toBe(200);
      expect(ok.body.data.attributes.funded_place).toBe(false);
    });

    it('full: ignores funded_place and leaves it null', async () => {
      const app = await createApplication(system.admin, { cohort: '2023' });
      const res = await accept(app.id, acceptBody({ funded_place: true }));
      expect(res.status).toBe(200);
      expect(res.body.data.attributes.funded_place).toBeNull();
    });

    it('zero: must be false, including when absent', async () => {
      const app = await createApplication(system.admin, { cohort: '2026', cohort_suffix: 'a' });
      const missing = await accept(app.id);
      expect(missing.status).toBe(422);
      expect(missing.body).toEqual(
        errors(['funded_place', "The '#/funded_place' field should be false for unfunded cohorts."]),
      );
      const ok = await accept(app.id, acceptBody({ funded_place: false }));
      expect(ok.status).toBe(200);
      expect(ok.body.data.attributes).toMatchObject({
        funded_place: false,
        schedule_identifier: 'npq-leadership-spring',
      });
    });
  });

  describe('schedule', () => {
    it('refuses a schedule that is not in the application cohort, or not for the course', async () => {
      const app = await createApplication(system.admin, {
        cohort: '2024',
        course_identifier: 'npq-headship',
      });
      const missing = await accept(
        app.id,
        acceptBody({ funded_place: true, schedule_identifier: 'npq-leadership-spring' }),
      );
      expect(missing.status).toBe(422);
      expect(missing.body).toEqual(
        errors(['schedule_identifier', 'The selected schedule cannot be found in the application cohort']),
      );
      const wrongGroup = await accept(
        app.id,
        acceptBody({ funded_place: true, schedule_identifier: 'npq-specialist-autumn' }),
      );
      expect(wrongGroup.body).toEqual(
        errors(['schedule_identifier', 'The selected schedule is not valid for the course']),
      );
      const unknown = await accept(
        app.id,
        acceptBody({ funded_place: true, schedule_identifier: 'npq-leadership-summer' }),
      );
      expect(unknown.body).toEqual(
        errors(['schedule_identifier', 'The selected schedule cannot be found in the application cohort']),
      );
    });

    it('looks the identifier up exactly as sent; a blank one means the default schedule', async () => {
      const app = await createApplication(system.admin, {
        cohort: '2025',
        course_identifier: 'npq-headship',
      });
      const padded = await accept(
        app.id,
        acceptBody({ funded_place: true, schedule_identifier: ' npq-leadership-spring ' }),
      );
      expect(padded.status).toBe(422);
      expect(padded.body).toEqual(
        errors(['schedule_identifier', 'The selected schedule cannot be found in the application cohort']),
      );
      const notAString = await accept(app.id, acceptBody({ funded_place: true, schedule_identifier: false }));
      expect(notAString.body).toEqual(
        errors(['schedule_identifier', 'The selected schedule cannot be found in the application cohort']),
      );
      const blank = await accept(
        app.id,
        acceptBody({ funded_place: true, schedule_identifier: '  ' }),
        AMBITION.id,
        {
          'x-with-server-date': '2025-09-01T09:00:00Z',
        },
      );
      expect(blank.status).toBe(200);
      expect(blank.body.data.attributes.schedule_identifier).toBe('npq-leadership-autumn');
    });

    it('answers 422 when no default schedule exists for the cohort on that date', async () => {
      // 2024 has no spring schedules; a headship acceptance on 2 Jan 2024 defaults to spring.
      const app = await createApplication(system.admin, {
        cohort: '2024',
        course_identifier: 'npq-headship',
      });
      const res = await accept(app.id, acceptBody({ funded_place: false }), AMBITION.id, {
        'x-with-server-date': '2024-01-02T09:00:00Z',
      });
      expect(res.status).toBe(422);
      expect(res.body).toEqual(errors(['schedule', 'Schedule cannot be determined']));
    });
  });

  describe('state', () => {
    it('refuses to accept twice, and to accept a rejected application', async () => {
      const app = await createApplication(system.admin, { cohort: '2023' });
      expect((await accept(app.id)).status).toBe(200);
      const again = await accept(app.id);
      expect(again.status).toBe(422);
      expect(again.body).toEqual(errors(['application', 'This NPQ application has already been accepted']));

      const other = await createApplication(system.admin, { cohort: '2023' });
      expect((await system.provider().post(`/api/v3/npq-applications/${other.id}/reject`)).status).toBe(200);
      const rejected = await accept(other.id);
      expect(rejected.body).toEqual(
        errors(['application', 'Once rejected an application cannot change state']),
      );
    });

    it('rejects every other application of the person for the course and cohort, at any provider', async () => {
      const first = await createApplication(system.admin, { cohort: '2023', course_identifier: 'npq-senco' });
      const person = {
        participant_id: first.attributes.participant_id,
        full_name: undefined,
        email: undefined,
        teacher_reference_number: undefined,
        teacher_reference_number_validated: undefined,
      };
      const atBpn = await createApplication(system.admin, {
        ...person,
        lead_provider_id: BPN.id,
        cohort: '2023',
        course_identifier: 'npq-senco',
      });
      const otherCourse = await createApplication(system.admin, {
        ...person,
        lead_provider_id: BPN.id,
        cohort: '2023',
        course_identifier: 'npq-headship',
      });
      const otherCohort = await createApplication(system.admin, {
        ...person,
        lead_provider_id: CHURCH.id,
        cohort: '2022',
        course_identifier: 'npq-senco',
      });

      expect((await accept(first.id)).status).toBe(200);
      const sibling = await system.provider(BPN.id).get(`/api/v3/npq-applications/${atBpn.id}`);
      expect(sibling.body.data.attributes).toMatchObject({
        status: 'rejected',
        reason_for_rejection: 'other_application_in_this_cohort_accepted',
      });
      expect(
        (await system.provider(BPN.id).get(`/api/v3/npq-applications/${otherCourse.id}`)).body.data.attributes
          .status,
      ).toBe('pending');
      expect(
        (await system.provider(CHURCH.id).get(`/api/v3/npq-applications/${otherCohort.id}`)).body.data
          .attributes.status,
      ).toBe('pending');
      const late = await accept(atBpn.id, undefined, BPN.id);
      expect(late.body).toEqual(
        errors(
          ['application', 'Once rejected an application cannot change state'],
          ['application', 'The participant has already had an application accepted for this course.'],
        ),
      );
    });

    it('refuses when the person, or another person with the same verified TRN, is already accepted for the course', async () => {
      // ASO exists only in 2021, where it counts as the same course as EHCO.
      const first = await createApplication(system.admin, {
        cohort: '2021',
        course_identifier: 'npq-early-headship-coaching-offer',
      });
      expect((await accept(first.id)).status).toBe(200);
      // A second person with the same TRN (verified), applying to another provider for ASO (EHCO's alternative).
      const twin = await createApplication(system.admin, {
        lead_provider_id: BPN.id,
        cohort: '2021',
        course_identifier: 'npq-additional-support-offer',
        teacher_reference_number: first.attributes.teacher_reference_number,
      });
      const res = await accept(twin.id, undefined, BPN.id);
      expect(res.status).toBe(422);
      expect(res.body).toEqual(
        errors(['application', 'The participant has already had an application accepted for this course.']),
      );
    });
  });

  describe('bad input', () => {
    it.each([
      ['data without attributes', { data: { type: 'npq-application-accept' } }],
      ['empty attributes', acceptBody({})],
      ['only unknown attributes', acceptBody({ colour: 'blue' })],
      [
        'only array or object values (strong params drop them)',
        acceptBody({ funded_place: [true], schedule_identifier: {} }),
      ],
    ])('answers %s with DfE 400 and changes nothing', async (_name, body) => {
      const app = await createApplication(system.admin, { cohort: '2023' });
      const res = await accept(app.id, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        errors: [
          {
            title: 'Bad request',
            detail: 'correct json data structure required. See API docs for reference',
          },
        ],
      });
      expect(
        (await system.provider().get(`/api/v3/npq-applications/${app.id}`)).body.data.attributes.status,
      ).toBe('pending');
    });

    it("answers another provider's, unknown and malformed ids with 404", async () => {
      const app = await createApplication(system.admin, { cohort: '2023' });
      for (const [id, lp] of [
        [app.id, BPN.id],
        ['8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a', AMBITION.id],
        ['123XXX', AMBITION.id],
      ] as const) {
        const res = await accept(id, undefined, lp);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: 'Resource not found' });
      }
      expect(
        (await system.provider().get(`/api/v3/npq-applications/${app.id}`)).body.data.attributes.status,
      ).toBe('pending');
    });
  });
});

describe('concurrency', () => {
  it('ten concurrent accepts of one application: exactly one succeeds', async () => {
    const app = await createApplication(system.admin, { cohort: '2025' });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => accept(app.id, acceptBody({ funded_place: true }))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(422)]);
    for (const r of results.filter((x) => x.status === 422)) {
      expect(r.body).toEqual(errors(['application', 'This NPQ application has already been accepted']));
    }
  });

  it("two providers accepting the same person's applications for one course at once: never both", async () => {
    for (let round = 0; round < 5; round++) {
      const first = await createApplication(system.admin, {
        cohort: '2023',
        course_identifier: 'npq-headship',
      });
      const second = await createApplication(system.admin, {
        participant_id: first.attributes.participant_id,
        full_name: undefined,
        email: undefined,
        teacher_reference_number: undefined,
        teacher_reference_number_validated: undefined,
        lead_provider_id: BPN.id,
        cohort: '2023',
        course_identifier: 'npq-headship',
      });
      const [a, b] = await Promise.all([accept(first.id), accept(second.id, undefined, BPN.id)]);
      expect([a.status, b.status].sort()).toEqual([200, 422]);
      const states = [
        (await system.provider().get(`/api/v3/npq-applications/${first.id}`)).body.data.attributes.status,
        (await system.provider(BPN.id).get(`/api/v3/npq-applications/${second.id}`)).body.data.attributes
          .status,
      ];
      expect(states.filter((s) => s === 'accepted')).toHaveLength(1);
      expect(states.filter((s) => s === 'rejected')).toHaveLength(1);
    }
  });
});
