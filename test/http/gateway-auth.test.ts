import { createHmac } from 'node:crypto';
import { LEAD_PROVIDERS } from '@npq/contracts';
import { ADMIN_TOKEN, startSystem, type System } from '../support/system';
import { AMBITION, BPN, createApplication } from '../support/fixtures';
import { eventually } from '../support/eventually';

const DENIED = { error: 'HTTP Token: Access denied' };
const LIST = '/api/v3/npq-applications';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

async function mintToken(leadProviderId: string): Promise<{ id: string; token: string }> {
  const res = await system.admin.post(`/admin/v1/lead-providers/${leadProviderId}/api-tokens`);
  expect(res.status).toBe(201);
  return { id: res.body.data.id, token: res.body.data.attributes.token };
}

describe('lead provider authentication', () => {
  it('refuses a request without credentials with DfE 401 body and no WWW-Authenticate', async () => {
    const res = await system.anonymous.get(LIST);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(DENIED);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['content-type']).toBe('application/json');
  });

  it.each([
    ['an unknown token', 'Bearer not-a-real-token'],
    ['a wrong scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a lower-case scheme (Rails matches it case-sensitively)', `bearer ${'x'.repeat(32)}`],
    ['a blank token', 'Bearer    '],
    ['the admin token', `Bearer ${ADMIN_TOKEN}`],
  ])('refuses %s', async (_name, header) => {
    const res = await system.anonymous.get(LIST, { headers: { authorization: header } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(DENIED);
  });

  it('accepts the token forms Rails reads: `Bearer <t>`, `Token <t>`, `token=<t>` quoted or not, with parameters', async () => {
    const token = system.tokens[AMBITION.id]!;
    for (const header of [
      `Bearer ${token}`,
      `Token ${token}`,
      `Token token="${token}"`,
      `Token token=${token}`,
      `Bearer token="${token}"`,
      `Token token="${token}", nonce="abc"`,
    ]) {
      const res = await system.anonymous.get(LIST, { headers: { authorization: header } });
      expect(res.status).toBe(200);
    }
  });

  it('refuses a token once revoked, and records when a token was last used', async () => {
    const { id, token } = await mintToken(BPN.id);
    const client = system.anonymous.withToken(token);
    expect((await client.get(LIST)).status).toBe(200);

    // Use is recorded asynchronously (off the request path).
    const rows = await eventually(
      () =>
        system.gatewayOrm.em
          .fork()
          .execute<{ last_used_at: Date | null; hashed_token: string }[]>(
            'select last_used_at, hashed_token from gateway.api_tokens where id = ?',
            [id],
          ),
      (r) => r[0]?.last_used_at != null,
    );
    expect(rows[0]!.last_used_at).not.toBeNull();
    // Stored as an HMAC-SHA256 digest, never in clear.
    expect(rows[0]!.hashed_token).toBe(
      createHmac('sha256', system.config.TOKEN_HMAC_SECRET).update(token).digest('hex'),
    );
    const clear = await system.gatewayOrm.em
      .fork()
      .execute('select 1 from gateway.api_tokens where hashed_token = ?', [token]);
    expect(clear).toHaveLength(0);

    const revoked = await system.admin.delete(`/admin/v1/api-tokens/${id}`);
    expect(revoked.status).toBe(204);
    expect(revoked.text).toBe('');
    const after = await client.get(LIST);
    expect(after.status).toBe(401);
    expect(after.body).toEqual(DENIED);
  });

  it('refuses a revoked token at once on every gateway replica, even one that had just verified it', async () => {
    const { id, token } = await mintToken(BPN.id);
    const replica = await system.startGateway();
    try {
      const viaReplica = replica.client.withToken(token);
      expect((await viaReplica.get(LIST)).status).toBe(200);
      expect((await system.admin.delete(`/admin/v1/api-tokens/${id}`)).status).toBe(204);
      const after = await eventually(
        () => viaReplica.get(LIST),
        (r) => r.status === 401,
        2000,
      );
      expect(after.body).toEqual(DENIED);
    } finally {
      await replica.close();
    }
  });

  it('scopes a new token to its lead provider', async () => {
    const app = await createApplication(system.admin, { lead_provider_id: BPN.id });
    const { token } = await mintToken(BPN.id);
    const own = await system.anonymous.withToken(token).get(`${LIST}/${app.id}`);
    expect(own.status).toBe(200);
    const other = await system.provider(AMBITION.id).get(`${LIST}/${app.id}`);
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: 'Resource not found' });
  });

  it('ignores identity headers a client tries to set for the internal hop', async () => {
    const app = await createApplication(system.admin, { lead_provider_id: BPN.id });
    const spoofed = await system.provider(AMBITION.id).get(`${LIST}/${app.id}`, {
      headers: {
        'x-npq-lead-provider-id': BPN.id,
        'x-npq-scope': 'lead_provider',
        'x-npq-internal-secret': 'guess',
      },
    });
    expect(spoofed.status).toBe(404);
  });

  it('gives a teacher-record-service token no access to the lead provider API', async () => {
    const res = await system.admin.post('/admin/v1/teacher-record-service/api-tokens');
    expect(res.status).toBe(201);
    expect(res.body.data.attributes).toMatchObject({
      scope: 'teacher_record_service',
      lead_provider_id: null,
    });
    const v3 = await system.anonymous.withToken(res.body.data.attributes.token).get(LIST);
    expect(v3.status).toBe(401);
  });
});

describe('admin authentication and token administration', () => {
  it('refuses provider tokens and unknown tokens on /admin/v1', async () => {
    for (const client of [system.provider(), system.anonymous, system.anonymous.withToken('nope')]) {
      const res = await client.get('/admin/v1/lead-providers');
      expect(res.status).toBe(401);
      expect(res.body).toEqual(DENIED);
    }
  });

  it('lists the eight lead providers with their fixed ids', async () => {
    const res = await system.admin.get('/admin/v1/lead-providers');
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.data.map((lp: any) => [lp.id, lp.attributes.name]));
    expect(byId).toEqual(Object.fromEntries(LEAD_PROVIDERS.map((lp) => [lp.id, lp.name])));
    expect(res.body.data[0].type).toBe('lead-provider');
  });

  it('mints tokens only for known lead providers and revokes only known tokens', async () => {
    expect(
      (await system.admin.post('/admin/v1/lead-providers/8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a/api-tokens'))
        .status,
    ).toBe(404);
    expect((await system.admin.post('/admin/v1/lead-providers/not-a-uuid/api-tokens')).status).toBe(404);
    expect(
      (await system.admin.delete('/admin/v1/api-tokens/8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a')).status,
    ).toBe(404);
    const minted = await mintToken(AMBITION.id);
    expect(minted.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('does not throttle the admin token', async () => {
    const replica = await system.startGateway({ RATE_LIMIT_MAX: 2 });
    for (let i = 0; i < 5; i++) {
      expect((await replica.client.withToken(ADMIN_TOKEN).get('/admin/v1/lead-providers')).status).toBe(200);
    }
    await replica.close();
  });
});
