import { createLeadProviderClient, type RetryInfo } from '@npq/lead-provider-client';
import { startSystem, type System } from '../support/system';
import { AMBITION } from '../support/fixtures';

/** The client's 429 handling against the gateway's real rate limiter (docs/security.md, limits). */
let system: System;
beforeAll(async () => {
  system = await startSystem({ listen: true, config: { RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW_S: 2 } });
});
afterAll(async () => {
  await system?.close();
});

it('waits out the window named by Retry-After and completes every request', async () => {
  const retries: RetryInfo[] = [];
  const client = createLeadProviderClient({
    baseUrl: system.gatewayUrl!,
    token: system.tokens[AMBITION.id]!,
    retry: { onRetry: (info) => retries.push(info) },
  });
  // Eight requests exceed a limit of 3 per window even if a window ends among them.
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await client.GET('/api/v3/statements')).response.status);
  expect(statuses).toEqual(Array(8).fill(200));
  expect(retries.length).toBeGreaterThanOrEqual(1);
  for (const r of retries) {
    expect(r.reason).toBe(429);
    // The gateway's Retry-After: whole seconds up to the 2-second window.
    expect([0, 1000, 2000]).toContain(r.delayMs);
  }
});

it('returns the 429 (text/plain "Retry later") when retrying is off', async () => {
  const client = createLeadProviderClient({
    baseUrl: system.gatewayUrl!,
    token: system.tokens[AMBITION.id]!,
    retry: false,
  });
  // Four requests exceed a limit of 3 within one window; ten do even if a window ends among them.
  const get = () => client.GET('/api/v3/statements');
  let last = await get();
  for (let i = 1; i < 10 && last.response.status !== 429; i++) last = await get();
  expect(last.response.status).toBe(429);
  expect(last.error).toBe('Retry later\n');
  expect(Number(last.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(0);
});
