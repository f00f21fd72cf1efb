import { startSystem, type System } from '../support/system';
import { eventually } from '../support/eventually';
import { AMBITION, BPN, createAcceptedApplication } from '../support/fixtures';
import {
  acceptedParticipant,
  at,
  createPartner,
  declare,
  declareOk,
  errors,
  EVERYWHERE_PARTNER,
  startedAttributes,
  transferApplication,
} from '../support/finance';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

const ambition = () => system.provider(AMBITION.id);
const bpn = () => system.provider(BPN.id);
const FORBIDDEN = errors([
  'Cannot modify declaration',
  'The declaration cannot be modified because it was created by another lead provider',
]);
const NOT_FOUND = { error: 'Resource not found' };

describe('GET /api/v3/participant-declarations', () => {
  let p2024: { participantId: string };
  let d2024: { id: string };
  let d2025: { id: string };
  let d2025b: { id: string };
  let other: { id: string };

  beforeAll(async () => {
    const a = await createAcceptedApplication(system, { cohort: '2024' }, { at: '2024-09-15T10:00:00Z' });
    p2024 = { participantId: a.attributes.participant_id };
    d2024 = await declareOk(
      ambition(),
      startedAttributes(p2024.participantId, { declaration_date: '2024-10-10T10:00:00Z' }),
      '2024-10-15T09:00:00Z',
    );
    const p = await acceptedParticipant(system);
    d2025 = await declareOk(ambition(), startedAttributes(p.participantId), '2025-10-16T09:00:00Z');
    d2025b = await declareOk(
      ambition(),
      startedAttributes(p.participantId, { declaration_type: 'retained-1' }),
      '2025-10-17T09:00:00Z',
    );
    const q = await acceptedParticipant(system, { lead_provider_id: BPN.id });
    other = await declareOk(bpn(), startedAttributes(q.participantId), '2025-10-16T09:00:00Z');
  });

  it("lists the caller's declarations in created_at, id order, and never another provider's", async () => {
    const res = await ambition().get('/api/v3/participant-declarations?page[per_page]=3000');
    expect(res.status).toBe(200);
    const ids = res.body.data.map((d: { id: string }) => d.id);
    expect(ids).toEqual(expect.arrayContaining([d2024.id, d2025.id, d2025b.id]));
    expect(ids).not.toContain(other.id);
    const created = res.body.data.map(
      (d: { attributes: { created_at: string }; id: string }) => `${d.attributes.created_at}|${d.id}`,
    );
    expect(created).toEqual([...created].sort());
    expect(ids.indexOf(d2024.id)).toBeLessThan(ids.indexOf(d2025.id));
    expect(ids.indexOf(d2025.id)).toBeLessThan(ids.indexOf(d2025b.id));
  });

  it("filters by the declaration's cohort (comma list; non-numbers match nothing)", async () => {
    const y2024 = await ambition().get('/api/v3/participant-declarations?filter[cohort]=2024');
    expect(y2024.body.data.map((d: { id: string }) => d.id)).toContain(d2024.id);
    expect(y2024.body.data.map((d: { id: string }) => d.id)).not.toContain(d2025.id);
    const both = await ambition().get('/api/v3/participant-declarations?filter[cohort]=2024,2025');
    expect(both.body.data.map((d: { id: string }) => d.id)).toEqual(
      expect.arrayContaining([d2024.id, d2025.id]),
    );
    const none = await ambition().get('/api/v3/participant-declarations?filter[cohort]=abc');
    expect(none.body).toEqual({ data: [] });
  });

  it("filters by participant_id and refuses a malformed one with DfE's 400", async () => {
    const res = await ambition().get(
      `/api/v3/participant-declarations?filter[participant_id]=${p2024.participantId.toUpperCase()},`,
    );
    expect(res.body.data.map((d: { id: string }) => d.id)).toEqual([d2024.id]);
    const bad = await ambition().get('/api/v3/participant-declarations?filter[participant_id]=nope');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      errors(['Bad request', "The filter '#/participant_id' must be a comma-delimited list of valid UUIDs"]),
    );
  });

  it('filters by updated_since (inclusive) and refuses a bad date', async () => {
    const res = await ambition().get(
      '/api/v3/participant-declarations?filter[updated_since]=2025-10-17T09:00:00Z',
    );
    expect(res.body.data.map((d: { id: string }) => d.id)).toContain(d2025b.id);
    expect(res.body.data.map((d: { id: string }) => d.id)).not.toContain(d2025.id);
    const bad = await ambition().get('/api/v3/participant-declarations?filter[updated_since]=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      errors(['Bad request', "The filter '#/updated_since' must be a valid ISO 8601 date"]),
    );
  });

  it("reads updated_since before participant_id, both before the page: DfE's order of 400s", async () => {
    const both = await ambition().get(
      '/api/v3/participant-declarations?filter[participant_id]=nope&filter[updated_since]=bad&page[page]=0',
    );
    expect(both.status).toBe(400);
    expect(both.body).toEqual(
      errors(['Bad request', "The filter '#/updated_since' must be a valid ISO 8601 date"]),
    );
    const idAndPage = await ambition().get(
      '/api/v3/participant-declarations?filter[participant_id]=nope&page[page]=0',
    );
    expect(idAndPage.body).toEqual(
      errors(['Bad request', "The filter '#/participant_id' must be a comma-delimited list of valid UUIDs"]),
    );
  });

  it('paginates without metadata', async () => {
    const all = await ambition().get('/api/v3/participant-declarations?page[per_page]=3000');
    const second = await ambition().get('/api/v3/participant-declarations?page[per_page]=1&page[page]=2');
    expect(second.body).toEqual({ data: [all.body.data[1]] });
    const past = await ambition().get('/api/v3/participant-declarations?page[per_page]=1&page[page]=100000');
    expect(past.body).toEqual({ data: [] });
    const bad = await ambition().get('/api/v3/participant-declarations?page[page]=0');
    expect(bad.status).toBe(400);
  });

  it("shows one declaration; 404 for unknown, malformed or another provider's", async () => {
    const res = await ambition().get(`/api/v3/participant-declarations/${d2025.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(
      (
        await ambition().get(`/api/v3/participant-declarations?filter[cohort]=2025&page[per_page]=3000`)
      ).body.data.find((d: { id: string }) => d.id === d2025.id),
    );
    for (const id of ['5f0c1b2a-1111-4222-8333-444455556666', '123XXX', other.id]) {
      const missing = await ambition().get(`/api/v3/participant-declarations/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });
});

describe('has_passed and updated_at follow the latest outcome', () => {
  /** An outcome submitted to training, which publishes it and waits for finance to apply it. */
  const submitOutcome = async (participantId: string, state: 'passed' | 'failed', serverDate: string) => {
    const res = await ambition().post(
      `/api/v3/participants/npq/${participantId}/outcomes`,
      {
        data: {
          type: 'npq-outcome-confirmation',
          attributes: { course_identifier: 'npq-headship', state, completion_date: '2025-12-01' },
        },
      },
      at(serverDate),
    );
    expect(res.status).toBe(200);
  };

  it('reads the latest outcome training records (passed, failed, voided → null)', async () => {
    const p = await acceptedParticipant(system);
    const d = await declareOk(
      ambition(),
      startedAttributes(p.participantId, {
        declaration_type: 'completed',
        has_passed: true,
        declaration_date: '2025-12-01T10:00:00Z',
      }),
      '2025-12-02T09:00:00Z',
    );
    expect(d.attributes.has_passed).toBe(true);
    await submitOutcome(p.participantId, 'failed', '2025-12-05T10:00:00Z');
    const failed = await ambition().get(`/api/v3/participant-declarations/${d.id}`);
    expect(failed.body.data.attributes).toMatchObject({
      has_passed: false,
      updated_at: '2025-12-05T10:00:00Z',
    });
    await submitOutcome(p.participantId, 'passed', '2025-12-06T10:00:00Z');
    expect(
      (await ambition().get(`/api/v3/participant-declarations/${d.id}`)).body.data.attributes.has_passed,
    ).toBe(true);
    const since = await ambition().get(
      '/api/v3/participant-declarations?filter[updated_since]=2025-12-06T10:00:00Z&page[per_page]=3000',
    );
    expect(since.body.data.map((x: { id: string }) => x.id)).toContain(d.id);
  });
});

describe('a declaration on an application transferred to another provider', () => {
  let declaration: { id: string };
  beforeAll(async () => {
    const app = await createAcceptedApplication(system, {}, { at: '2025-09-15T10:00:00Z' });
    declaration = await declareOk(ambition(), startedAttributes(app.attributes.participant_id));
    // No endpoint transfers an application (DfE does it by hand), so transferApplication publishes the event.
    await transferApplication(system, app, BPN.id);
  });

  it('is visible to both providers and names the provider that made it', async () => {
    const byBpn = await bpn().get(`/api/v3/participant-declarations/${declaration.id}`);
    expect(byBpn.status).toBe(200);
    expect(byBpn.body.data.attributes.lead_provider_name).toBe('Ambition Institute');
    expect(
      (await bpn().get('/api/v3/participant-declarations?page[per_page]=3000')).body.data.map(
        (d: { id: string }) => d.id,
      ),
    ).toContain(declaration.id);
    expect((await ambition().get(`/api/v3/participant-declarations/${declaration.id}`)).status).toBe(200);
  });

  it("is read-only for the new provider: 403 with DfE's body, before the body is read", async () => {
    const voided = await bpn().put(`/api/v3/participant-declarations/${declaration.id}/void`);
    expect(voided.status).toBe(403);
    expect(voided.body).toEqual(FORBIDDEN);
    const changed = await bpn().put(
      `/api/v3/participant-declarations/${declaration.id}/change-delivery-partner`,
    );
    expect(changed.status).toBe(403);
    expect(changed.body).toEqual(FORBIDDEN);
  });

  it('another provider that cannot see it gets 404', async () => {
    const church = system.provider('79cb41ca-cb6d-405c-b52c-b6f7c752388d');
    expect((await church.put(`/api/v3/participant-declarations/${declaration.id}/void`)).body).toEqual(
      NOT_FOUND,
    );
    expect(
      (await church.put(`/api/v3/participant-declarations/${declaration.id}/change-delivery-partner`)).status,
    ).toBe(404);
  });
});

describe('PUT /api/v3/participant-declarations/{id}/void (unpaid)', () => {
  it('voids an eligible declaration and its statement item (statement_id becomes null)', async () => {
    const p = await acceptedParticipant(system);
    const d = await declareOk(ambition(), startedAttributes(p.participantId));
    expect(d.attributes.statement_id).not.toBeNull();
    const res = await ambition().put(
      `/api/v3/participant-declarations/${d.id}/void`,
      undefined,
      at('2025-10-20T09:00:00Z'),
    );
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({
      state: 'voided',
      statement_id: null,
      clawback_statement_id: null,
      updated_at: '2025-10-20T09:00:00Z',
    });
    const again = await ambition().put(`/api/v3/participant-declarations/${d.id}/void`);
    expect(again.status).toBe(422);
    expect(again.body).toEqual(errors(['declaration', 'This declaration has already been voided.']));
  });

  it('voids submitted and ineligible declarations', async () => {
    const noPlace = await acceptedParticipant(system, {}, { accept: { funded_place: false } });
    const submitted = await declareOk(ambition(), startedAttributes(noPlace.participantId));
    expect(
      (await ambition().put(`/api/v3/participant-declarations/${submitted.id}/void`)).body.data.attributes
        .state,
    ).toBe('voided');

    const trn = String(3000000 + Math.floor(Math.random() * 6999999));
    const first = await acceptedParticipant(system, { teacher_reference_number: trn });
    await declareOk(ambition(), startedAttributes(first.participantId));
    const twin = await acceptedParticipant(system, {
      lead_provider_id: BPN.id,
      teacher_reference_number: trn,
      teacher_reference_number_validated: false,
    });
    const dup = await declareOk(bpn(), startedAttributes(twin.participantId));
    expect(dup.attributes.state).toBe('ineligible');
    const res = await bpn().put(`/api/v3/participant-declarations/${dup.id}/void`);
    expect(res.body.data.attributes).toMatchObject({ state: 'voided', ineligible_for_funding_reason: null });
  });

  it('voiding a completed declaration voids its outcome: has_passed becomes null', async () => {
    const p = await acceptedParticipant(system);
    const d = await declareOk(
      ambition(),
      startedAttributes(p.participantId, {
        declaration_type: 'completed',
        has_passed: 'true',
        declaration_date: '2025-12-01T10:00:00Z',
      }),
      '2025-12-02T09:00:00Z',
    );
    expect(d.attributes.has_passed).toBe(true);
    const res = await ambition().put(
      `/api/v3/participant-declarations/${d.id}/void`,
      undefined,
      at('2025-12-03T09:00:00Z'),
    );
    expect(res.body.data.attributes).toMatchObject({ state: 'voided', has_passed: null });
    expect(
      (await ambition().get(`/api/v3/participant-declarations/${d.id}`)).body.data.attributes.has_passed,
    ).toBeNull();
    // Training records both outcomes (passed, then voided) and publishes them; they replace finance's own.
    const outcomes = await eventually(
      async (): Promise<{ state: string; source: string }[]> =>
        system.services.finance.runtime.orm.em
          .fork()
          .execute(
            `select state, source from finance.outcomes where declaration_id = ? order by created_at, ordinal`,
            [d.id],
          ),
      (rows) => rows.length === 2 && rows.every((r) => r.source === 'training'),
    );
    expect(outcomes.map((o) => o.state)).toEqual(['passed', 'voided']);
    expect(
      (await ambition().get(`/api/v3/participant-declarations/${d.id}`)).body.data.attributes.has_passed,
    ).toBeNull();
  });

  it('ignores any body, and answers 404 for unknown or malformed ids', async () => {
    expect(
      (await ambition().put('/api/v3/participant-declarations/5f0c1b2a-1111-4222-8333-444455556666/void'))
        .body,
    ).toEqual(NOT_FOUND);
    expect((await ambition().put('/api/v3/participant-declarations/nope/void')).status).toBe(404);
  });
});

describe('PUT /api/v3/participant-declarations/{id}/change-delivery-partner', () => {
  const change = (id: string, attributes?: Record<string, unknown>) =>
    ambition().put(
      `/api/v3/participant-declarations/${id}/change-delivery-partner`,
      attributes === undefined ? undefined : { data: { type: 'participant-declaration', attributes } },
    );
  const notListed =
    "The entered '#/delivery_partner_id' is not from your list of confirmed Delivery Partners for the Cohort";
  const secondaryNotListed =
    "The entered '#/secondary_delivery_partner_id' is not from your list of confirmed Delivery Partners for the Cohort";
  const required = "The property '#/delivery_partner_id' must be present";

  let declaration: { id: string };
  let second: string;
  beforeAll(async () => {
    const p = await acceptedParticipant(system);
    second = await createPartner(system, 'Change Partner Ltd', [
      { lead_provider_id: AMBITION.id, cohort: '2025' },
    ]);
    declaration = await declareOk(
      ambition(),
      startedAttributes(p.participantId, { secondary_delivery_partner_id: second }),
    );
  });

  it('needs a body (after the ownership check)', async () => {
    const res = await change(declaration.id);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      errors(['Bad request', 'correct json data structure required. See API docs for reference']),
    );
    expect((await change('5f0c1b2a-1111-4222-8333-444455556666')).status).toBe(404);
  });

  it('refuses a missing or unknown partner', async () => {
    const missing = await change(declaration.id, { secondary_delivery_partner_id: second });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual(
      errors(
        ['delivery_partner', notListed],
        ['delivery_partner_id', required],
        [
          'secondary_delivery_partner_id',
          "The property '#/secondary_delivery_partner_id' cannot be specified without the property '#/delivery_partner_id'",
        ],
      ),
    );
    const unknown = await change(declaration.id, {
      delivery_partner_id: '5f0c1b2a-1111-4222-8333-444455556666',
      secondary_delivery_partner_id: 'x',
    });
    expect(unknown.body).toEqual(
      errors(
        ['delivery_partner', notListed],
        ['secondary_delivery_partner', secondaryNotListed],
        ['delivery_partner_id', required],
      ),
    );
  });

  it('refuses a partner the provider has no partnership with in the declaration cohort, or the same partner twice', async () => {
    const elsewhere = await createPartner(system, 'Other Cohort Partner', [
      { lead_provider_id: AMBITION.id, cohort: '2024' },
    ]);
    const res = await change(declaration.id, { delivery_partner_id: elsewhere });
    expect(res.body).toEqual(errors(['delivery_partner_id', notListed]));
    const same = await change(declaration.id, {
      delivery_partner_id: second,
      secondary_delivery_partner_id: second,
    });
    expect(same.body).toEqual(
      errors([
        'secondary_delivery_partner_id',
        "The property '#/secondary_delivery_partner_id' cannot have the same value as the property '#/delivery_partner_id'",
      ]),
    );
  });

  it('replaces both partners; omitting the secondary clears it', async () => {
    const swapped = await change(declaration.id, {
      delivery_partner_id: second,
      secondary_delivery_partner_id: EVERYWHERE_PARTNER.id,
    });
    expect(swapped.status).toBe(200);
    expect(swapped.body.data.attributes).toMatchObject({
      delivery_partner_id: second,
      delivery_partner_name: 'Change Partner Ltd',
      secondary_delivery_partner_id: EVERYWHERE_PARTNER.id,
      secondary_delivery_partner_name: EVERYWHERE_PARTNER.name,
      state: 'eligible',
    });
    const cleared = await change(declaration.id, { delivery_partner_id: EVERYWHERE_PARTNER.id });
    expect(cleared.body.data.attributes).toMatchObject({
      delivery_partner_id: EVERYWHERE_PARTNER.id,
      secondary_delivery_partner_id: null,
      secondary_delivery_partner_name: null,
    });
  });

  it('treats a blank secondary id as none (Rails `present?`): it clears the secondary partner', async () => {
    const p = await acceptedParticipant(system);
    const d = await declareOk(
      ambition(),
      startedAttributes(p.participantId, { secondary_delivery_partner_id: second }),
    );
    for (const blank of ['', '  ']) {
      await change(d.id, {
        delivery_partner_id: EVERYWHERE_PARTNER.id,
        secondary_delivery_partner_id: second,
      });
      const res = await change(d.id, {
        delivery_partner_id: EVERYWHERE_PARTNER.id,
        secondary_delivery_partner_id: blank,
      });
      expect(res.status).toBe(200);
      expect(res.body.data.attributes).toMatchObject({
        delivery_partner_id: EVERYWHERE_PARTNER.id,
        secondary_delivery_partner_id: null,
        secondary_delivery_partner_name: null,
      });
    }
  });

  it('a primary id that is given but not a string is unknown, not missing', async () => {
    // Outside England no partner is required, so only the lookup fails.
    const p = await acceptedParticipant(system, { teacher_catchment: 'wales' });
    const d = await declareOk(
      ambition(),
      startedAttributes(p.participantId, { delivery_partner_id: undefined }),
    );
    const res = await change(d.id, { delivery_partner_id: 123 });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(errors(['delivery_partner', notListed]));
    // An array is dropped (strong parameters keep scalars only): the id is missing.
    const dropped = await change(d.id, { delivery_partner_id: [EVERYWHERE_PARTNER.id] });
    expect(dropped.body).toEqual(errors(['delivery_partner', notListed], ['delivery_partner_id', required]));
  });

  it('leaves updated_at alone when nothing changes (no write, as DfE)', async () => {
    const p = await acceptedParticipant(system);
    const d = await declareOk(ambition(), startedAttributes(p.participantId), '2025-10-15T09:00:00Z');
    const same = await ambition().put(
      `/api/v3/participant-declarations/${d.id}/change-delivery-partner`,
      {
        data: { type: 'participant-declaration', attributes: { delivery_partner_id: EVERYWHERE_PARTNER.id } },
      },
      at('2025-10-20T09:00:00Z'),
    );
    expect(same.status).toBe(200);
    expect(same.body.data.attributes.updated_at).toBe('2025-10-15T09:00:00Z');
    const changed = await ambition().put(
      `/api/v3/participant-declarations/${d.id}/change-delivery-partner`,
      { data: { type: 'participant-declaration', attributes: { delivery_partner_id: second } } },
      at('2025-10-21T09:00:00Z'),
    );
    expect(changed.body.data.attributes).toMatchObject({
      delivery_partner_id: second,
      updated_at: '2025-10-21T09:00:00Z',
    });
  });

  it('works in any state, including voided', async () => {
    const p = await acceptedParticipant(system);
    const d = await declareOk(ambition(), startedAttributes(p.participantId));
    await ambition().put(`/api/v3/participant-declarations/${d.id}/void`);
    const res = await change(d.id, { delivery_partner_id: second });
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({ state: 'voided', delivery_partner_id: second });
  });

  it('refuses a partner for a participant outside England', async () => {
    const p = await acceptedParticipant(system, { teacher_catchment: 'wales' });
    const d = await declareOk(
      ambition(),
      startedAttributes(p.participantId, { delivery_partner_id: undefined }),
    );
    const res = await change(d.id, { delivery_partner_id: EVERYWHERE_PARTNER.id });
    expect(res.body).toEqual(
      errors([
        'delivery_partner_id',
        "The property '#/delivery_partner_id' cannot be specified for Applications from outside of England",
      ]),
    );
  });

  it('never leaks through the create endpoint: a 2025 declaration still needs a partner', async () => {
    const p = await acceptedParticipant(system);
    const res = await declare(
      ambition(),
      startedAttributes(p.participantId, { delivery_partner_id: undefined }),
    );
    expect(res.body).toEqual(errors(['delivery_partner_id', required]));
  });
});
