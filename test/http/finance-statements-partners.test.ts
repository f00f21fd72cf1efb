import { COHORTS, LEAD_PROVIDER_IDS, seedStatementPeriods } from '@npq/contracts';
import { SEED_DELIVERY_PARTNERS } from '@npq/finance';
import { startSystem, type System } from '../support/system';
import { AMBITION, BPN } from '../support/fixtures';
import { adminStatements, errors, runCutoff } from '../support/finance';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

const ambition = () => system.provider(AMBITION.id);
const NOT_FOUND = { error: 'Resource not found' };
const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((d) => d.id);

describe('GET /api/v3/statements', () => {
  it("lists only the caller's output-fee statements, by payment date then id, with DfE's shape", async () => {
    const res = await ambition().get('/api/v3/statements?page[per_page]=3000');
    expect(res.status).toBe(200);
    const expected = COHORTS.reduce(
      (n, c) => n + seedStatementPeriods(c).filter((p) => p.outputFee).length,
      0,
    );
    expect(res.body.data).toHaveLength(expected);
    const keys = res.body.data.map(
      (s: { attributes: { payment_date: string }; id: string }) => `${s.attributes.payment_date}|${s.id}`,
    );
    expect(keys).toEqual([...keys].sort());
    const march2025 = res.body.data.find(
      (s: { attributes: Record<string, string> }) =>
        s.attributes.cohort === '2025' && s.attributes.month === 'March' && s.attributes.year === '2025',
    );
    expect(Object.keys(march2025.attributes)).toEqual([
      'month',
      'year',
      'cohort',
      'cut_off_date',
      'payment_date',
      'paid',
      'created_at',
      'updated_at',
    ]);
    expect(march2025).toMatchObject({
      type: 'statement',
      attributes: { cut_off_date: '2025-02-23', payment_date: '2025-03-23', paid: false },
    });
    // Another provider has its own statements.
    const other = await system.provider(BPN.id).get('/api/v3/statements?page[per_page]=3000');
    expect(ids(other).filter((id) => ids(res).includes(id))).toEqual([]);
  });

  it('filters by cohort start years (comma list) and paginates', async () => {
    const y2025 = await ambition().get('/api/v3/statements?filter[cohort]=2025&page[per_page]=3000');
    const expected2025 = ['2025a', '2025b'].reduce(
      (n, c) => n + seedStatementPeriods(c).filter((p) => p.outputFee).length,
      0,
    );
    expect(y2025.body.data).toHaveLength(expected2025);
    expect(
      new Set(y2025.body.data.map((s: { attributes: { cohort: string } }) => s.attributes.cohort)),
    ).toEqual(new Set(['2025']));
    const two = await ambition().get('/api/v3/statements?filter[cohort]=2021,2022&page[per_page]=3000');
    expect(
      new Set(two.body.data.map((s: { attributes: { cohort: string } }) => s.attributes.cohort)),
    ).toEqual(new Set(['2021', '2022']));
    expect((await ambition().get('/api/v3/statements?filter[cohort]=abc')).body).toEqual({ data: [] });
    const page2 = await ambition().get(
      '/api/v3/statements?filter[cohort]=2025&page[per_page]=2&page[page]=2',
    );
    expect(ids(page2)).toEqual(ids(y2025).slice(2, 4));
  });

  it('filters by updated_since: a cut-off touches the statements it moves', async () => {
    const before = await ambition().get('/api/v3/statements?filter[updated_since]=2090-01-01T00:00:00Z');
    expect(before.body).toEqual({ data: [] });
    const moved = await runCutoff(system, '2021-07-01', '2031-01-01T00:00:00Z');
    expect(moved.statements_marked_payable).toBeGreaterThan(0);
    const after = await ambition().get(
      '/api/v3/statements?filter[updated_since]=2031-01-01T00:00:00Z&page[per_page]=3000',
    );
    expect(after.body.data.length).toBeGreaterThan(0);
    for (const s of after.body.data) expect(s.attributes.cut_off_date < '2021-07-01').toBe(true);
    expect((await ambition().get('/api/v3/statements?filter[updated_since]=nope')).status).toBe(400);
  });

  it("shows one statement; 404 for another provider's, a non-output-fee one, a filter mismatch or a bad id", async () => {
    const all = await adminStatements(system, AMBITION.id, '2025');
    const output = all.find((s) => s.attributes.output_fee)!;
    const nonOutput = all.find((s) => !s.attributes.output_fee)!;
    const res = await ambition().get(`/api/v3/statements/${output.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data.attributes.cohort).toBe('2025');
    expect((await ambition().get(`/api/v3/statements/${output.id}?filter[cohort]=2025`)).status).toBe(200);
    for (const url of [
      `/api/v3/statements/${nonOutput.id}`,
      `/api/v3/statements/${output.id}?filter[cohort]=2024`,
      '/api/v3/statements/123XXX',
      '/api/v3/statements/5f0c1b2a-1111-4222-8333-444455556666',
    ]) {
      const missing = await ambition().get(url);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
    expect((await system.provider(BPN.id).get(`/api/v3/statements/${output.id}`)).status).toBe(404);
  });
});

describe('GET /api/v3/delivery-partners', () => {
  const seeded = (name: string) => SEED_DELIVERY_PARTNERS.find((p) => p.name === name)!;

  it("lists the caller's partners by name with the start years partnered with the caller (integers)", async () => {
    const res = await ambition().get('/api/v3/delivery-partners');
    expect(res.status).toBe(200);
    const mine = res.body.data.filter((d: { id: string }) =>
      SEED_DELIVERY_PARTNERS.some((p) => p.id === d.id),
    );
    expect(mine.map((d: { attributes: { name: string } }) => d.attributes.name)).toEqual([
      'Ashworth Teaching School Hub',
      'Brightwater Learning Trust',
      'Castleford Education Partnership',
      'Evergreen Leadership Centre',
    ]);
    expect(mine[0]).toMatchObject({
      id: seeded('Ashworth Teaching School Hub').id,
      type: 'delivery-partner',
      attributes: { cohort: [2021, 2022, 2023, 2024, 2025, 2026] },
    });
    expect(Object.keys(mine[0].attributes)).toEqual(['name', 'cohort', 'created_at', 'updated_at']);
    expect(mine[2].attributes.cohort).toEqual([2022, 2023, 2024, 2025]);
    // UCL works with other partners.
    const ucl = await system.provider(LEAD_PROVIDER_IDS.ucl).get('/api/v3/delivery-partners');
    expect(ucl.body.data.map((d: { attributes: { name: string } }) => d.attributes.name)).toEqual(
      expect.arrayContaining(['Dunmore Schools Network', 'Fairfield Teaching Alliance']),
    );
    expect(ucl.body.data.map((d: { attributes: { name: string } }) => d.attributes.name)).not.toContain(
      'Castleford Education Partnership',
    );
  });

  it('filters by a single cohort year ("2023,2024" reads as 2023; non-numbers match nothing)', async () => {
    const y2022 = await ambition().get('/api/v3/delivery-partners?filter[cohort]=2022');
    expect(y2022.body.data.map((d: { attributes: { name: string } }) => d.attributes.name)).toEqual([
      'Ashworth Teaching School Hub',
      'Castleford Education Partnership',
    ]);
    // The attribute still lists every year partnered with the caller.
    expect(y2022.body.data[1].attributes.cohort).toEqual([2022, 2023, 2024, 2025]);
    const csv = await ambition().get('/api/v3/delivery-partners?filter[cohort]=2023,2024');
    expect(ids(csv)).toEqual(ids(await ambition().get('/api/v3/delivery-partners?filter[cohort]=2023')));
    expect((await ambition().get('/api/v3/delivery-partners?filter[cohort]=abc')).body).toEqual({ data: [] });
  });

  it('sorts by name, created_at and updated_at, either way; unknown fields are ignored', async () => {
    const desc = await ambition().get('/api/v3/delivery-partners?sort=-name');
    const asc = await ambition().get('/api/v3/delivery-partners?sort=name');
    expect(ids(desc)).toEqual([...ids(asc)].reverse());
    const created = await ambition().get('/api/v3/delivery-partners?sort=-created_at,name');
    const times = created.body.data.map(
      (d: { attributes: { created_at: string } }) => d.attributes.created_at,
    );
    expect(times).toEqual([...times].sort().reverse());
    expect(ids(await ambition().get('/api/v3/delivery-partners?sort=bogus'))).toEqual(ids(asc));
  });

  it('shows a partner of the caller; 404 otherwise', async () => {
    const res = await ambition().get(`/api/v3/delivery-partners/${seeded('Evergreen Leadership Centre').id}`);
    expect(res.status).toBe(200);
    expect(res.body.data.attributes).toMatchObject({
      name: 'Evergreen Leadership Centre',
      cohort: [2025, 2026],
    });
    for (const id of [seeded('Dunmore Schools Network').id, '5f0c1b2a-1111-4222-8333-444455556666', 'nope']) {
      const missing = await ambition().get(`/api/v3/delivery-partners/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });
});

describe('admin: delivery partners and partnerships', () => {
  it('creates a partner and partnerships, which then show to that provider only', async () => {
    const created = await system.admin.post('/admin/v1/delivery-partners', {
      data: { type: 'delivery-partner', attributes: { name: 'Zenith Partnership' } },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(created.body.data).toMatchObject({
      type: 'delivery-partner',
      attributes: { name: 'Zenith Partnership' },
    });
    expect((await ambition().get(`/api/v3/delivery-partners/${id}`)).status).toBe(404);

    const link = await system.admin.post(`/admin/v1/delivery-partners/${id}/partnerships`, {
      data: {
        type: 'delivery-partnership',
        attributes: { lead_provider_id: AMBITION.id, cohort: '2025', cohort_suffix: 'b' },
      },
    });
    expect(link.status).toBe(201);
    expect(link.body.data.attributes).toMatchObject({
      delivery_partner_id: id,
      lead_provider_id: AMBITION.id,
      cohort: '2025',
      cohort_suffix: 'b',
    });
    await system.admin.post(`/admin/v1/delivery-partners/${id}/partnerships`, {
      data: { type: 'delivery-partnership', attributes: { lead_provider_id: AMBITION.id, cohort: '2025' } },
    });
    const shown = await ambition().get(`/api/v3/delivery-partners/${id}`);
    expect(shown.body.data.attributes.cohort).toEqual([2025]);
    expect((await system.provider(BPN.id).get(`/api/v3/delivery-partners/${id}`)).status).toBe(404);

    const all = await system.admin.get('/admin/v1/delivery-partners?page[per_page]=100');
    expect(all.body.data.map((d: { id: string }) => d.id)).toEqual(
      expect.arrayContaining([id, ...SEED_DELIVERY_PARTNERS.map((p) => p.id)]),
    );
  });

  it('refuses bad input with 422, an unknown partner with 404, and a duplicate partnership', async () => {
    const blank = await system.admin.post('/admin/v1/delivery-partners', {
      data: { type: 'delivery-partner', attributes: { name: ' ' } },
    });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual(errors(['name', "The '#/name' must be present"]));
    const typo = await system.admin.post('/admin/v1/delivery-partners', {
      data: { type: 'delivery-partner', attributes: { name: 'X', nmae: 'Y' } },
    });
    expect(typo.status).toBe(422);
    expect(typo.body).toEqual(errors(['nmae', "'#/nmae' is not a known attribute"]));
    const partner = SEED_DELIVERY_PARTNERS[0]!.id;
    const bad = await system.admin.post(`/admin/v1/delivery-partners/${partner}/partnerships`, {
      data: { type: 'delivery-partnership', attributes: { lead_provider_id: 'nope', cohort: '2019' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual(
      errors(
        ['lead_provider_id', "The '#/lead_provider_id' is not a known lead provider"],
        ['cohort', "The '#/cohort' and '#/cohort_suffix' do not name a known cohort"],
      ),
    );
    const dup = await system.admin.post(`/admin/v1/delivery-partners/${partner}/partnerships`, {
      data: { type: 'delivery-partnership', attributes: { lead_provider_id: AMBITION.id, cohort: '2025' } },
    });
    expect(dup.status).toBe(422);
    const unknown = await system.admin.post(
      '/admin/v1/delivery-partners/5f0c1b2a-1111-4222-8333-444455556666/partnerships',
      {
        data: { type: 'delivery-partnership', attributes: { lead_provider_id: AMBITION.id, cohort: '2025' } },
      },
    );
    expect(unknown.status).toBe(404);
    expect((await ambition().get('/admin/v1/delivery-partners')).status).toBe(401);
  });
});
