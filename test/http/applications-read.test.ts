import { startSystem, type System } from '../support/system';
import { applicationAttributes, BPN, CHURCH, createApplication } from '../support/fixtures';

const LIST = '/api/v3/npq-applications';
const BAD_PAGE = {
  errors: [
    {
      title: 'Bad request',
      detail: "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid positive number",
    },
  ],
};

let system: System;
/** Applications of CHURCH created at known instants (sandbox clock), oldest first. */
const created: { id: string; participantId: string; createdAt: string; cohort: string }[] = [];

beforeAll(async () => {
  system = await startSystem();
  const plan = [
    { at: '2024-05-01T09:00:00Z', cohort: '2024' },
    { at: '2024-06-01T09:00:00Z', cohort: '2025' },
    { at: '2024-06-01T09:00:00Z', cohort: '2025' },
    { at: '2024-07-01T09:00:00Z', cohort: '2023' },
    { at: '2024-08-01T09:00:00Z', cohort: '2025' },
  ];
  for (const { at, cohort } of plan) {
    const res = await system.admin.post(
      '/admin/v1/npq-applications',
      {
        data: {
          type: 'npq_application',
          attributes: applicationAttributes({ lead_provider_id: CHURCH.id, cohort }),
        },
      },
      { headers: { 'x-with-server-date': at } },
    );
    expect(res.status).toBe(201);
    created.push({
      id: res.body.data.id,
      participantId: res.body.data.attributes.participant_id,
      createdAt: at,
      cohort,
    });
  }
  // Another provider's application, which CHURCH must never see.
  await createApplication(system.admin, { lead_provider_id: BPN.id });
});
afterAll(async () => {
  await system?.close();
});

const church = () => system.provider(CHURCH.id);
const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((a) => a.id);
/** Default order: created_at, then id (our deterministic tie-break). */
const expectedDefault = () =>
  [...created]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map((c) => c.id);

describe('GET /api/v3/npq-applications', () => {
  it("lists only the caller's applications, oldest first with an id tie-break, with no pagination metadata", async () => {
    const res = await church().get(LIST);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['data']);
    expect(ids(res)).toEqual(expectedDefault());
    expect(res.headers.link).toBeUndefined();
  });

  it('answers an empty list with 200 {"data": []}', async () => {
    const res = await church().get(`${LIST}?filter[cohort]=2021`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [] });
  });

  describe('pagination', () => {
    it('pages with page[page] and page[per_page], and returns an empty page past the end', async () => {
      const all = expectedDefault();
      const p1 = await church().get(`${LIST}?page[per_page]=2&page[page]=1`);
      const p2 = await church().get(`${LIST}?page[per_page]=2&page[page]=2`);
      const p3 = await church().get(`${LIST}?page[per_page]=2&page[page]=3`);
      const p9 = await church().get(`${LIST}?page[per_page]=2&page[page]=9`);
      expect([...ids(p1), ...ids(p2), ...ids(p3)]).toEqual(all);
      expect(ids(p3)).toHaveLength(1);
      expect(p9.body).toEqual({ data: [] });
    });

    it('reads values like Ruby to_i and clamps per_page to 3000', async () => {
      expect(ids(await church().get(`${LIST}?page[per_page]=2abc`))).toHaveLength(2);
      expect(ids(await church().get(`${LIST}?page[per_page]=1.9`))).toHaveLength(1);
      expect((await church().get(`${LIST}?page[per_page]=999999`)).status).toBe(200);
    });

    it.each(['page[page]=0', 'page[page]=-1', 'page[per_page]=0', 'page[per_page]=abc', 'page[page]='])(
      '?%s is a 400 with DfE message',
      async (qs) => {
        const res = await church().get(`${LIST}?${qs}`);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(BAD_PAGE);
      },
    );

    it.each([
      'page[page]',
      'page[per_page]',
      'filter[updated_since]',
      'filter[participant_id]',
      'filter[cohort]',
    ])('treats a bare ?%s (no =) as absent', async (qs) => {
      expect(ids(await church().get(`${LIST}?${qs}`))).toEqual(expectedDefault());
    });

    it('ignores a page parameter that is not a hash', async () => {
      const res = await church().get(`${LIST}?page=2`);
      expect(ids(res)).toEqual(expectedDefault());
    });

    it.each(['page[per_page][]=1', 'page[page][]=2', 'page[per_page][x]=0'])(
      'ignores an array or hash value (?%s), as DfE strong params drop it',
      async (qs) => {
        const res = await church().get(`${LIST}?${qs}`);
        expect(res.status).toBe(200);
        expect(ids(res)).toEqual(expectedDefault());
      },
    );

    it('answers a page too far out for any offset with an empty page, not a 500', async () => {
      const res = await church().get(`${LIST}?page[page]=99999999999999999999`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [] });
    });
  });

  describe('filters', () => {
    it('filters by cohort (comma-separated start years)', async () => {
      const res = await church().get(`${LIST}?filter[cohort]=2025,2023`);
      const want = created.filter((c) => ['2025', '2023'].includes(c.cohort)).map((c) => c.id);
      expect(new Set(ids(res))).toEqual(new Set(want));
      expect(res.body.data.every((a: any) => ['2025', '2023'].includes(a.attributes.cohort))).toBe(true);
      expect((await church().get(`${LIST}?filter[cohort]=abc`)).body).toEqual({ data: [] });
      // A year outside the integer range matches nothing (it is not a 500).
      const huge = await church().get(`${LIST}?filter[cohort]=99999999999`);
      expect(huge.status).toBe(200);
      expect(huge.body).toEqual({ data: [] });
      expect(new Set(ids(await church().get(`${LIST}?filter[cohort]=2025,99999999999`)))).toEqual(
        new Set(created.filter((c) => c.cohort === '2025').map((c) => c.id)),
      );
      // Blank filters are ignored.
      expect(ids(await church().get(`${LIST}?filter[cohort]=`))).toEqual(expectedDefault());
    });

    it('filters by participant_id (comma-separated UUIDs, case-insensitive, trailing comma tolerated)', async () => {
      const [a, b] = [created[0]!, created[3]!];
      const res = await church().get(
        `${LIST}?filter[participant_id]=${a.participantId.toUpperCase()},${b.participantId},`,
      );
      expect(new Set(ids(res))).toEqual(new Set([a.id, b.id]));
    });

    it('reads a blank participant_id as no filter, and commas only as a list that matches nothing', async () => {
      expect(ids(await church().get(`${LIST}?filter[participant_id]=%20`))).toEqual(expectedDefault());
      const commas = await church().get(`${LIST}?filter[participant_id]=,`);
      expect(commas.status).toBe(200);
      expect(commas.body).toEqual({ data: [] });
    });

    it.each([
      `filter[participant_id]=not-a-uuid`,
      `filter[participant_id]=,8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a`,
      `filter[participant_id]=8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a, 8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0b`,
      `filter[participant_id][8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a]=`,
    ])('refuses ?%s with DfE 400', async (qs) => {
      const res = await church().get(`${LIST}?${qs}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        errors: [
          {
            title: 'Bad request',
            detail: "The filter '#/participant_id' must be a comma-delimited list of valid UUIDs",
          },
        ],
      });
    });

    it('filters by updated_since (inclusive), accepting dates, Z and offsets', async () => {
      const since = (v: string) => church().get(`${LIST}?filter[updated_since]=${encodeURIComponent(v)}`);
      expect(ids(await since('2024-06-01T09:00:00Z'))).toEqual(expectedDefault().slice(1));
      expect(ids(await since('2024-07-01'))).toEqual(expectedDefault().slice(3));
      expect(ids(await since('2024-07-01T10:00:00+01:00'))).toEqual(expectedDefault().slice(3));
      expect(ids(await since('2024-08-01T09:00:01Z'))).toEqual([]);
    });

    it.each(['yesterday', '2024-13-01', '2024-06-01T25:00:00Z'])(
      'refuses updated_since=%s with DfE 400',
      async (v) => {
        const res = await church().get(`${LIST}?filter[updated_since]=${encodeURIComponent(v)}`);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          errors: [
            { title: 'Bad request', detail: "The filter '#/updated_since' must be a valid ISO 8601 date" },
          ],
        });
      },
    );

    it("reports the first bad parameter in DfE's order: participant_id, then updated_since, then page", async () => {
      const detail = async (qs: string) => (await church().get(`${LIST}?${qs}`)).body.errors[0].detail;
      expect(await detail('page[page]=0&filter[updated_since]=x&filter[participant_id]=x')).toBe(
        "The filter '#/participant_id' must be a comma-delimited list of valid UUIDs",
      );
      expect(await detail('page[page]=0&filter[updated_since]=x')).toBe(
        "The filter '#/updated_since' must be a valid ISO 8601 date",
      );
    });

    it('ignores unknown filters', async () => {
      expect(ids(await church().get(`${LIST}?filter[colour]=blue`))).toEqual(expectedDefault());
    });
  });

  describe('sort', () => {
    it('sorts by -created_at with the id tie-break', async () => {
      const res = await church().get(`${LIST}?sort=-created_at`);
      const want = [...created]
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))
        .map((c) => c.id);
      expect(ids(res)).toEqual(want);
    });

    it('sorts by updated_at and by several fields, silently dropping unknown ones', async () => {
      expect(ids(await church().get(`${LIST}?sort=updated_at`))).toEqual(expectedDefault());
      expect(ids(await church().get(`${LIST}?sort=shoe_size,${encodeURIComponent('+')}created_at`))).toEqual(
        expectedDefault(),
      );
      expect(ids(await church().get(`${LIST}?sort=shoe_size`))).toEqual(expectedDefault());
      expect(ids(await church().get(`${LIST}?sort=`))).toEqual(expectedDefault());
    });
  });
});

describe('GET /api/v3/npq-applications/{id}', () => {
  it("shows one of the caller's applications", async () => {
    const res = await church().get(`${LIST}/${created[1]!.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: created[1]!.id, type: 'npq_application' });
    expect(res.body.data.attributes.created_at).toBe('2024-06-01T09:00:00Z');
  });

  it.each([
    ["another provider's application", () => created[0]!.id, BPN.id],
    ['an unknown id', () => '8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a', CHURCH.id],
    ['a malformed id', () => '123XXX', CHURCH.id],
  ])('answers %s with 404', async (_name, id, asProvider) => {
    const res = await system.provider(asProvider).get(`${LIST}/${id()}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'Resource not found' });
  });
});
