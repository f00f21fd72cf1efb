import { startSystem, type System } from '../support/system';
import {
  AMBITION,
  BPN,
  CHURCH,
  createAcceptedApplication,
  createApplication,
  samePerson,
} from '../support/fixtures';
import { declareFor } from '../support/finance';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

const at = (iso: string) => ({ headers: { 'x-with-server-date': iso } });
const show = (id: string, lp: string = AMBITION.id) =>
  system.provider(lp).get(`/api/v3/participants/npq/${id}`);
const index = (query = '', lp: string = AMBITION.id) =>
  system.provider(lp).get(`/api/v3/participants/npq${query}`);
const action = (
  id: string,
  name: string,
  attributes: Record<string, unknown>,
  headers: Record<string, string> = {},
  lp: string = AMBITION.id,
) =>
  system
    .provider(lp)
    .put(
      `/api/v3/participants/npq/${id}/${name}`,
      { data: { type: `participant-${name}`, attributes } },
      { headers },
    );
const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((p) => p.id);

const ATTRIBUTE_ORDER = [
  'full_name',
  'previous_names',
  'teacher_reference_number',
  'updated_at',
  'npq_enrolments',
  'participant_id_changes',
];
const ENROLMENT_ORDER = [
  'email',
  'course_identifier',
  'schedule_identifier',
  'cohort',
  'cohort_suffix',
  'npq_application_id',
  'eligible_for_funding',
  'training_status',
  'school_urn',
  'targeted_delivery_funding_eligibility',
  'withdrawal',
  'deferral',
  'created_at',
  'funded_place',
];

describe('GET /api/v3/participants/npq/{id}', () => {
  it('shows every attribute and enrolment field, in DfE order', async () => {
    const app = await createAcceptedApplication(
      system,
      {
        course_identifier: 'npq-headship',
        cohort: '2025',
        school_urn: '100001',
        targeted_delivery_funding_eligibility: true,
      },
      { at: '2025-09-15T10:00:00Z' },
    );
    const id = app.attributes.participant_id as string;
    const res = await show(id);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toEqual({
      data: {
        id,
        type: 'npq-participant',
        attributes: {
          full_name: app.attributes.full_name,
          previous_names: [],
          teacher_reference_number: app.attributes.teacher_reference_number,
          updated_at: '2025-09-15T10:00:00Z',
          npq_enrolments: [
            {
              email: app.attributes.email,
              course_identifier: 'npq-headship',
              schedule_identifier: 'npq-leadership-autumn',
              cohort: '2025',
              cohort_suffix: 'a',
              npq_application_id: app.id,
              eligible_for_funding: true,
              training_status: 'active',
              school_urn: '100001',
              targeted_delivery_funding_eligibility: true,
              withdrawal: null,
              deferral: null,
              created_at: '2025-09-15T10:00:00Z',
              funded_place: true,
            },
          ],
          participant_id_changes: [],
        },
      },
    });
    expect(Object.keys(res.body.data)).toEqual(['id', 'type', 'attributes']);
    expect(Object.keys(res.body.data.attributes)).toEqual(ATTRIBUTE_ORDER);
    expect(Object.keys(res.body.data.attributes.npq_enrolments[0])).toEqual(ENROLMENT_ORDER);
  });

  it('hides an unvalidated TRN, and shows the raw eligible_for_funding (no previously-funded override)', async () => {
    const first = await createAcceptedApplication(system, {
      cohort: '2023',
      teacher_reference_number_validated: false,
    });
    const id = first.attributes.participant_id as string;
    // A second accepted, eligible application for the same course makes each "previously funded".
    const second = await createApplication(system.admin, {
      ...samePerson(id),
      cohort: '2022',
      lead_provider_id: AMBITION.id,
    });
    expect((await system.provider().post(`/api/v3/npq-applications/${second.id}/accept`)).status).toBe(200);
    const application = await system.provider().get(`/api/v3/npq-applications/${second.id}`);
    expect(application.body.data.attributes.eligible_for_funding).toBe(false);

    const res = await show(id);
    expect(res.body.data.attributes.teacher_reference_number).toBeNull();
    expect(
      res.body.data.attributes.npq_enrolments.map((e: any) => [
        e.npq_application_id,
        e.eligible_for_funding,
        e.funded_place,
      ]),
    ).toEqual([
      [first.id, true, null],
      [second.id, true, null],
    ]);
  });

  it('lists only the enrolments with the calling provider; other providers and pending-only participants are 404', async () => {
    const mine = await createAcceptedApplication(system, { course_identifier: 'npq-senco' });
    const id = mine.attributes.participant_id as string;
    const atBpn = await createAcceptedApplication(system, {
      ...samePerson(id),
      lead_provider_id: BPN.id,
      course_identifier: 'npq-headship',
    });
    // Pending at CHURCH: CHURCH cannot see the participant.
    await createApplication(system.admin, {
      ...samePerson(id),
      lead_provider_id: CHURCH.id,
      course_identifier: 'npq-leading-teaching',
    });

    const ambition = await show(id);
    expect(ambition.body.data.attributes.npq_enrolments.map((e: any) => e.npq_application_id)).toEqual([
      mine.id,
    ]);
    const bpn = await show(id, BPN.id);
    expect(bpn.body.data.attributes.npq_enrolments.map((e: any) => e.npq_application_id)).toEqual([atBpn.id]);
    const church = await show(id, CHURCH.id);
    expect(church.status).toBe(404);
    expect(church.body).toEqual({ error: 'Resource not found' });
  });

  it('answers unknown and malformed ids with 404', async () => {
    expect((await show('0b0b0b0b-0000-4000-8000-000000000000')).status).toBe(404);
    const malformed = await show('123XXX');
    expect(malformed.status).toBe(404);
    expect(malformed.body).toEqual({ error: 'Resource not found' });
  });

  it('answers a retired id with 410 for everyone, before the scoped lookup', async () => {
    const kept = await createAcceptedApplication(system, {}, { at: '2025-09-01T00:00:00Z' });
    const retired = await createApplication(system.admin, {
      lead_provider_id: BPN.id,
      course_identifier: 'npq-senco',
    });
    const merged = await system.admin.post(
      `/admin/v1/participants/${retired.attributes.participant_id}/merge`,
      {
        data: {
          type: 'participant-merge',
          attributes: { into_participant_id: kept.attributes.participant_id },
        },
      },
      at('2026-01-02T03:04:05Z'),
    );
    expect(merged.status).toBe(200);
    const from = retired.attributes.participant_id as string;
    const to = kept.attributes.participant_id as string;
    const body = {
      errors: [
        {
          title: 'Participant ID has been changed',
          detail: `The participant_id '${from}' has been replaced with '${to}'.`,
          participant_id_changes: [
            { from_participant_id: from, to_participant_id: to, changed_at: '2026-01-02T03:04:05Z' },
          ],
        },
      ],
    };
    for (const lp of [AMBITION.id, BPN.id, CHURCH.id]) {
      const res = await show(from, lp);
      expect(res.status).toBe(410);
      expect(res.body).toEqual(body);
      const outcomes = await system.provider(lp).get(`/api/v3/participants/npq/${from}/outcomes`);
      expect(outcomes.status).toBe(410);
      expect(outcomes.body).toEqual(body);
    }
    // The kept participant shows the change; the change (and the moved, pending application) set updated_at.
    const keptView = await show(to);
    expect(keptView.body.data.attributes.participant_id_changes).toEqual(
      body.errors[0]!.participant_id_changes,
    );
    expect(keptView.body.data.attributes.updated_at).toBe('2026-01-02T03:04:05Z');
    // Actions with the old id no longer find anyone.
    const deferred = await action(from, 'defer', { course_identifier: 'npq-headship', reason: 'other' });
    expect(deferred.status).toBe(404);
  });
});

describe('GET /api/v3/participants/npq', () => {
  it("lists the provider's participants, oldest first, with page and per_page; past the end is empty", async () => {
    const lp = CHURCH.id;
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const app = await createAcceptedApplication(system, {
        lead_provider_id: lp,
        course_identifier: 'npq-senior-leadership',
      });
      made.push(app.attributes.participant_id);
    }
    const all = await index('', lp);
    expect(all.status).toBe(200);
    const listed = ids(all);
    expect(listed.filter((id) => made.includes(id))).toEqual(made);
    const page1 = await index('?page[per_page]=1&page[page]=1', lp);
    const page2 = await index('?page[per_page]=1&page[page]=2', lp);
    expect(page1.body.data).toHaveLength(1);
    expect(ids(page2)).toEqual([listed[1]]);
    const past = await index(`?page[per_page]=100&page[page]=1000`, lp);
    expect(past.body).toEqual({ data: [] });
    const bad = await index('?page[page]=0', lp);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      errors: [
        {
          title: 'Bad request',
          detail:
            "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid positive number",
        },
      ],
    });
  });

  it('sorts by created_at or updated_at in either direction, ignoring unknown fields', async () => {
    const lp = CHURCH.id;
    const a = await createAcceptedApplication(
      system,
      { lead_provider_id: lp, course_identifier: 'npq-leading-literacy' },
      { at: '2025-10-03T00:00:00Z' },
    );
    const b = await createAcceptedApplication(
      system,
      { lead_provider_id: lp, course_identifier: 'npq-leading-literacy' },
      { at: '2025-10-01T00:00:00Z' },
    );
    const pair = [a.attributes.participant_id, b.attributes.participant_id];
    const only = (res: any) => ids(res).filter((id) => pair.includes(id));
    expect(only(await index('?sort=created_at', lp))).toEqual(pair);
    expect(only(await index('?sort=-created_at', lp))).toEqual([...pair].reverse());
    // updated_at is the person's own update time (the accept touched them).
    expect(only(await index('?sort=updated_at', lp))).toEqual([...pair].reverse());
    expect(only(await index('?sort=-updated_at,bogus', lp))).toEqual(pair);
    expect(only(await index('?sort=bogus', lp))).toEqual(pair);
  });

  it('filters by training_status, and refuses an unknown one with 422', async () => {
    const app = await createAcceptedApplication(
      system,
      { lead_provider_id: BPN.id, course_identifier: 'npq-headship' },
      { at: '2025-09-15T10:00:00Z' },
    );
    const id = app.attributes.participant_id as string;
    await declareFor(system, app, BPN.id);
    const deferred = await action(
      id,
      'defer',
      { course_identifier: 'npq-headship', reason: 'bereavement' },
      {},
      BPN.id,
    );
    expect(deferred.status).toBe(200);
    expect(ids(await index('?filter[training_status]=deferred', BPN.id))).toContain(id);
    expect(ids(await index('?filter[training_status]=active', BPN.id))).not.toContain(id);
    // Blank values are ignored.
    expect(ids(await index('?filter[training_status]=', BPN.id))).toContain(id);

    for (const value of ['paused', 'Active', 'withdrawn,active']) {
      const res = await index(`?filter[training_status]=${value}`, BPN.id);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        errors: [
          {
            title: 'Unpermitted parameters',
            detail: 'The filter \'#/training_status\' must be ["active", "deferred", "withdrawn"]',
          },
        ],
      });
    }
  });

  it('with training_status, shows only the matching enrolments and takes updated_at from them', async () => {
    const first = await createAcceptedApplication(
      system,
      { lead_provider_id: BPN.id, course_identifier: 'npq-senco' },
      { at: '2025-09-02T00:00:00Z' },
    );
    const id = first.attributes.participant_id as string;
    const second = await createAcceptedApplication(
      system,
      { ...samePerson(id), lead_provider_id: BPN.id, course_identifier: 'npq-leading-teaching' },
      { at: '2025-09-03T00:00:00Z' },
    );
    await declareFor(system, second, BPN.id);
    const withdrawal = await action(
      id,
      'withdraw',
      { course_identifier: 'npq-leading-teaching', reason: 'other' },
      { 'x-with-server-date': '2025-12-01T00:00:00Z' },
      BPN.id,
    );
    expect(withdrawal.status).toBe(200);
    const active = (await index('?filter[training_status]=active', BPN.id)).body.data.find(
      (p: any) => p.id === id,
    );
    expect(active.attributes.npq_enrolments.map((e: any) => e.npq_application_id)).toEqual([first.id]);
    expect(active.attributes.updated_at).toBe('2025-09-03T00:00:00Z');
    const withdrawn = (await index('?filter[training_status]=withdrawn', BPN.id)).body.data.find(
      (p: any) => p.id === id,
    );
    expect(withdrawn.attributes.npq_enrolments.map((e: any) => e.npq_application_id)).toEqual([second.id]);
    expect(withdrawn.attributes.updated_at).toBe('2025-12-01T00:00:00Z');
    // Without the filter, every application of the person counts.
    expect((await show(id, BPN.id)).body.data.attributes.updated_at).toBe('2025-12-01T00:00:00Z');
  });

  it('filters by from_participant_id (not validated: junk matches nobody) and shows only that change', async () => {
    const kept = await createAcceptedApplication(system, {
      lead_provider_id: CHURCH.id,
      course_identifier: 'npq-headship',
    });
    const to = kept.attributes.participant_id as string;
    const retiredIds: string[] = [];
    for (const day of ['01', '02']) {
      const retired = await createApplication(system.admin, {
        lead_provider_id: BPN.id,
        course_identifier: 'npq-senco',
      });
      retiredIds.push(retired.attributes.participant_id);
      const merged = await system.admin.post(
        `/admin/v1/participants/${retired.attributes.participant_id}/merge`,
        { data: { type: 'participant-merge', attributes: { into_participant_id: to } } },
        at(`2026-02-${day}T00:00:00Z`),
      );
      expect(merged.status).toBe(200);
    }
    const full = await show(to, CHURCH.id);
    // Newest first.
    expect(full.body.data.attributes.participant_id_changes.map((c: any) => c.from_participant_id)).toEqual(
      [...retiredIds].reverse(),
    );

    const filtered = await index(`?filter[from_participant_id]=${retiredIds[0]}`, CHURCH.id);
    expect(ids(filtered)).toEqual([to]);
    expect(filtered.body.data[0].attributes.participant_id_changes).toEqual([
      { from_participant_id: retiredIds[0], to_participant_id: to, changed_at: '2026-02-01T00:00:00Z' },
    ]);
    expect((await index('?filter[from_participant_id]=not-a-uuid', CHURCH.id)).body).toEqual({ data: [] });
    expect(
      (await index('?filter[from_participant_id]=0b0b0b0b-0000-4000-8000-000000000000', CHURCH.id)).body,
    ).toEqual({ data: [] });
  });

  describe('updated_since', () => {
    it('matches a significant update of the person, any application of theirs (any provider, any status) and id changes', async () => {
      const lp = AMBITION.id;
      const app = await createAcceptedApplication(
        system,
        { course_identifier: 'npq-executive-leadership' },
        { at: '2024-01-01T00:00:00Z' },
      );
      const id = app.attributes.participant_id as string;
      const since = (t: string) =>
        index(`?filter[updated_since]=${encodeURIComponent(t)}&page[per_page]=3000`, lp).then(ids);
      expect(await since('2024-01-01T00:00:00Z')).toContain(id);
      expect(await since('2024-01-01T00:00:01Z')).not.toContain(id);

      // A pending application with another provider, updated later, counts (and moves updated_at).
      const pending = await createApplication(system.admin, {
        ...samePerson(id),
        lead_provider_id: BPN.id,
        course_identifier: 'npq-senco',
      });
      expect(pending.attributes.status).toBe('pending');
      expect(await since('2024-06-01T00:00:00Z')).toContain(id);
      const shown = await show(id);
      expect(shown.body.data.attributes.updated_at).toBe(pending.attributes.created_at);

      // Rejecting it (another provider) updates it again.
      const rejected = await system
        .provider(BPN.id)
        .post(`/api/v3/npq-applications/${pending.id}/reject`, undefined, at('2027-03-01T00:00:00Z'));
      expect(rejected.status).toBe(200);
      expect(await since('2027-03-01T00:00:00Z')).toContain(id);
      expect(await since('2027-03-01T00:00:01Z')).not.toContain(id);
      expect((await show(id)).body.data.attributes.updated_at).toBe('2027-03-01T00:00:00Z');

      // A significant change to the person.
      const patched = await system.admin.patch(
        `/admin/v1/participants/${id}`,
        { data: { type: 'participant', attributes: { full_name: 'Renamed Person' } } },
        at('2027-04-01T00:00:00Z'),
      );
      expect(patched.status).toBe(200);
      expect(await since('2027-04-01T00:00:00Z')).toContain(id);
      const renamed = await show(id);
      expect(renamed.body.data.attributes).toMatchObject({
        full_name: 'Renamed Person',
        previous_names: [app.attributes.full_name],
        updated_at: '2027-04-01T00:00:00Z',
      });
    });

    it('matches a participant whose id change was recorded since', async () => {
      const kept = await createAcceptedApplication(
        system,
        { course_identifier: 'npq-leading-behaviour-culture' },
        { at: '2024-02-01T00:00:00Z' },
      );
      const retired = await createApplication(system.admin, {
        lead_provider_id: CHURCH.id,
        course_identifier: 'npq-senco',
      });
      const to = kept.attributes.participant_id as string;
      expect(
        (
          await system.admin.post(
            `/admin/v1/participants/${retired.attributes.participant_id}/merge`,
            { data: { type: 'participant-merge', attributes: { into_participant_id: to } } },
            at('2028-05-05T00:00:00Z'),
          )
        ).status,
      ).toBe(200);
      expect(ids(await index(`?filter[updated_since]=2028-05-05T00:00:00Z&page[per_page]=3000`))).toContain(
        to,
      );
      expect(
        ids(await index(`?filter[updated_since]=2028-05-05T00:00:01Z&page[per_page]=3000`)),
      ).not.toContain(to);
    });

    it('refuses a date that is not ISO 8601 with 400', async () => {
      const res = await index('?filter[updated_since]=yesterday');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        errors: [
          { title: 'Bad request', detail: "The filter '#/updated_since' must be a valid ISO 8601 date" },
        ],
      });
    });
  });
});
