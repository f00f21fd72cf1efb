import { createLeadProviderClient, type RetryInfo, parseRetryAfter } from '../src';
import { json, localServer, type Handler } from './local-server';

const APPLICATION_ID = 'd0b4a32e-a272-489e-b30a-cb17131457fc';
const applicationBody = { data: { id: APPLICATION_ID, type: 'npq_application', attributes: {} } };

/** Answers the given sequence of handlers, one per request, then repeats the last one. */
async function sequence(...handlers: Handler[]) {
  let n = 0;
  return localServer((req, res) => handlers[Math.min(n++, handlers.length - 1)]!(req, res));
}

const tooMany =
  (retryAfter: string): Handler =>
  (_req, res) => {
    res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': retryAfter });
    res.end('Retry later');
  };
const ok: Handler = (_req, res) => json(res, 200, applicationBody);
const status =
  (code: number): Handler =>
  (_req, res) =>
    json(res, code, { error: 'Internal server error' });
const dropConnection: Handler = (_req, res) => res.socket?.destroy();

function clientFor(url: string, retries: RetryInfo[], retry: Record<string, unknown> = {}) {
  return createLeadProviderClient({
    baseUrl: url,
    token: 'secret-token',
    retry: { baseDelayMs: 5, maxDelayMs: 20, onRetry: (i) => retries.push(i), ...retry },
  });
}

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function server(...handlers: Handler[]) {
  const s = await sequence(...handlers);
  servers.push(s);
  return s;
}

describe('429', () => {
  it('waits the Retry-After seconds, then retries and returns the success', async () => {
    const s = await server(tooMany('1'), ok);
    const retries: RetryInfo[] = [];
    const result = await clientFor(s.url, retries).GET('/api/v3/npq-applications/{id}', {
      params: { path: { id: APPLICATION_ID } },
    });
    expect(result.response.status).toBe(200);
    expect(result.data?.data.id).toBe(APPLICATION_ID);
    expect(s.seen).toHaveLength(2);
    expect(s.seen[1]!.at - s.seen[0]!.at).toBeGreaterThanOrEqual(990);
    expect(retries).toEqual([
      expect.objectContaining({ attempt: 1, delayMs: 1000, reason: 429, method: 'GET' }),
    ]);
  });

  it('honours an HTTP-date Retry-After', async () => {
    const s = await server(tooMany(new Date(Date.now() + 2000).toUTCString()), ok);
    const retries: RetryInfo[] = [];
    const result = await clientFor(s.url, retries).GET('/api/v3/statements');
    expect(result.response.status).toBe(200);
    expect(s.seen).toHaveLength(2);
    // HTTP dates have second precision: the wait is between 1 and 2 seconds.
    expect(retries[0]!.delayMs).toBeGreaterThan(900);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(2000);
  });

  it('retries a POST without an Idempotency-Key (the rate limit refuses before anything is done)', async () => {
    const s = await server(tooMany('0'), ok);
    const retries: RetryInfo[] = [];
    const result = await clientFor(s.url, retries).POST('/api/v3/npq-applications/{id}/accept', {
      params: { path: { id: APPLICATION_ID } },
      body: { data: { type: 'npq-application-accept', attributes: { funded_place: true } } },
    });
    expect(result.response.status).toBe(200);
    expect(s.seen.map((r) => r.body)).toEqual([s.seen[0]!.body, s.seen[0]!.body]);
    expect(JSON.parse(s.seen[1]!.body)).toEqual({
      data: { type: 'npq-application-accept', attributes: { funded_place: true } },
    });
  });

  it('returns the 429, typed as its text body, when Retry-After is longer than the client will wait', async () => {
    const s = await server(tooMany('600'), ok);
    const retries: RetryInfo[] = [];
    const started = Date.now();
    const result = await clientFor(s.url, retries, { maxRetryAfterMs: 60_000 }).GET('/api/v3/statements');
    expect(Date.now() - started).toBeLessThan(500);
    expect(result.response.status).toBe(429);
    expect(result.error).toBe('Retry later');
    expect(result.response.headers.get('retry-after')).toBe('600');
    expect(s.seen).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('gives up after the configured retries and returns the last answer', async () => {
    const s = await server(tooMany('0'));
    const retries: RetryInfo[] = [];
    const result = await clientFor(s.url, retries, { retries: 2 }).GET('/api/v3/statements');
    expect(result.response.status).toBe(429);
    expect(s.seen).toHaveLength(3);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
  });
});

describe('5xx and network errors', () => {
  it('retries an idempotent GET with growing, jittered backoff', async () => {
    const s = await server(status(503), status(502), status(500), ok);
    const retries: RetryInfo[] = [];
    const result = await clientFor(s.url, retries, { baseDelayMs: 10, maxDelayMs: 1000 }).GET(
      '/api/v3/statements',
    );
    expect(result.response.status).toBe(200);
    expect(s.seen).toHaveLength(4);
    expect(retries.map((r) => r.reason)).toEqual([503, 502, 500]);
    // Full jitter: each wait is random within its step (10, 20, 40 ms).
    retries.forEach((r, i) => {
      expect(r.delayMs).toBeGreaterThanOrEqual(0);
      expect(r.delayMs).toBeLessThanOrEqual(10 * 2 ** i);
    });
  });

  it('retries PUT and DELETE', async () => {
    const s = await server(status(500), ok);
    const retries: RetryInfo[] = [];
    const result = await clientFor(s.url, retries).PUT('/api/v3/participants/npq/{id}/defer', {
      params: { path: { id: APPLICATION_ID } },
      body: {
        data: {
          type: 'npq-participant-defer',
          attributes: { reason: 'parental-leave', course_identifier: 'npq-headship' },
        },
      },
    });
    expect(result.response.status).toBe(200);
    expect(s.seen.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    expect(s.seen[1]!.body).toBe(s.seen[0]!.body);

    const d = await server(status(502), (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const deleted = await clientFor(d.url, retries).DELETE('/admin/v1/api-tokens/{id}', {
      params: { path: { id: APPLICATION_ID } },
    });
    expect(deleted.response.status).toBe(204);
    expect(d.seen.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('does not retry a POST on 5xx without an Idempotency-Key', async () => {
    const s = await server(status(500), ok);
    const retries: RetryInfo[] = [];
    const result = await clientFor(s.url, retries).POST('/api/v3/npq-applications/{id}/reject', {
      params: { path: { id: APPLICATION_ID } },
    });
    expect(result.response.status).toBe(500);
    expect(result.error).toEqual({ error: 'Internal server error' });
    expect(s.seen).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('retries a POST that carries an Idempotency-Key, sending the same key and body', async () => {
    const s = await server(status(503), ok);
    const retries: RetryInfo[] = [];
    // An admin write, where the API honours the key (docs/operations.md, "Idempotency-Key").
    const result = await clientFor(s.url, retries).POST('/admin/v1/delivery-partners', {
      params: { header: { 'Idempotency-Key': 'partner-1' } },
      body: { data: { type: 'delivery-partner', attributes: { name: 'North Partnership' } } },
    });
    expect(result.response.status).toBe(200);
    expect(s.seen.map((r) => r.headers['idempotency-key'])).toEqual(['partner-1', 'partner-1']);
    expect(s.seen[1]!.body).toBe(s.seen[0]!.body);
    expect(JSON.parse(s.seen[1]!.body)).toEqual({
      data: { type: 'delivery-partner', attributes: { name: 'North Partnership' } },
    });
  });

  it('retries a GET whose connection dropped, and not a POST without a key', async () => {
    const s = await server(dropConnection, ok);
    const retries: RetryInfo[] = [];
    const client = clientFor(s.url, retries);
    const result = await client.GET('/api/v3/statements');
    expect(result.response.status).toBe(200);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.reason).toBeInstanceOf(Error);

    const s2 = await server(dropConnection, ok);
    const retries2: RetryInfo[] = [];
    await expect(
      clientFor(s2.url, retries2).POST('/api/v3/npq-applications/{id}/reject', {
        params: { path: { id: APPLICATION_ID } },
      }),
    ).rejects.toThrow();
    expect(retries2).toEqual([]);
  });

  it('retries an attempt that timed out', async () => {
    const s = await server(() => undefined /* never answers */, ok);
    const retries: RetryInfo[] = [];
    const result = await clientFor(s.url, retries, { attemptTimeoutMs: 200 }).GET('/api/v3/statements');
    expect(result.response.status).toBe(200);
    expect(retries).toHaveLength(1);
  });

  it('stops waiting when the caller aborts', async () => {
    const s = await server(tooMany('30'));
    const controller = new AbortController();
    const pending = clientFor(s.url, []).GET('/api/v3/statements', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toThrow();
    expect(s.seen).toHaveLength(1);
  });

  it('sends once with retry: false', async () => {
    const s = await server(status(503), ok);
    const client = createLeadProviderClient({ baseUrl: s.url, token: 't', retry: false });
    expect((await client.GET('/api/v3/statements')).response.status).toBe(503);
    expect(s.seen).toHaveLength(1);
  });
});

describe('headers', () => {
  it('sends the token as Bearer, and X-With-Server-Date when set (a request header wins)', async () => {
    const s = await server(ok);
    let token = 'first';
    const client = createLeadProviderClient({
      baseUrl: s.url,
      token: () => token,
      serverDate: '2025-10-15T09:00:00Z',
    });
    await client.GET('/api/v3/statements');
    token = 'rotated';
    await client.GET('/api/v3/statements', {
      params: { header: { 'X-With-Server-Date': '2024-01-01T00:00:00Z' } },
    });
    await client.withServerDate(new Date('2026-02-03T04:05:06Z')).GET('/api/v3/statements');
    await client.withServerDate(undefined).GET('/api/v3/statements');
    expect(s.seen.map((r) => [r.headers.authorization, r.headers['x-with-server-date']])).toEqual([
      ['Bearer first', '2025-10-15T09:00:00Z'],
      ['Bearer rotated', '2024-01-01T00:00:00Z'],
      ['Bearer rotated', '2026-02-03T04:05:06.000Z'],
      ['Bearer rotated', undefined],
    ]);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
