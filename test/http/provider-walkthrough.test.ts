import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sandboxApplicationId } from '@npq/gateway';
import { createLeadProviderClient, unwrap, type WebhookMessage } from '@npq/lead-provider-client';
import { runIntegration } from '../../packages/client/examples/integration';
import { startWebhookReceiver } from '../../packages/client/examples/webhooks';
import { AMBITION, BPN } from '../support/fixtures';
import { eventually } from '../support/eventually';
import { startSystem, type System } from '../support/system';
import { ValidatingProxy } from '../support/validating-proxy';
import { verifySignature, WebhookReceiver } from '../support/webhook-receiver';

/**
 * Issue 13's "done when", end to end as a provider's developer lives it: the system as `scripts/start.sh`
 * runs it (gateway on a socket, the webhooks service and worker, the sandbox seed), a provider token, a
 * webhook subscription to a real receiver with a verified Standard Webhooks ping, the client package's README
 * examples (the same files the README includes) accepting a seeded pending application, and the signed
 * `application.updated` carrying the v3 resource with status accepted. Every answer goes through a proxy
 * that checks it against the OpenAPI document.
 */
let system: System;
let proxy: ValidatingProxy;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  system = await startSystem({
    listen: true,
    sandbox: true,
    webhooks: { sweepEveryMs: 100, orderingDelayMs: 100 },
  });
  proxy = await new ValidatingProxy(system.gatewayUrl!).start();
}, 300_000);

afterAll(async () => {
  await proxy?.stop();
  await system?.close();
  await receiver?.stop();
});

const CLIENT_DIR = path.join(__dirname, '../../packages/client');

it('a provider with a token subscribes, runs the README client example, and gets the signed accept', async () => {
  const token = system.tokens[AMBITION.id]!;
  const client = createLeadProviderClient({ baseUrl: proxy.url, token });

  // Day one: the seeded book of work is there (docs/sandbox.md), with the ids the docs quote. The example
  // accepts the first pending 2025 application of the list: the seed's `two-providers` person.
  const seededPending = sandboxApplicationId(AMBITION.id, 'two-providers');
  const before = unwrap(
    await client.GET('/api/v3/npq-applications/{id}', { params: { path: { id: seededPending } } }),
  ).data;
  expect(before.attributes).toMatchObject({ status: 'pending', cohort: '2025' });

  // Webhooks instead of polling: a subscription to the provider's receiver, checked with a signed ping.
  const subscription = unwrap(
    await client.POST('/api/v3/webhook-subscriptions', {
      body: {
        data: {
          type: 'webhook-subscription',
          attributes: { url: `${receiver.url}/walkthrough`, event_types: ['application.updated'] },
        },
      },
    }),
  ).data;
  const secret = subscription.attributes.secret!;
  unwrap(
    await client.POST('/api/v3/webhook-subscriptions/{id}/ping', {
      params: { path: { id: subscription.id } },
    }),
  );
  const [ping] = await eventually(
    async () => receiver.on('/walkthrough'),
    (r) => r.length === 1,
    15_000,
  );
  expect(ping!.json).toMatchObject({ type: 'webhook.ping', data: { id: subscription.id } });
  expect(verifySignature(secret, ping!)).toBe(true);

  // The README's webhooks example: its own receiver, subscription and ping, verified by the client package.
  const exampleMessages: WebhookMessage[] = [];
  const exampleReceiver = await startWebhookReceiver(proxy.url, token, (m) => exampleMessages.push(m));

  // The README's integration example, unchanged: it finds a pending 2025 application and accepts it.
  const out = await runIntegration(proxy.url, token);
  expect(out.accepted.id).toBe(seededPending);
  expect(out.accepted.attributes).toMatchObject({ status: 'accepted', funded_place: true });
  expect(out.declaration.attributes).toMatchObject({ declaration_type: 'started', state: 'eligible' });
  expect(out.refusal?.status).toBe(422);

  // The signed application.updated reaches the provider's receiver with the v3 resource, accepted.
  const [updated] = await eventually(
    async () =>
      receiver
        .on('/walkthrough')
        .filter((r) => r.json.type === 'application.updated' && r.json.data.id === seededPending),
    (r) => r.length === 1,
    15_000,
  );
  expect(verifySignature(secret, updated!)).toBe(true);
  expect(updated!.headers['webhook-id']).toBe(updated!.json.id);
  const shown = unwrap(
    await client.GET('/api/v3/npq-applications/{id}', { params: { path: { id: seededPending } } }),
  ).data;
  expect(updated!.json.data).toEqual(JSON.parse(JSON.stringify(shown)));
  expect(updated!.json.data.attributes.status).toBe('accepted');

  // The example's receiver verified its ping and the same accept with its own secret.
  await eventually(
    async () => exampleMessages,
    (ms) => ms.some((m) => m.type === 'application.updated' && m.data.id === seededPending),
    15_000,
  );
  expect(exampleMessages[0]).toMatchObject({
    type: 'webhook.ping',
    data: { id: exampleReceiver.subscription.id },
  });
  expect(
    exampleMessages.find((m) => m.type === 'application.updated' && m.data.id === seededPending)!.data
      .attributes,
  ).toMatchObject({ status: 'accepted', funded_place: true });
  await exampleReceiver.close();
  const gone = await client.GET('/api/v3/webhook-subscriptions/{id}', {
    params: { path: { id: exampleReceiver.subscription.id } },
  });
  expect(gone.response.status).toBe(404);

  expect(proxy.requests).toContain('POST /api/v3/webhook-subscriptions');
  expect(proxy.requests).toContain(`POST /api/v3/npq-applications/${seededPending}/accept`);
  expect(proxy.violations).toEqual([]);
}, 120_000);

it('runs from the README command (`pnpm --filter @npq/lead-provider-client example`), webhooks included', async () => {
  const { stdout } = await promisify(execFile)(
    path.join(CLIENT_DIR, 'node_modules/.bin/tsx'),
    ['examples/run.ts'],
    {
      cwd: CLIENT_DIR,
      env: { ...process.env, NPQ_BASE_URL: proxy.url, NPQ_TOKEN: system.tokens[BPN.id]! },
    },
  );
  const pending = sandboxApplicationId(BPN.id, 'two-providers');
  expect(stdout).toMatch(/^subscribed [0-9a-f-]{36} to http:\/\/127\.0\.0\.1:\d+\/npq-webhooks$/m);
  expect(stdout).toMatch(/^received a signed webhook\.ping \([0-9a-f-]{36}\)$/m);
  expect(stdout).toMatch(
    new RegExp(`^accepted application ${pending} \\(participant [0-9a-f-]{36}\\)$`, 'm'),
  );
  expect(stdout).toMatch(/^declared started: [0-9a-f-]{36} \(eligible\)$/m);
  expect(stdout).toContain('the participant has 1 declaration(s)');
  expect(stdout).toContain('answered 422: application: This NPQ application has already been accepted');
  expect(stdout).toMatch(
    new RegExp(`^received a signed application\\.updated \\([0-9a-f-]{36}\\): ${pending} is accepted$`, 'm'),
  );
  expect(proxy.violations).toEqual([]);
}, 90_000);
