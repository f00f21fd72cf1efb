import { createHmac } from 'node:crypto';
import { seedGateway } from '@npq/gateway';
import { LEAD_PROVIDERS } from '@npq/contracts';
import { ADMIN_TOKEN, startSystem, type System } from '../support/system';
import { eventually } from '../support/eventually';

const TOKENS = '/admin/v1/api-tokens';
const DENIED = { error: 'HTTP Token: Access denied' };
const V3 = '/api/v3/npq-applications';
const [AMBITION, BPN, , , , , , LAST] = LEAD_PROVIDERS;

interface ListedToken {
  id: string;
  type: 'api-token';
  attributes: {
    scope: 'lead_provider' | 'teacher_record_service';
    lead_provider_id: string | null;
    bootstrap: boolean;
    created_at: string;
    last_used_at: string | null;
    revoked_at: string | null;
  };
}

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

async function listTokens(query = ''): Promise<ListedToken[]> {
  const res = await system.admin.get(`${TOKENS}?page[per_page]=3000${query}`);
  expect(res.status).toBe(200);
  return res.body.data as ListedToken[];
}

async function mint(leadProviderId: string): Promise<{ id: string; token: string; created_at: string }> {
  const res = await system.admin.post(`/admin/v1/lead-providers/${leadProviderId}/api-tokens`);
  expect(res.status).toBe(201);
  return { id: res.body.data.id, ...res.body.data.attributes };
}

const bootstrapOf = async (leadProviderId: string): Promise<ListedToken[]> =>
  (await listTokens(`&filter[lead_provider_id]=${leadProviderId}`)).filter((t) => t.attributes.bootstrap);

describe('GET /admin/v1/api-tokens', () => {
  it('lists every token with its id, scope, provider and use, never the token or its digest', async () => {
    const minted = await mint(BPN.id);
    const trs = await system.admin.post('/admin/v1/teacher-record-service/api-tokens');
    expect(trs.status).toBe(201);

    const res = await system.admin.get(`${TOKENS}?page[per_page]=3000`);
    expect(res.status).toBe(200);
    const listed = res.body.data as ListedToken[];
    // One bootstrap token per lead provider, seeded at start.
    const bootstrap = listed.filter((t) => t.attributes.bootstrap);
    expect(bootstrap.map((t) => t.attributes.lead_provider_id).sort()).toEqual(
      LEAD_PROVIDERS.map((lp) => lp.id).sort(),
    );
    for (const t of bootstrap) {
      expect(t.attributes).toMatchObject({ scope: 'lead_provider', revoked_at: null });
    }
    expect(listed.find((t) => t.id === minted.id)).toEqual({
      id: minted.id,
      type: 'api-token',
      attributes: {
        scope: 'lead_provider',
        lead_provider_id: BPN.id,
        bootstrap: false,
        created_at: minted.created_at,
        last_used_at: null,
        revoked_at: null,
      },
    });
    expect(listed.find((t) => t.id === trs.body.data.id)?.attributes).toMatchObject({
      scope: 'teacher_record_service',
      lead_provider_id: null,
      bootstrap: false,
    });
    // Oldest first (stored with sub-second precision, so only the order of the seconds shows here).
    const created = listed.map((t) => t.attributes.created_at);
    expect(created).toEqual([...created].sort());
    // Neither a clear token nor a digest appears anywhere in the answer.
    const secret = system.config.TOKEN_HMAC_SECRET;
    for (const clear of [minted.token, trs.body.data.attributes.token, ...Object.values(system.tokens)]) {
      expect(res.text).not.toContain(clear);
      expect(res.text).not.toContain(createHmac('sha256', secret).update(clear).digest('hex'));
    }
  });

  it('shows when a token was last used and when it was revoked', async () => {
    const minted = await mint(BPN.id);
    expect((await system.anonymous.withToken(minted.token).get(V3)).status).toBe(200);
    const used = await eventually(
      async () => (await listTokens()).find((t) => t.id === minted.id),
      (t) => t?.attributes.last_used_at != null,
    );
    expect(used?.attributes.last_used_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect((await system.admin.delete(`${TOKENS}/${minted.id}`)).status).toBe(204);
    const revoked = (await listTokens()).find((t) => t.id === minted.id);
    expect(revoked?.attributes.revoked_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    // Revoking again changes nothing.
    expect((await system.admin.delete(`${TOKENS}/${minted.id}`)).status).toBe(204);
    expect((await listTokens()).find((t) => t.id === minted.id)).toEqual(revoked);
  });

  it('filters by lead provider and scope', async () => {
    const minted = await mint(AMBITION.id);
    const forAmbition = await listTokens(`&filter[lead_provider_id]=${AMBITION.id.toUpperCase()}`);
    expect(forAmbition.map((t) => t.id)).toContain(minted.id);
    expect(forAmbition.filter((t) => t.attributes.bootstrap)).toHaveLength(1);
    expect(new Set(forAmbition.map((t) => t.attributes.lead_provider_id))).toEqual(new Set([AMBITION.id]));

    await system.admin.post('/admin/v1/teacher-record-service/api-tokens');
    const trs = await listTokens('&filter[scope]=teacher_record_service');
    expect(trs.length).toBeGreaterThan(0);
    expect(new Set(trs.map((t) => t.attributes.scope))).toEqual(new Set(['teacher_record_service']));
    const providers = await listTokens(
      `&filter[scope]=lead_provider&filter[lead_provider_id]=${AMBITION.id}`,
    );
    expect(providers.map((t) => t.id).sort()).toEqual(forAmbition.map((t) => t.id).sort());

    // Blank values are no filter; a lead provider id that is not a UUID matches nothing.
    expect((await listTokens('&filter[scope]=&filter[lead_provider_id]=')).length).toBe(
      (await listTokens()).length,
    );
    expect(await listTokens('&filter[lead_provider_id]=not-a-uuid')).toEqual([]);
    expect(await listTokens('&filter[lead_provider_id]=8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a')).toEqual([]);
  });

  it.each([
    [
      'an unknown scope',
      '?filter[scope]=admin',
      "The filter '#/scope' must be one of lead_provider, teacher_record_service",
    ],
    ['a filter that is not an object', '?filter=abc', "'#/filter' is not a valid field"],
    [
      'a page below 1',
      '?page[page]=0',
      "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid positive number",
    ],
  ])('answers %s with 400', async (_name, query, detail) => {
    const res = await system.admin.get(`${TOKENS}${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ title: 'Bad request', detail }] });
  });

  it('pages like the v3 lists', async () => {
    const all = await listTokens();
    const first = await system.admin.get(`${TOKENS}?page[per_page]=2&page[page]=1`);
    const second = await system.admin.get(`${TOKENS}?page[per_page]=2&page[page]=2`);
    expect(first.body.data.map((t: ListedToken) => t.id)).toEqual(all.slice(0, 2).map((t) => t.id));
    expect(second.body.data.map((t: ListedToken) => t.id)).toEqual(all.slice(2, 4).map((t) => t.id));
    expect((await system.admin.get(`${TOKENS}?page[page]=999999999999999`)).body).toEqual({ data: [] });
  });

  it('is for DfE operators only', async () => {
    const minted = await mint(BPN.id);
    for (const client of [
      system.provider(),
      system.anonymous,
      system.anonymous.withToken(minted.token),
      system.anonymous.withToken(`${ADMIN_TOKEN}x`),
    ]) {
      const res = await client.get(TOKENS);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(DENIED);
    }
  });
});

describe('bootstrap tokens', () => {
  it('are revoked like any other, and a restart and re-seed never restores one', async () => {
    const token = system.tokens[LAST.id]!;
    const client = system.anonymous.withToken(token);
    expect((await client.get(V3)).status).toBe(200);
    const [listed] = await bootstrapOf(LAST.id);
    expect(listed).toBeDefined();

    expect((await system.admin.delete(`${TOKENS}/${listed!.id}`)).status).toBe(204);
    expect((await client.get(V3)).body).toEqual(DENIED);
    const [revoked] = await bootstrapOf(LAST.id);
    expect(revoked!.attributes.revoked_at).not.toBeNull();

    // A restart: the seed runs again (twice, for good measure), then a fresh gateway process starts.
    for (let i = 0; i < 2; i++) {
      const seeded = await seedGateway(system.gatewayOrm, system.config);
      expect(seeded.find((s) => s.leadProviderId === LAST.id)).toEqual({
        leadProviderId: LAST.id,
        leadProviderName: LAST.name,
        tokenId: listed!.id,
        token: null,
        revokedAt: revoked!.attributes.revoked_at,
      });
      // The other providers' bootstrap tokens are reported (and still work) as before.
      for (const s of seeded.filter((x) => x.leadProviderId !== LAST.id)) {
        expect(s).toMatchObject({ token: system.tokens[s.leadProviderId], revokedAt: null });
      }
    }
    const restarted = await system.startGateway();
    try {
      const res = await restarted.client.withToken(token).get(V3);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(DENIED);
      expect((await restarted.client.withToken(system.tokens[AMBITION.id]).get(V3)).status).toBe(200);
    } finally {
      await restarted.close();
    }
    expect((await client.get(V3)).status).toBe(401);
    // Still one bootstrap token for the provider, still revoked at the same moment.
    expect(await bootstrapOf(LAST.id)).toEqual([revoked]);
  });

  it('leave the provider free to be given a new token, which the list shows', async () => {
    const minted = await mint(LAST.id);
    expect((await system.anonymous.withToken(minted.token).get(V3)).status).toBe(200);
    const forLast = await listTokens(`&filter[lead_provider_id]=${LAST.id}`);
    expect(forLast.find((t) => t.id === minted.id)?.attributes).toMatchObject({
      bootstrap: false,
      revoked_at: null,
    });
  });
});
