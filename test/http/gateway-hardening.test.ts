import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { openApiValidator } from '@npq/test-kit';
import { startSystem, type System } from '../support/system';
import { AMBITION, createApplication, intakeBody } from '../support/fixtures';

/**
 * Client input that used to reach a 500 or leak the framework's own error shapes (issue: hardening; the
 * classes are described in docs/security.md). Each test goes through the gateway, and every response is
 * validated against the OpenAPI document unless the request itself is not one the document can describe.
 */
let system: System;
let baseUrl: string;
beforeAll(async () => {
  system = await startSystem();
  // Some refusals happen in Node's HTTP parser, before Fastify: they need a real socket.
  await system.gateway.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `127.0.0.1:${(system.gateway.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await system?.close();
});

const NOT_FOUND = { error: 'Resource not found' };
const BAD_QUERY = {
  errors: [
    {
      title: 'Bad request',
      detail: 'The query string is not valid: every % must start a percent-encoded UTF-8 character',
    },
  ],
};

/** Sends raw bytes and returns the status line's code, the headers and the body. */
function rawRequest(text: string): Promise<{ status: number; headers: string; body: string }> {
  const [host, port] = baseUrl.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host, () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body });
    });
  });
}

/**
 * A GET over a real connection with the path exactly as given: the in-process client resolves dot
 * segments itself (WHATWG URL), so `%2e` would never reach the gateway through it. The response is
 * checked against the OpenAPI document like every other.
 */
function getOverHttp(path: string, token: string): Promise<{ status: number; body: unknown }> {
  const [host, port] = baseUrl.split(':');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host, port: Number(port), path, method: 'GET', headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          const body: unknown = JSON.parse(text);
          const violation = openApiValidator().check(
            'GET',
            path,
            res.statusCode!,
            res.headers['content-type'],
            body,
          );
          if (violation) reject(new Error(`${violation.operation} ${violation.status}: ${violation.errors}`));
          else resolve({ status: res.statusCode!, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function applicationCount(): Promise<number> {
  const rows: { n: string }[] = await system.gatewayOrm.em
    .fork()
    .execute('select count(*)::text as n from applications.applications');
  return Number(rows[0]!.n);
}

describe('malformed percent-escapes and dot segments', () => {
  it.each([
    '/api/v3/statements?x=%',
    '/api/v3/npq-applications?filter[cohort]=%zz',
    '/api/v3/participants/npq?x=%C3%28',
    '/api/v3/participant-declarations?page[page]=%E2%82',
    '/api/v3/delivery-partners?sort=%',
  ])('GET %s is a 400 in the errors envelope (was a 500)', async (url) => {
    const res = await system.provider().get(url);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(BAD_QUERY);
  });

  it('a malformed query on an admin route is the same 400', async () => {
    const res = await system.admin.get('/admin/v1/statements?x=%');
    expect(res.status).toBe(400);
    expect(res.body).toEqual(BAD_QUERY);
  });

  it.each([
    '/api/v3/npq-applications/%2e%2e',
    '/api/v3/npq-applications/..',
    '/api/v3/npq-applications/%2E',
    '/api/v3/npq-applications/.',
    '/api/v3/npq-applications/...',
    '/api/v3/npq-applications/a%2F..%2Fb',
    '/api/v3/npq-applications/%',
    '/api/v3/npq-applications/%E2%82',
    '/api/v3/statements/%5C',
    '/api/v3/participants/npq/%2e/outcomes',
    '/api/v3/participants/npq/./outcomes',
    '/api/v3/participants/npq/%2e%2e/outcomes',
    `/api/v3/npq-applications/${'a'.repeat(250)}`,
  ])('GET %s is DfE 404 (not a 400, 414, a framework body or another route)', async (path) => {
    // e.g. `/participants/npq/%2e/outcomes` used to answer 200 with the caller's whole outcome list.
    const res = await getOverHttp(path, system.tokens[AMBITION.id]!);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it('query values with dots and encoded slashes are forwarded as sent, not refused', async () => {
    const res = await system.provider().get('/api/v3/statements?x=..%2F..%2Fetc&page[per_page]=1');
    expect(res.status).toBe(200);
  });
});

describe('deeply nested JSON', () => {
  const deep = (n: number) => `{"x":${'['.repeat(n)}${']'.repeat(n)}}`;

  it.each([
    ['POST', '/api/v3/participant-declarations'],
    ['POST', '/api/v3/npq-applications/d0b4a32e-a272-489e-b30a-cb17131457fc/accept'],
    ['PUT', '/api/v3/participants/npq/d0b4a32e-a272-489e-b30a-cb17131457fc/defer'],
  ])('%s %s with 5,000 levels in an ignored key is a 400 (was a 500)', async (method, url) => {
    const res = await system.provider().request(method, url, { raw: deep(5000) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [{ title: 'Bad request', detail: 'The request body must not nest deeper than 32 levels' }],
    });
  });

  it('admin intake with a deep body is a 400 and stores nothing', async () => {
    const before = await applicationCount();
    const body = JSON.stringify(intakeBody()).replace(/}$/, `,"extra":${deep(100).slice(5, -1)}}`);
    const res = await system.admin.request('POST', '/admin/v1/npq-applications', { raw: body });
    expect(res.status).toBe(400);
    expect(await applicationCount()).toBe(before);
  });

  it('nesting up to the limit is still parsed (and an unknown deep key ignored)', async () => {
    const body = intakeBody();
    const raw = JSON.stringify(body).replace(/}$/, `,"extra":${deep(28).slice(5, -1)}}`);
    const res = await system.admin.request('POST', '/admin/v1/npq-applications', { raw });
    expect(res.status).toBe(201);
  });
});

describe('text PostgreSQL cannot store (NUL, broken Unicode)', () => {
  it('a NUL in the teacher-record-service path is 404, not a 500', async () => {
    const created = await system.admin.post('/admin/v1/teacher-record-service/api-tokens');
    const trs = system.anonymous.withToken(created.body.data.attributes.token);
    for (const prefix of ['/api/teacher-record-service', '/api/teaching-record-system']) {
      const res = await trs.get(`${prefix}/v1/qualifications/%00`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
  });

  it.each(['full_name', 'email', 'employer_name', 'teacher_catchment_country', 'itt_provider'])(
    'admin intake with a NUL in %s is a 400 naming it, and stores nothing',
    async (attribute) => {
      const before = await applicationCount();
      const res = await system.admin.post(
        '/admin/v1/npq-applications',
        intakeBody({ [attribute]: 'Ann\u0000Other' }),
      );
      expect(res.status).toBe(400);
      expect(res.body.errors[0].detail).toBe(
        `The value at '#/data/attributes/${attribute}' in the request body must not contain NUL characters`,
      );
      expect(await applicationCount()).toBe(before);
    },
  );

  it('an unpaired surrogate is refused the same way (it is not Unicode)', async () => {
    const raw = JSON.stringify(intakeBody({ full_name: 'x' })).replace('"x"', '"\\ud800x"');
    const res = await system.admin.request('POST', '/admin/v1/npq-applications', { raw });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].detail).toBe(
      "The value at '#/data/attributes/full_name' in the request body must be valid Unicode text",
    );
  });

  it('PATCH participant with a NUL in full_name or email changes nothing', async () => {
    const app = await createApplication(system.admin);
    const id = app.attributes.participant_id as string;
    for (const attributes of [{ full_name: 'New\u0000Name' }, { email: 'a\u0000@example.com' }]) {
      const res = await system.admin.patch(`/admin/v1/participants/${id}`, {
        data: { type: 'participant', attributes },
      });
      expect(res.status).toBe(400);
    }
    const after = await system.provider().get(`/api/v3/npq-applications/${app.id}`);
    expect(after.body.data.attributes.full_name).toBe(app.attributes.full_name);
    expect(after.body.data.attributes.email).toBe(app.attributes.email);
  });

  it('a delivery partner name with a NUL is a 400 and creates nothing', async () => {
    const res = await system.admin.post('/admin/v1/delivery-partners', {
      data: { type: 'delivery-partner', attributes: { name: 'Zanzibar\u0000Ltd' } },
    });
    expect(res.status).toBe(400);
    const list = await system.admin.get('/admin/v1/delivery-partners?page[per_page]=3000');
    expect(JSON.stringify(list.body)).not.toContain('Zanzibar');
  });

  it('a NUL in a query value is a 400 naming the parameter', async () => {
    const res = await system.provider().get('/api/v3/npq-applications?filter[cohort]=%00');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          title: 'Bad request',
          detail: "The query parameter 'filter[cohort]' must not contain NUL characters",
        },
      ],
    });
  });

  it('a NUL in a JSON key is refused too', async () => {
    const res = await system.provider().request('POST', '/api/v3/participant-declarations', {
      raw: '{"data":{"type":"participant-declaration","attributes":{"a\\u0000":1}}}',
    });
    expect(res.status).toBe(400);
  });
});

describe('ids validated before SQL', () => {
  it.each(['not-a-uuid', "x' or 1=1 --", '123', ''])(
    'merge with into_participant_id %p is a 422, not a 500',
    async (into) => {
      const app = await createApplication(system.admin);
      const res = await system.admin.post(`/admin/v1/participants/${app.attributes.participant_id}/merge`, {
        data: { type: 'participant-merge', attributes: { into_participant_id: into } },
      });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].title).toBe('into_participant_id');
    },
  );
});

describe('every response in one of DfE envelopes', () => {
  it('an unknown method is a 400 in the errors envelope', async () => {
    const res = await rawRequest('BREW /api/v3/npq-applications HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      errors: [{ title: 'Bad request', detail: 'The request is not valid HTTP' }],
    });
  });

  it('a bad header name is a 400 in the errors envelope', async () => {
    const res = await rawRequest('GET /api/v3/npq-applications HTTP/1.1\r\nhost: x\r\nbad header: y\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).errors[0].title).toBe('Bad request');
  });

  it('oversized headers are a 431 in the errors envelope', async () => {
    const res = await rawRequest(
      `GET /api/v3/npq-applications HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toEqual({
      errors: [{ title: 'Request header fields too large', detail: 'The request headers are too large' }],
    });
    expect(res.headers).toContain('content-type: application/json');
  });

  it('no response names a framework error code or echoes the path', async () => {
    for (const url of ['/api/v3/npq-applications/%', `/api/v3/statements/${'b'.repeat(300)}`]) {
      const res = await system.provider().get(url);
      expect(res.text).not.toMatch(/FST_|statusCode|is not a valid url/);
    }
  });
});

describe('hygiene', () => {
  it('sends the headers a JSON API should', async () => {
    const res = await system.provider().get('/api/v3/statements?page[per_page]=1');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('error responses carry them too', async () => {
    const res = await system.anonymous.get('/api/v3/statements');
    expect(res.status).toBe(401);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the Swagger UI keeps its own script policy (no default-src none)', async () => {
    const res = await system.anonymous.get('/api/docs/v3/', { validate: false });
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain("default-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('/metrics is not served on the public port', async () => {
    const res = await system.anonymous.get('/metrics', { validate: false });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it('public readiness names a failing dependency without its error text', async () => {
    const res = await system.anonymous.get('/health/ready', { validate: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { postgres: 'ok' } });
  });

  it.each(['<script>alert(1)</script>', 'a'.repeat(65), 'id with spaces', 'x\ty'])(
    'a client x-request-id %p is replaced by a generated one',
    async (given) => {
      const res = await system.provider().get('/api/v3/statements?page[per_page]=1', {
        headers: { 'x-request-id': given },
      });
      expect(res.headers['x-request-id']).not.toBe(given);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('a short, safe x-request-id is kept (for tracing a client request through the logs)', async () => {
    const res = await system.provider().get('/api/v3/statements?page[per_page]=1', {
      headers: { 'x-request-id': 'client-req.42:a_b' },
    });
    expect(res.headers['x-request-id']).toBe('client-req.42:a_b');
  });
});
