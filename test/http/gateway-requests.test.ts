import { parse } from 'yaml';
import { startSystem, type System } from '../support/system';
import { AMBITION, createApplication, intakeBody } from '../support/fixtures';

const BAD_FILTER = { errors: [{ title: 'Bad request', detail: "'#/filter' is not a valid field" }] };

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
});

describe('routing', () => {
  it.each([
    ['GET', '/api/v3/nope'],
    ['GET', '/api/v3/npq-applications/8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a/accept'],
    ['PATCH', '/api/v3/npq-applications'],
    ['DELETE', '/api/v3/participant-declarations/8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a'],
    ['GET', '/api/v2/npq-applications'],
    ['GET', '/'],
  ])('%s %s is a JSON 404, with or without a token', async (method, url) => {
    for (const client of [system.anonymous, system.provider()]) {
      const res = await client.request(method, url, { validate: false });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Resource not found' });
      expect(res.headers['content-type']).toBe('application/json');
    }
  });
});

describe("paths as Rails' router reads them", () => {
  it('routes v3 paths with a trailing slash, repeated slashes or a .format suffix, answering JSON', async () => {
    const app = await createApplication(system.admin);
    const list = '/api/v3/npq-applications';
    for (const url of [`${list}/`, `/api/v3//npq-applications`, `${list}.json`, `${list}.csv`]) {
      const res = await system
        .provider()
        .get(`${url}?filter[participant_id]=${app.attributes.participant_id}`, { validate: false });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body.data.map((a: { id: string }) => a.id)).toEqual([app.id]);
    }
    for (const url of [
      `${list}/${app.id}/`,
      `${list}/${app.id}.json`,
      `/api/v3//npq-applications//${app.id}`,
    ]) {
      const res = await system.provider().get(url, { validate: false });
      expect(res.status).toBe(200);
      expect(res.body.data.id).toBe(app.id);
    }
    const rejected = await system
      .provider()
      .post(`${list}/${app.id}/reject.json`, undefined, { validate: false });
    expect(rejected.status).toBe(200);
    expect(rejected.body.data.attributes.status).toBe('rejected');
  });

  it('still answers unknown paths and wrong verbs with the JSON 404', async () => {
    for (const [method, url] of [
      ['GET', '/api/v3/nope/'],
      ['GET', '/api/v3/npq-applications.json/extra'],
      ['PATCH', '/api/v3/npq-applications/'],
    ] as const) {
      const res = await system.provider().request(method, url, { validate: false });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Resource not found' });
    }
  });
});

describe('filter shape (checked before authentication, as DfE does)', () => {
  it.each(['filter=abc', 'filter=', 'filter[]=x'])('?%s is a 400 even without a token', async (qs) => {
    for (const url of [
      `/api/v3/npq-applications?${qs}`,
      `/api/v3/npq-applications/8c1a3c62-1f0b-4a0e-9f41-0d1c0b0a0a0a?${qs}`,
    ]) {
      const res = await system.anonymous.get(url);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(BAD_FILTER);
    }
  });

  it('treats a bare ?filter (no =) as absent, as Rails does', async () => {
    expect((await system.anonymous.get('/api/v3/npq-applications?filter')).status).toBe(401);
    expect((await system.provider().get('/api/v3/npq-applications?filter')).status).toBe(200);
  });

  it('lets a well-formed filter through to authentication', async () => {
    const res = await system.anonymous.get('/api/v3/npq-applications?filter[cohort]=2025');
    expect(res.status).toBe(401);
  });
});

describe('request bodies', () => {
  it('answers malformed JSON with a 400 JSON envelope and changes nothing', async () => {
    const res = await system.admin.post('/admin/v1/npq-applications', undefined, {
      raw: '{"data": {"type": ',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [{ title: 'Bad request', detail: 'The request body is not valid JSON' }],
    });
  });

  it('authenticates before reading the body', async () => {
    const res = await system.anonymous.post('/admin/v1/npq-applications', undefined, { raw: '{not json' });
    expect(res.status).toBe(401);
  });

  it('refuses a body over the limit with a 413 JSON envelope', async () => {
    const huge = intakeBody({ employer_name: 'x'.repeat(system.config.BODY_LIMIT_BYTES + 10) });
    const res = await system.admin.post('/admin/v1/npq-applications', huge);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      errors: [
        {
          title: 'Payload too large',
          detail: `The request body must not be larger than ${system.config.BODY_LIMIT_BYTES} bytes`,
        },
      ],
    });
  });

  it('ignores a body that is not JSON (as Rails does), which leaves the data structure missing', async () => {
    const res = await system.admin.post('/admin/v1/npq-applications', undefined, {
      raw: JSON.stringify(intakeBody()),
      headers: { 'content-type': 'application/vnd.api+json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        { title: 'Bad request', detail: 'correct json data structure required. See API docs for reference' },
      ],
    });
  });
});

describe('response conventions', () => {
  it('sends application/json without charset, Cache-Control: no-store and the request id', async () => {
    const res = await system
      .provider()
      .get('/api/v3/npq-applications', { headers: { 'x-request-id': 'req-123' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toBe('req-123');
  });

  it('generates a request id when the client sends none', async () => {
    const res = await system.provider().get('/api/v3/npq-applications');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('services refuse requests that did not come through the gateway', () => {
  it('needs the internal credential', async () => {
    const url = `${system.services.applications.url}/api/v3/npq-applications`;
    const bare = await fetch(url, {
      headers: { 'x-npq-scope': 'lead_provider', 'x-npq-lead-provider-id': AMBITION.id },
    });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toEqual({ error: 'HTTP Token: Access denied' });
    const wrong = await fetch(url, {
      headers: { 'x-npq-internal-secret': 'wrong-secret', 'x-npq-scope': 'lead_provider' },
    });
    expect(wrong.status).toBe(401);
    const ok = await fetch(url, {
      headers: {
        'x-npq-internal-secret': system.config.INTERNAL_API_SECRET,
        'x-npq-scope': 'lead_provider',
        'x-npq-lead-provider-id': AMBITION.id,
      },
    });
    expect(ok.status).toBe(200);
    // Health stays open for probes.
    expect((await fetch(`${system.services.applications.url}/health/ready`)).status).toBe(200);
  });
});

describe('X-With-Server-Date', () => {
  it('freezes the clock of the whole request in sandbox mode', async () => {
    const res = await system.admin.post('/admin/v1/npq-applications', intakeBody(), {
      headers: { 'x-with-server-date': '2025-01-10T10:42:00Z' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.attributes.created_at).toBe('2025-01-10T10:42:00Z');
    expect(res.body.data.attributes.updated_at).toBe('2025-01-10T10:42:00Z');
  });

  it.each([
    ['2022-01-10', '2022-01-10T00:00:00Z'],
    ['2022-01-10T10:42:00+01:00', '2022-01-10T09:42:00Z'],
    ['Mon, 10 Jan 2022 10:42:00 GMT', '2022-01-10T10:42:00Z'],
  ])('accepts %s', async (header, expected) => {
    const res = await system.admin.post('/admin/v1/npq-applications', intakeBody(), {
      headers: { 'x-with-server-date': header },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.attributes.created_at).toBe(expected);
  });

  it.each(['', 'yesterday', '2022-13-01T00:00:00Z'])(
    'answers an unparseable value (%j) with a 400, not a 500',
    async (header) => {
      const res = await system
        .provider()
        .get('/api/v3/npq-applications', { headers: { 'x-with-server-date': header } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        errors: [
          {
            title: 'Bad request',
            detail: 'The X-With-Server-Date header must be a valid ISO 8601 date and time',
          },
        ],
      });
    },
  );

  it('is ignored entirely outside sandbox mode', async () => {
    const production = await system.startGateway({ SANDBOX: false });
    try {
      const before = Date.now();
      const res = await production.client
        .withToken(system.config.NPQ_ADMIN_TOKEN)
        .post('/admin/v1/npq-applications', intakeBody(), {
          headers: { 'x-with-server-date': '2020-01-01T00:00:00Z' },
        });
      expect(res.status).toBe(201);
      expect(Date.parse(res.body.data.attributes.created_at)).toBeGreaterThanOrEqual(
        Math.floor(before / 1000) * 1000,
      );
      const garbage = await production.client
        .withToken(system.tokens[AMBITION.id])
        .get('/api/v3/npq-applications', { headers: { 'x-with-server-date': 'garbage' } });
      expect(garbage.status).toBe(200);
    } finally {
      await production.close();
    }
  });
});

describe('rate limiting', () => {
  it('shares one budget per token across gateway replicas and answers 429 with Retry-After', async () => {
    const minted = await system.admin.post(`/admin/v1/lead-providers/${AMBITION.id}/api-tokens`);
    const token = minted.body.data.attributes.token as string;
    const a = await system.startGateway({ RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW_S: 3600 });
    const b = await system.startGateway({ RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW_S: 3600 });
    try {
      const statuses = [];
      for (const client of [a.client, b.client, a.client]) {
        statuses.push((await client.withToken(token).get('/api/v3/npq-applications')).status);
      }
      expect(statuses).toEqual([200, 200, 200]);
      const limited = await b.client.withToken(token).get('/api/v3/npq-applications');
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^text\/plain/);
      expect(limited.text).toBe('Retry later\n');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      // Another provider's token has its own budget.
      expect(
        (await a.client.withToken(system.tokens[AMBITION.id]).get('/api/v3/npq-applications')).status,
      ).toBe(200);
      // Docs are not counted against the token.
      const docs = await a.client.withToken(token).get('/api/docs/v3/swagger.yaml', { validate: false });
      expect(docs.status).toBe(200);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('API documentation', () => {
  it('serves the OpenAPI document and Swagger UI at /api/docs/v3', async () => {
    const yaml = await system.anonymous.get('/api/docs/v3/swagger.yaml', { validate: false });
    expect(yaml.status).toBe(200);
    const doc = parse(yaml.text) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toContain('/api/v3/delivery-partners/{id}');
    const ui = await system.anonymous.get('/api/docs/v3/', { validate: false });
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const json = await system.anonymous.get('/api/docs/v3/json', { validate: false });
    expect(json.status).toBe(200);
    expect(JSON.parse(json.text).info.title).toBeDefined();
  });
});

it('creates nothing when a request is refused', async () => {
  const before = await system.provider().get('/api/v3/npq-applications?page[per_page]=3000');
  await system.admin.post('/admin/v1/npq-applications', undefined, { raw: '{"data": ' });
  await system.admin.post(
    '/admin/v1/npq-applications',
    intakeBody({ employer_name: 'x'.repeat(2 * 1024 * 1024) }),
  );
  const after = await system.provider().get('/api/v3/npq-applications?page[per_page]=3000');
  expect(after.body.data).toHaveLength(before.body.data.length);
  await createApplication(system.admin);
});
