import { Client } from 'pg';
import pino from 'pino';
import { buildGateway } from '@npq/gateway';
import { ApiClient } from '@npq/test-kit';
import {
  createRequestPathRedis,
  loggerOptions,
  loadConfig,
  type HttpApp,
  type Logger,
} from '@npq/service-kit';
import { startSystem, type System } from '../support/system';
import { AMBITION, BPN, createApplication } from '../support/fixtures';

/**
 * The gateway's budgets (docs/security.md, "Limits"): per token however the header spells it, on the
 * routed path however the URL spells it, failed authentications per client address on every scope, and
 * requests in progress per token. And Redis is never allowed to take the API down.
 */
const RETRY_LATER = 'Retry later\n';

function clientOf(http: HttpApp, token?: string): ApiClient {
  return new ApiClient(async (req) => {
    const res = await http.app.inject({
      method: req.method as 'GET',
      url: req.url,
      headers: req.headers,
      ...(req.payload !== undefined ? { payload: req.payload } : {}),
    });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }, token);
}

describe('per-token rate limit', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({ config: { RATE_LIMIT_MAX: 4, RATE_LIMIT_WINDOW_S: 300 } });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('counts the routed path: /%61pi/v3/... is /api/v3/... and spends the same budget', async () => {
    const token = system.tokens[AMBITION.id]!;
    const client = system.anonymous.withToken(token);
    for (let i = 0; i < 4; i++) {
      const url =
        i % 2 === 0 ? '/%61pi/v3/statements?page[per_page]=1' : '/api/v3/statements?page[per_page]=1';
      expect((await client.get(url, { validate: false })).status).toBe(200);
    }
    const refused = await client.get('/%61pi/v3/statements', { validate: false });
    expect(refused.status).toBe(429);
    expect(refused.text).toBe(RETRY_LATER);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('keys on the token, however the Authorization header spells it', async () => {
    const token = system.tokens[BPN.id]!;
    const spellings = [
      `Bearer ${token}`,
      `Bearer ${token},1`,
      `Bearer ${token},2`,
      `Token token=${token}`,
      `Token token="${token}"`,
      `Bearer  ${token}`,
    ];
    const statuses: number[] = [];
    for (const authorization of spellings) {
      const res = await system.anonymous.get('/api/v3/statements?page[per_page]=1', {
        headers: { authorization },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

describe('failed authentications per client address', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({
      config: { RATE_LIMIT_AUTH_FAILURES_MAX: 20, RATE_LIMIT_AUTH_FAILURES_WINDOW_S: 60 },
    });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('300 wrong admin tokens: 401 for the first 20, then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 300; i++) {
      const res = await system.anonymous
        .withToken(`wrong-admin-token-${i}`)
        .get('/admin/v1/lead-providers', { validate: false });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers['retry-after'];
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(21).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });

  it('the blocked address is refused on every scope until the window ends', async () => {
    const v3 = await system.provider().get('/api/v3/statements', { validate: false });
    expect(v3.status).toBe(429);
    const admin = await system.admin.get('/admin/v1/lead-providers', { validate: false });
    expect(admin.status).toBe(429);
  });
});

describe('requests in progress per token', () => {
  let system: System;
  let pg: Client;
  beforeAll(async () => {
    system = await startSystem({ config: { GATEWAY_MAX_IN_FLIGHT_PER_TOKEN: 2 } });
    pg = new Client({ connectionString: system.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await system?.close();
  });

  it('beyond the cap a token gets an immediate JSON 429; others and later requests are unaffected', async () => {
    const app = await createApplication(system.admin);
    const url = `/api/v3/npq-applications/${app.id}`;
    // Holding the table makes the first two requests wait in the service, as slow pages would.
    await pg.query('begin');
    await pg.query('lock table applications.applications in access exclusive mode');
    const held = [system.provider().get(url), system.provider().get(url)];
    // Give both time to reach the gateway and hold their places.
    await new Promise((r) => setTimeout(r, 300));
    const third = await system.provider().get(url);
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('1');
    expect(third.body).toEqual({
      errors: [
        {
          title: 'Too many requests',
          detail: 'This token already has 2 requests in progress; retry when one of them has finished',
        },
      ],
    });
    // Another provider's token has its own places (its request waits for the lock, but is let in).
    const other = system.provider(BPN.id).get('/api/v3/statements?page[per_page]=1');
    await pg.query('commit');
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect((await other).status).toBe(200);
    // Places are given back when the responses end.
    const again = await Promise.all([system.provider().get(url), system.provider().get(url)]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('Redis down: the gateway fails open, fast, and says so once', () => {
  let system: System;
  let gateway: HttpApp;
  let deadRedis: ReturnType<typeof createRequestPathRedis>;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    system = await startSystem();
    const logger = pino(loggerOptions('gateway', 'warn'), {
      write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
    }) as Logger;
    const config = loadConfig({}, { ...system.config, RATE_LIMIT_MAX: 1 });
    // Nothing listens on port 1: every Redis command fails.
    deadRedis = createRequestPathRedis('redis://127.0.0.1:1', 'gateway-dead-redis', logger);
    gateway = await buildGateway({
      config,
      logger,
      orm: system.gatewayOrm,
      redis: deadRedis,
      keyPrefix: `npq_dead_${Date.now()}`,
      upstreams: {
        applications: system.services.applications.url,
        training: system.services.training.url,
        finance: system.services.finance.url,
      },
    });
    await gateway.app.ready();
  });
  afterAll(async () => {
    deadRedis?.disconnect();
    await gateway?.app.close();
    await system?.close();
  });

  it('answers every request without waiting on Redis, unthrottled, and logs one warning', async () => {
    const client = clientOf(gateway, system.tokens[AMBITION.id]);
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await client.get('/api/v3/statements?page[per_page]=1')).status);
    }
    // RATE_LIMIT_MAX is 1: with Redis up the second request would be a 429.
    expect(statuses).toEqual(Array(10).fill(200));
    expect(Date.now() - started).toBeLessThan(3000);
    const warnings = lines.filter(
      (l) => l.msg === 'rate limits unavailable (Redis); letting requests through',
    );
    expect(warnings).toHaveLength(1);
    expect(lines.every((l) => typeof l.msg === 'string')).toBe(true);
  });

  it('counts what it let through unchecked', async () => {
    const { metrics } = gateway;
    const text = await metrics.metrics();
    const value = Number(/gateway_rate_limit_fail_open_total (\d+)/.exec(text)?.[1]);
    expect(value).toBeGreaterThanOrEqual(10);
  });

  it('still refuses a wrong token with 401 (authentication does not need Redis)', async () => {
    const res = await clientOf(gateway, 'not-a-token').get('/api/v3/statements');
    expect(res.status).toBe(401);
  });
});
