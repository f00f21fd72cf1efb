import { startSystem, type System } from '../support/system';
import {
  AMBITION,
  BPN,
  CHURCH,
  createAcceptedApplication,
  createApplication,
  intakeBody,
  samePerson,
} from '../support/fixtures';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

const patch = (id: string, attributes: Record<string, unknown>, headers: Record<string, string> = {}) =>
  system.admin.patch(
    `/admin/v1/participants/${id}`,
    { data: { type: 'participant', attributes } },
    { headers },
  );
const merge = (id: string, into: unknown) =>
  system.admin.post(`/admin/v1/participants/${id}/merge`, {
    data: { type: 'participant-merge', attributes: { into_participant_id: into } },
  });
const errors = (...items: [string, string][]) => ({
  errors: items.map(([title, detail]) => ({ title, detail })),
});

describe('PATCH /admin/v1/participants/{id}', () => {
  it('changes identity, keeps the old name, and moves updated_at of every application of the person', async () => {
    const app = await createApplication(system.admin, {});
    const other = await createApplication(system.admin, {
      ...samePerson(app.attributes.participant_id),
      lead_provider_id: BPN.id,
      course_identifier: 'npq-senco',
    });
    const id = app.attributes.participant_id as string;
    const res = await patch(
      id,
      { full_name: 'New Name', email: 'new-name@example.com' },
      { 'x-with-server-date': '2030-01-01T00:00:00Z' },
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id,
      type: 'participant',
      attributes: {
        full_name: 'New Name',
        email: 'new-name@example.com',
        previous_names: [app.attributes.full_name],
        updated_at: '2030-01-01T00:00:00Z',
      },
    });
    for (const [appId, lp] of [
      [app.id, AMBITION.id],
      [other.id, BPN.id],
    ] as const) {
      const shown = await system.provider(lp).get(`/api/v3/npq-applications/${appId}`);
      expect(shown.body.data.attributes).toMatchObject({
        full_name: 'New Name',
        email: 'new-name@example.com',
        updated_at: '2030-01-01T00:00:00Z',
      });
    }
    // A significant update puts the applications back into updated_since feeds.
    const feed = await system
      .provider()
      .get('/api/v3/npq-applications?filter[updated_since]=2029-12-31T00:00:00Z');
    expect(feed.body.data.map((a: any) => a.id)).toContain(app.id);
  });

  it('shows a TRN to providers only once it is validated, and a new TRN starts unvalidated', async () => {
    const app = await createApplication(system.admin, { teacher_reference_number_validated: false });
    const id = app.attributes.participant_id as string;
    expect(app.attributes.teacher_reference_number).toBeNull();
    const validated = await patch(id, { teacher_reference_number_validated: true });
    expect(validated.body.data.attributes.teacher_reference_number_validated).toBe(true);
    expect(
      (await system.provider().get(`/api/v3/npq-applications/${app.id}`)).body.data.attributes
        .teacher_reference_number,
    ).toBe(
      app.attributes.teacher_reference_number ?? validated.body.data.attributes.teacher_reference_number,
    );
    const changed = await patch(id, { teacher_reference_number: '7654321' });
    expect(changed.body.data.attributes).toMatchObject({
      teacher_reference_number: '7654321',
      teacher_reference_number_validated: false,
    });
  });

  it.each([
    ['a blank name', { full_name: '' }, [['full_name', "The '#/full_name' attribute is required"]]],
    ['a bad email', { email: 'nope' }, [['email', "The '#/email' is not a valid email address"]]],
    [
      'a bad TRN',
      { teacher_reference_number: '12' },
      [['teacher_reference_number', "The '#/teacher_reference_number' must be 7 digits"]],
    ],
    [
      'a string boolean',
      { teacher_reference_number_validated: 'yes' },
      [
        [
          'teacher_reference_number_validated',
          "The '#/teacher_reference_number_validated' attribute must be true or false",
        ],
      ],
    ],
    ['an unknown attribute', { shoe_size: 9 }, [['shoe_size', "'#/shoe_size' is not a known attribute"]]],
    [
      'validation without a TRN',
      { teacher_reference_number: null, teacher_reference_number_validated: true },
      [
        [
          'teacher_reference_number_validated',
          "A TRN can only be validated when '#/teacher_reference_number' is given",
        ],
      ],
    ],
  ] as [string, Record<string, unknown>, [string, string][]][])(
    'refuses %s with 422 and changes nothing',
    async (_name, attributes, expected) => {
      const app = await createApplication(system.admin);
      const res = await patch(app.attributes.participant_id as string, attributes);
      expect(res.status).toBe(422);
      expect(res.body).toEqual(errors(...expected));
      const after = await system.provider().get(`/api/v3/npq-applications/${app.id}`);
      expect(after.body.data.attributes).toMatchObject({
        full_name: app.attributes.full_name,
        email: app.attributes.email,
        updated_at: app.attributes.updated_at,
      });
    },
  );

  it('refuses an email another participant uses', async () => {
    const a = await createApplication(system.admin);
    const b = await createApplication(system.admin);
    const res = await patch(b.attributes.participant_id as string, { email: a.attributes.email });
    expect(res.body).toEqual(errors(['email', "The '#/email' is already used by another participant"]));
  });

  it('is the one set of identity rules: a registration for an existing participant changes them the same way', async () => {
    const viaPatch = await createApplication(system.admin);
    const viaIntake = await createApplication(system.admin);
    const at = '2030-04-01T00:00:00Z';
    const change = (email: string) => ({
      full_name: 'Same New Name',
      email,
      teacher_reference_number: String(1000000 + Math.floor(Math.random() * 8999999)),
    });
    const patchChange = change(`patched-${viaPatch.id.slice(0, 8)}@example.com`);
    const intakeChange = change(`registered-${viaIntake.id.slice(0, 8)}@example.com`);
    const patched = await patch(viaPatch.attributes.participant_id as string, patchChange, {
      'x-with-server-date': at,
    });
    expect(patched.status).toBe(200);
    const intake = await system.admin.post(
      '/admin/v1/npq-applications',
      intakeBody({
        participant_id: viaIntake.attributes.participant_id,
        lead_provider_id: BPN.id,
        ...intakeChange,
        teacher_reference_number_validated: undefined,
      }),
      { headers: { 'x-with-server-date': at } },
    );
    expect(intake.status).toBe(201);
    // A PATCH with the values the person now has changes nothing and shows the person as stored.
    const stored = await patch(viaIntake.attributes.participant_id as string, intakeChange);
    expect(stored.status).toBe(200);
    const expected = (base: { attributes: Record<string, any> }, c: Record<string, string>) => ({
      ...c,
      // A new TRN starts unvalidated; the old name is kept.
      teacher_reference_number_validated: false,
      previous_names: [base.attributes.full_name],
      created_at: base.attributes.created_at,
      updated_at: at,
    });
    expect(patched.body.data.attributes).toEqual(expected(viaPatch, patchChange));
    expect(stored.body.data.attributes).toEqual(expected(viaIntake, intakeChange));
  });

  it('answers unknown and malformed ids with 404', async () => {
    expect((await patch('8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a', { full_name: 'X' })).status).toBe(404);
    expect((await patch('nope', { full_name: 'X' })).status).toBe(404);
  });
});

describe('POST /admin/v1/participants/{id}/merge', () => {
  it('moves every application to the kept person and records the change', async () => {
    const retiredApp = await createApplication(system.admin, {
      lead_provider_id: CHURCH.id,
      course_identifier: 'npq-leading-literacy',
    });
    const keptApp = await createApplication(system.admin, { course_identifier: 'npq-headship' });
    const from = retiredApp.attributes.participant_id as string;
    const to = keptApp.attributes.participant_id as string;
    const res = await merge(from, to);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      type: 'participant-id-change',
      attributes: { from_participant_id: from, to_participant_id: to },
    });
    const moved = await system.provider(CHURCH.id).get(`/api/v3/npq-applications/${retiredApp.id}`);
    expect(moved.body.data.attributes).toMatchObject({
      participant_id: to,
      full_name: keptApp.attributes.full_name,
    });
    const byOld = await system
      .provider(CHURCH.id)
      .get(`/api/v3/npq-applications?filter[participant_id]=${from}`);
    expect(byOld.body).toEqual({ data: [] });
    const byNew = await system
      .provider(CHURCH.id)
      .get(`/api/v3/npq-applications?filter[participant_id]=${to}`);
    expect(byNew.body.data.map((a: any) => a.id)).toEqual([retiredApp.id]);
  });

  it('refuses merging into itself, into an unknown or retired participant, and merging a retired one', async () => {
    const a = await createApplication(system.admin);
    const b = await createApplication(system.admin);
    const c = await createApplication(system.admin);
    const [ida, idb, idc] = [a, b, c].map((x) => x.attributes.participant_id as string) as [
      string,
      string,
      string,
    ];
    expect((await merge(ida, ida)).body).toEqual(
      errors(['into_participant_id', 'A participant cannot be merged into itself']),
    );
    expect((await merge(ida, '8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a')).body).toEqual(
      errors([
        'into_participant_id',
        "The participant '8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a' does not exist",
      ]),
    );
    expect((await merge(ida, null)).body).toEqual(
      errors(['into_participant_id', "The '#/into_participant_id' must be present"]),
    );
    expect((await merge(ida, idb)).status).toBe(200);
    const again = await merge(ida, idc);
    expect(again.status).toBe(422);
    expect(again.body).toEqual(
      errors(['participant_id', `The participant_id '${ida}' has been replaced with '${idb}'.`]),
    );
    expect((await merge(idc, ida)).body).toEqual(
      errors(['into_participant_id', `The participant '${ida}' has been replaced with '${idb}'`]),
    );
    expect((await merge('8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a', idc)).status).toBe(404);
    // A retired participant cannot be changed or given new applications either.
    expect((await patch(ida, { full_name: 'X' })).body).toEqual(
      errors(['participant_id', `The participant_id '${ida}' has been replaced with '${idb}'.`]),
    );
    const intake = await system.admin.post('/admin/v1/npq-applications', {
      data: {
        type: 'npq_application',
        attributes: {
          lead_provider_id: AMBITION.id,
          course_identifier: 'npq-headship',
          cohort: '2025',
          participant_id: ida,
        },
      },
    });
    expect(intake.body).toEqual(
      errors(['participant_id', `The participant_id '${ida}' has been replaced with '${idb}'.`]),
    );
    // Also with identity attributes: nothing changes on either person.
    const withIdentity = await system.admin.post('/admin/v1/npq-applications', {
      data: {
        type: 'npq_application',
        attributes: {
          lead_provider_id: AMBITION.id,
          course_identifier: 'npq-headship',
          cohort: '2025',
          participant_id: ida,
          full_name: 'Not Applied',
          email: `not-applied-${ida.slice(0, 8)}@example.com`,
        },
      },
    });
    expect(withIdentity.status).toBe(422);
    expect(withIdentity.body).toEqual(intake.body);
    expect(
      (await system.provider().get(`/api/v3/npq-applications/${b.id}`)).body.data.attributes,
    ).toMatchObject({ participant_id: idb, full_name: b.attributes.full_name, email: b.attributes.email });
    expect(
      (await system.provider().get(`/api/v3/npq-applications?filter[participant_id]=${idb}`)).body.data,
    ).toHaveLength(2);
  });

  it('refuses a merge that would leave one person accepted twice for a course and cohort', async () => {
    const a = await createAcceptedApplication(system, { cohort: '2023', course_identifier: 'npq-headship' });
    const b = await createAcceptedApplication(system, {
      lead_provider_id: BPN.id,
      cohort: '2023',
      course_identifier: 'npq-headship',
    });
    const res = await merge(a.attributes.participant_id, b.attributes.participant_id);
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors([
        'into_participant_id',
        'Both participants have an accepted application for npq-headship in cohort 2023a; withdraw or reject one first',
      ]),
    );
    expect(
      (await system.provider().get(`/api/v3/npq-applications/${a.id}`)).body.data.attributes.participant_id,
    ).toBe(a.attributes.participant_id);
  });

  it('keeps the chain when a merged person is merged again, dropping a circular change', async () => {
    const a = await createApplication(system.admin);
    const b = await createApplication(system.admin);
    const c = await createApplication(system.admin);
    const [ida, idb, idc] = [a, b, c].map((x) => x.attributes.participant_id as string) as [
      string,
      string,
      string,
    ];
    expect((await merge(ida, idb)).status).toBe(200);
    expect((await merge(idb, idc)).status).toBe(200);
    for (const app of [a, b]) {
      expect(
        (await system.provider().get(`/api/v3/npq-applications/${app.id}`)).body.data.attributes
          .participant_id,
      ).toBe(idc);
    }
  });
});
