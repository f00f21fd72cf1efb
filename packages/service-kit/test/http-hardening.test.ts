import { connect, type AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase } from '@npq/test-kit';
import { OptimisticLockError } from '@mikro-orm/postgresql';
import {
  createHttpApp,
  isDependencyUnavailable,
  isTransientConflict,
  toApiError,
  type HttpAppOptions,
} from '../src/http';
import { loggerOptions } from '../src/logger';
import { createOpsServer } from '../src/ops';
import { createOrm, type MikroORM } from '../src/orm';

/** The kit's defences every HTTP process gets (docs/security.md). */
interface Built {
  app: FastifyInstance;
  lines: () => Record<string, any>[];
}

const opened: FastifyInstance[] = [];

async function build(options: Partial<HttpAppOptions> = {}, routes?: (app: FastifyInstance) => void) {
  const chunks: string[] = [];
  const logger = pino(loggerOptions('kit-hardening-test', 'info'), {
    write: (c: string) => void chunks.push(c),
  });
  const http = createHttpApp({ logger, bodyLimit: 1024 * 1024, ...options });
  http.app.get('/ok', async () => ({ ok: true }));
  http.app.get('/items/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  http.app.post('/echo', async (req) => ({ body: req.body ?? null, raw: req.rawBody ?? null }));
  routes?.(http.app);
  opened.push(http.app);
  await http.app.ready();
  const built: Built = {
    app: http.app,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, any>),
  };
  return built;
}

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
});

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (c) => (received += c.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('bodies', () => {
  it('keeps the raw text of a JSON body beside the parsed value (the gateway forwards it as sent)', async () => {
    const { app } = await build();
    const text = '{"b":1,  "a":"\\u00e9"}';
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: text,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.json()).toEqual({ body: { b: 1, a: 'é' }, raw: text });
  });

  it('refuses a body nested 10,000 deep with a 400, at no risk to the stack', async () => {
    const { app } = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].detail).toBe('The request body must not nest deeper than 32 levels');
  });
});

describe('params and queries', () => {
  it('a path parameter holding a NUL names nothing: 404', async () => {
    const { app } = await build();
    const res = await app.inject({ method: 'GET', url: '/items/a%00b' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Resource not found' });
  });

  it('a query value holding a NUL is a 400 before the route runs', async () => {
    const { app } = await build();
    const res = await app.inject({ method: 'GET', url: '/ok?filter[x]=%00' });
    expect(res.statusCode).toBe(400);
  });

  it('a malformed escape in the path is DfE 404 with the JSON type and the security headers', async () => {
    const { app } = await build();
    const res = await app.inject({ method: 'GET', url: '/items/%' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toBe('{"error":"Resource not found"}');
  });

  it('an over-long parameter is a 404 too (not a 414 with the path echoed)', async () => {
    const { app } = await build();
    const res = await app.inject({ method: 'GET', url: `/items/${'x'.repeat(300)}` });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('{"error":"Resource not found"}');
  });
});

describe('database errors', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createOrm({
      schema: 'kit_hardening',
      clientUrl: db.url,
      entities: [],
      migrationsDir: __dirname,
    });
  });
  afterAll(async () => {
    await orm.close(true);
    await db.drop();
  });

  it('a value PostgreSQL refuses is a 422, logged at error without the value', async () => {
    const built = await build({}, (app) => {
      app.get('/uuid/:v', async (req) => {
        await orm.em.fork().execute('select ?::uuid', [(req.params as { v: string }).v]);
        return {};
      });
    });
    const res = await built.app.inject({ method: 'GET', url: '/uuid/secret-person-value' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ error: 'Unprocessable entity' });
    const line = built.lines().find((l) => l.msg === 'request failed')!;
    expect(line.level).toBe(50);
    expect(line.sqlState).toBe('22P02');
    expect(JSON.stringify(line)).not.toContain('secret-person-value');
  });

  it('a serialization failure raised by PostgreSQL is a 503 with Retry-After, logged at warn', async () => {
    const built = await build({}, (app) => {
      app.post('/race', async () =>
        orm.em.fork().execute(`do $$ begin raise exception 'lost the race' using errcode = '40001'; end $$`),
      );
    });
    const res = await built.app.inject({ method: 'POST', url: '/race' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({ error: 'Service unavailable' });
    expect(built.lines().find((l) => l.msg === 'request failed')).toBeUndefined();
    const line = built.lines().find((l) => l.msg === 'request refused')!;
    expect(line.level).toBe(40);
    expect(line.status).toBe(503);
  });

  it('a database that drops the connection (admin shutdown) is a 503 with Retry-After, not a 500', async () => {
    const built = await build({}, (app) => {
      // The server ends this very session, as a restart or failover would.
      app.get('/db', async () => orm.em.fork().execute('select pg_terminate_backend(pg_backend_pid())'));
    });
    const res = await built.app.inject({ method: 'GET', url: '/db' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ error: 'Service unavailable' });
  });

  it.each([
    [{ code: '08006' }, true],
    [{ code: '57P01' }, true],
    [{ code: 'ECONNREFUSED' }, true],
    [{ name: 'KnexTimeoutError' }, true],
    [new Error('Client has encountered a connection error and is not queryable'), true],
    [new Error('Client was closed and is not queryable'), true],
    [new Error('timeout exceeded when trying to connect'), true],
    [{ code: '22P02' }, false],
    [{ code: '23505' }, false],
    [new Error('boom'), false],
  ])('isDependencyUnavailable(%p) is %p', (err, expected) => {
    expect(isDependencyUnavailable(err)).toBe(expected);
  });

  it('an optimistic lock that failed (a version moved under the command) is a 503, not a 500', () => {
    const err = toApiError(OptimisticLockError.lockFailed('Enrolment'), 10);
    expect([err.statusCode, err.body, err.headers, err.expected]).toEqual([
      503,
      { error: 'Service unavailable' },
      { 'retry-after': '1' },
      true,
    ]);
  });

  it.each([
    [OptimisticLockError.lockFailed('Enrolment'), true],
    [{ code: '40001' }, true],
    [{ code: '40P01' }, true],
    // Asking an entity without a version column for an optimistic lock is a defect: still a 500.
    [OptimisticLockError.notVersioned({ className: 'Person' } as never), false],
    [{ code: '23505' }, false],
    [new Error('boom'), false],
  ])('isTransientConflict(%p) is %p', (err, expected) => {
    expect(isTransientConflict(err)).toBe(expected);
    if (!expected) expect(toApiError(err, 10).statusCode).not.toBe(503);
  });

  it('maps size limits (54xxx) like data exceptions', () => {
    expect(toApiError({ code: '54000' }, 10).statusCode).toBe(422);
  });
});

describe('load shedding', () => {
  it('answers 503 with Retry-After while the event loop lags, but /health/live stays 200', async () => {
    const { app } = await build({ maxEventLoopDelayMs: 20 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    // Block the loop for longer than the threshold, then let the plugin take its next sample.
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // busy: nothing else can run
    }
    let shed: string | undefined;
    for (let i = 0; i < 20 && !shed; i++) {
      const text = await raw(port, 'GET /ok HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      if (text.startsWith('HTTP/1.1 503')) shed = text;
      const spin = Date.now() + 50;
      while (Date.now() < spin) {
        // keep the loop lagging until a sample sees it
      }
    }
    expect(shed).toBeDefined();
    expect(shed!.toLowerCase()).toContain('retry-after: 5');
    expect(shed).toContain('{"error":"Service unavailable"}');
    const live = await app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
  });
});

describe('parser errors on a real socket', () => {
  let port: number;
  beforeAll(async () => {
    const { app } = await build();
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  it.each([
    ['an unknown method', 'BREW /ok HTTP/1.1\r\nhost: x\r\n\r\n', 400],
    ['a header name with a space', 'GET /ok HTTP/1.1\r\nhost: x\r\nbad name: y\r\n\r\n', 400],
    ['a NUL in a header value', 'GET /ok HTTP/1.1\r\nhost: x\r\nx-a: a\u0000b\r\n\r\n', 400],
    ['oversized headers', `GET /ok HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('%s is answered in the errors envelope', async (_label, text, status) => {
    const res = await raw(port, text);
    expect(res.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(res).toContain('content-type: application/json');
    const body = JSON.parse(res.split('\r\n\r\n')[1]!) as { errors: { title: string }[] };
    expect(body.errors).toHaveLength(1);
  });
});

describe('a client that goes away mid-request', () => {
  it('is logged at warn as abandoned, never as a server error', async () => {
    const built = await build();
    await built.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = built.app.server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"a":',
        );
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', () => resolve());
    });
    // The server notices the reset on its next turn.
    for (let i = 0; i < 50 && !built.lines().some((l) => l.msg === 'request abandoned'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const abandoned = built.lines().find((l) => l.msg === 'request abandoned');
    expect(abandoned?.level).toBe(40);
    expect(built.lines().filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe('headers and ids', () => {
  it('sends the security headers, HSTS only when asked, and no CSP under an own-CSP prefix', async () => {
    const { app } = await build({ hsts: true, ownCspPrefixes: ['/docs'] }, (a) => {
      a.get('/docs/page', async () => 'page');
    });
    const api = await app.inject({ method: 'GET', url: '/ok' });
    expect(api.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    const docs = await app.inject({ method: 'GET', url: '/docs/page' });
    expect(docs.headers['content-security-policy']).toBeUndefined();
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
    const plain = await build();
    expect((await plain.app.inject({ method: 'GET', url: '/ok' })).headers['strict-transport-security']).toBe(
      undefined,
    );
  });

  it('a public app hides check errors and serves no /metrics', async () => {
    const { app } = await build({
      public: true,
      healthChecks: { db: async () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432')) },
    });
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { db: 'failed' } });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });
});

describe('createOpsServer', () => {
  it('serves detailed readiness and Prometheus text on its own port', async () => {
    const registry = new Registry();
    const ops = createOpsServer({
      logger: pino({ level: 'silent' }),
      registry,
      healthChecks: { db: async () => Promise.reject(new Error('down')) },
    });
    opened.push(ops);
    const ready = await ops.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { db: 'down' } });
    expect((await ops.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await ops.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await ops.inject({ method: 'GET', url: '/nope' })).json()).toEqual({
      error: 'Resource not found',
    });
  });
});
