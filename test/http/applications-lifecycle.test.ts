import { startSystem, type System } from '../support/system';
import { AMBITION, BPN, createAcceptedApplication, createApplication, samePerson } from '../support/fixtures';
import { acceptedParticipant, at, declareOk, startedAttributes } from '../support/finance';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

const errors = (...items: [string, string][]) => ({
  errors: items.map(([title, detail]) => ({ title, detail })),
});
const show = (id: string, lp: string = AMBITION.id) =>
  system.provider(lp).get(`/api/v3/npq-applications/${id}`);
const reject = (id: string, lp: string = AMBITION.id) =>
  system.provider(lp).post(`/api/v3/npq-applications/${id}/reject`);
const changeFundedPlace = (id: string, body: unknown, lp: string = AMBITION.id) =>
  system.provider(lp).put(`/api/v3/npq-applications/${id}/change-funded-place`, body);
const fundedPlaceBody = (value: unknown) => ({
  data: { type: 'npq-application-change-funded-place', attributes: { funded_place: value } },
});

describe('POST /api/v3/npq-applications/{id}/reject', () => {
  it('rejects a pending application with reason rejected_by_provider, ignoring any body', async () => {
    const app = await createApplication(system.admin);
    const res = await system
      .provider()
      .post(`/api/v3/npq-applications/${app.id}/reject`, { data: { attributes: { reason: 'x' } } });
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({
      status: 'rejected',
      reason_for_rejection: 'rejected_by_provider',
    });
  });

  it('rejects an accepted application too (no live declarations)', async () => {
    const app = await createAcceptedApplication(system, { cohort: '2023' });
    const res = await reject(app.id);
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({
      status: 'rejected',
      reason_for_rejection: 'rejected_by_provider',
      schedule_identifier: app.attributes.schedule_identifier,
    });
  });

  it('refuses to reject twice', async () => {
    const app = await createApplication(system.admin);
    expect((await reject(app.id)).status).toBe(200);
    const again = await reject(app.id);
    expect(again.status).toBe(422);
    expect(again.body).toEqual(errors(['application', 'This NPQ application has already been rejected']));
  });

  it("answers another provider's application with 404 and leaves it alone", async () => {
    const app = await createApplication(system.admin, { lead_provider_id: BPN.id });
    expect((await reject(app.id, AMBITION.id)).status).toBe(404);
    expect((await show(app.id, BPN.id)).body.data.attributes.status).toBe('pending');
  });
});

describe('PUT /api/v3/npq-applications/{id}/change-funded-place', () => {
  it('changes the funded place of an accepted application in a capped cohort, both ways', async () => {
    const app = await createAcceptedApplication(system, { cohort: '2025' });
    expect(app.attributes.funded_place).toBe(true);
    const off = await changeFundedPlace(app.id, fundedPlaceBody(false));
    expect(off.status).toBe(200);
    expect(off.body.data.attributes.funded_place).toBe(false);
    const same = await changeFundedPlace(app.id, fundedPlaceBody(false));
    expect(same.status).toBe(200);
    const on = await changeFundedPlace(app.id, fundedPlaceBody(true));
    expect(on.body.data.attributes.funded_place).toBe(true);
  });

  it('setting the value it already has succeeds without moving updated_at (nothing changed)', async () => {
    const app = await createAcceptedApplication(system, { cohort: '2025' }, { at: '2025-09-01T09:00:00Z' });
    expect(app.attributes.updated_at).toBe('2025-09-01T09:00:00Z');
    const same = await system
      .provider()
      .put(`/api/v3/npq-applications/${app.id}/change-funded-place`, fundedPlaceBody(true), {
        headers: { 'x-with-server-date': '2025-09-02T09:00:00Z' },
      });
    expect(same.status).toBe(200);
    expect(same.body.data.attributes).toMatchObject({
      funded_place: true,
      updated_at: '2025-09-01T09:00:00Z',
    });
    const feed = await system
      .provider()
      .get(
        `/api/v3/npq-applications?filter[updated_since]=2025-09-02T00:00:00Z&filter[participant_id]=${app.attributes.participant_id}`,
      );
    expect(feed.body).toEqual({ data: [] });
    const changed = await system
      .provider()
      .put(`/api/v3/npq-applications/${app.id}/change-funded-place`, fundedPlaceBody(false), {
        headers: { 'x-with-server-date': '2025-09-03T09:00:00Z' },
      });
    expect(changed.body.data.attributes).toMatchObject({
      funded_place: false,
      updated_at: '2025-09-03T09:00:00Z',
    });
  });

  it('needs a boolean; a body without data is the same 422 with the other checks', async () => {
    const pending = await createApplication(system.admin, { cohort: '2025' });
    const noData = await changeFundedPlace(pending.id, undefined);
    expect(noData.status).toBe(422);
    expect(noData.body).toEqual(
      errors(
        ['funded_place', "Set '#/funded_place' to true or false."],
        [
          'application',
          "You must accept the application before attempting to change the '#/funded_place' setting.",
        ],
      ),
    );
    const accepted = await createAcceptedApplication(system, { cohort: '2025' });
    const text = await changeFundedPlace(accepted.id, fundedPlaceBody('false'));
    expect(text.status).toBe(422);
    expect(text.body).toEqual(errors(['funded_place', "Set '#/funded_place' to true or false."]));
  });

  it('answers data without attributes with DfE 400', async () => {
    const accepted = await createAcceptedApplication(system, { cohort: '2025' });
    const res = await changeFundedPlace(accepted.id, {
      data: { type: 'npq-application-change-funded-place' },
    });
    expect(res.status).toBe(400);
  });

  it("reads the body with accept's strong params: attributes with neither accept attribute are the 400", async () => {
    const accepted = await createAcceptedApplication(system, { cohort: '2025' });
    const unknownOnly = await changeFundedPlace(accepted.id, {
      data: { type: 'npq-application-change-funded-place', attributes: { funded: false } },
    });
    expect(unknownOnly.status).toBe(400);
    expect(unknownOnly.body).toEqual({
      errors: [
        { title: 'Bad request', detail: 'correct json data structure required. See API docs for reference' },
      ],
    });
    // DfE permits schedule_identifier here too, so such a body is read (and funded_place is missing).
    const scheduleOnly = await changeFundedPlace(accepted.id, {
      data: { attributes: { schedule_identifier: 'npq-leadership-spring' } },
    });
    expect(scheduleOnly.status).toBe(422);
    expect(scheduleOnly.body).toEqual(errors(['funded_place', "Set '#/funded_place' to true or false."]));
    expect((await show(accepted.id)).body.data.attributes.funded_place).toBe(true);
  });

  it('looks the application up before reading the body (404 beats 400, as in DfE)', async () => {
    const unknown = '8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a';
    const bad = { data: { type: 'npq-application-change-funded-place' } };
    const cfp = await changeFundedPlace(unknown, bad);
    expect(cfp.status).toBe(404);
    expect(cfp.body).toEqual({ error: 'Resource not found' });
    const acc = await system.provider().post(`/api/v3/npq-applications/${unknown}/accept`, bad);
    expect(acc.status).toBe(404);
  });

  it('refuses true for a participant not eligible for funding (the string "true" counts as asking too)', async () => {
    const app = await createAcceptedApplication(
      system,
      { cohort: '2025', eligible_for_funding: false },
      { accept: { funded_place: false } },
    );
    const res = await changeFundedPlace(app.id, fundedPlaceBody(true));
    expect(res.body).toEqual(
      errors([
        'application',
        'This participant is not eligible for funding. Contact us if you think this is wrong.',
      ]),
    );
    const text = await changeFundedPlace(app.id, fundedPlaceBody('true'));
    expect(text.body).toEqual(
      errors(
        ['funded_place', "Set '#/funded_place' to true or false."],
        [
          'application',
          'This participant is not eligible for funding. Contact us if you think this is wrong.',
        ],
      ),
    );
  });

  it('is only for capped cohorts', async () => {
    const app = await createAcceptedApplication(system, { cohort: '2023' });
    const res = await changeFundedPlace(app.id, fundedPlaceBody(true));
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      errors([
        'application',
        "Leave the '#/funded_place' field blank. It's only needed for participants starting NPQs from autumn 2024 onwards.",
      ]),
    );
  });
});

describe('eligible_for_funding and the previously-funded override', () => {
  it('a second accepted, funded application for the same course makes each other previously funded', async () => {
    const first = await createAcceptedApplication(system, {
      cohort: '2024',
      course_identifier: 'npq-headship',
    });
    const second = await createAcceptedApplication(system, {
      ...samePerson(first.attributes.participant_id),
      lead_provider_id: BPN.id,
      cohort: '2025',
      course_identifier: 'npq-headship',
    });
    expect(second.attributes).toMatchObject({
      eligible_for_funding: false,
      ineligible_for_funding_reason: 'previously-funded',
    });
    expect((await show(first.id)).body.data.attributes).toMatchObject({
      eligible_for_funding: false,
      ineligible_for_funding_reason: 'previously-funded',
    });
  });

  it('does not count an application whose funded place is false', async () => {
    const first = await createAcceptedApplication(
      system,
      { cohort: '2024', course_identifier: 'npq-senco' },
      { accept: { funded_place: false } },
    );
    const second = await createApplication(system.admin, {
      ...samePerson(first.attributes.participant_id),
      cohort: '2025',
      course_identifier: 'npq-senco',
    });
    expect(second.attributes).toMatchObject({
      eligible_for_funding: true,
      ineligible_for_funding_reason: null,
    });
  });
});

describe('rules that depend on declarations (finance → applications)', () => {
  it('refuses reject and change-funded-place while a live declaration exists, and allows them once it is voided', async () => {
    const { applicationId, participantId } = await acceptedParticipant(system);
    const declaration = await declareOk(system.provider(), startedAttributes(participantId));
    expect(declaration.attributes.state).toBe('eligible');

    const blockedReject = await reject(applicationId);
    expect(blockedReject.status).toBe(422);
    expect(blockedReject.body).toEqual(
      errors([
        'application',
        'This application has declarations that prevent it from being rejected. Void the declarations first, or contact us for assistance.',
      ]),
    );
    const blockedChange = await changeFundedPlace(applicationId, fundedPlaceBody(false));
    expect(blockedChange.status).toBe(422);
    expect(blockedChange.body).toEqual(
      errors([
        'application',
        'You cannot change the funded place because declarations have been submitted. You will need to void the existing declarations and resubmit them after changing the funded place.',
      ]),
    );

    const voided = await system
      .provider()
      .put(`/api/v3/participant-declarations/${declaration.id}/void`, undefined, at('2025-10-16T09:00:00Z'));
    expect(voided.status).toBe(200);
    expect(voided.body.data.attributes.state).toBe('voided');
    // The void's response waited for applications, so the very next request is allowed.
    expect((await changeFundedPlace(applicationId, fundedPlaceBody(false))).status).toBe(200);
    const rejected = await reject(applicationId);
    expect(rejected.status).toBe(200);
    expect(rejected.body.data.attributes.status).toBe('rejected');
  });
});
