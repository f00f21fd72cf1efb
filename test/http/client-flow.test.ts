import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createLeadProviderClient,
  isErrorsEnvelope,
  isLegacyError,
  LeadProviderApiError,
  unwrap,
} from '@npq/lead-provider-client';
import { runIntegration } from '../../packages/client/examples/integration';
import { startSystem, type System } from '../support/system';
import { AMBITION, applicationAttributes, BPN, CHURCH } from '../support/fixtures';

/**
 * The client package (packages/client) against the real gateway on a socket: the README's integration
 * example, the list iterator, the updated_since feed across page boundaries, and typed errors.
 */
let system: System;
beforeAll(async () => {
  system = await startSystem({ listen: true });
});
afterAll(async () => {
  await system?.close();
});

/** Creates an application through the admin intake, as if at `at` (sandbox clock). */
async function intake(leadProviderId: string, at: string, overrides: Record<string, unknown> = {}) {
  const res = await system.admin.post(
    '/admin/v1/npq-applications',
    {
      data: {
        type: 'npq_application',
        attributes: applicationAttributes({ lead_provider_id: leadProviderId, ...overrides }),
      },
    },
    { headers: { 'x-with-server-date': at } },
  );
  if (res.status !== 201) throw new Error(`intake failed: ${res.status} ${res.text}`);
  return res.body.data.id as string;
}

/** A client for `leadProviderId` that records the query string of every request it sends. */
function recordingClient(leadProviderId: string) {
  const sent: URL[] = [];
  const client = createLeadProviderClient({
    baseUrl: system.gatewayUrl!,
    token: system.tokens[leadProviderId]!,
    fetch: (request, init) => {
      sent.push(new URL(request.url));
      return globalThis.fetch(request, init);
    },
  });
  return { client, sent };
}

describe('the README integration example', () => {
  it('is the example files, verbatim (the README command runs in provider-walkthrough.test.ts)', () => {
    const dir = path.join(__dirname, '../../packages/client');
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    for (const file of ['examples/integration.ts', 'examples/webhooks.ts']) {
      const example = readFileSync(path.join(dir, file), 'utf8');
      expect(readme).toContain('```ts\n' + example + '```');
    }
  });

  it('runs against the gateway: list, accept, declare, list declarations, poll updated_since', async () => {
    await intake(AMBITION.id, '2025-09-01T09:00:00Z', { cohort: '2024' });
    const first = await intake(AMBITION.id, '2025-09-01T09:00:01Z', { cohort: '2025' });
    await intake(AMBITION.id, '2025-09-01T09:00:02Z', { cohort: '2025' });

    const out = await runIntegration(system.gatewayUrl!, system.tokens[AMBITION.id]!);

    expect(out.accepted.id).toBe(first);
    expect(out.accepted.attributes).toMatchObject({ status: 'accepted', funded_place: true, cohort: '2025' });
    expect(out.declaration.attributes).toMatchObject({
      participant_id: out.accepted.attributes.participant_id,
      declaration_type: 'started',
      declaration_date: '2025-10-10T10:00:00Z',
      state: 'eligible',
    });
    expect(out.declarations.map((d) => d.id)).toEqual([out.declaration.id]);
    expect(out.firstPoll.map((d) => d.id)).toEqual([out.declaration.id]);
    expect(out.secondPoll).toEqual([]);
    expect(JSON.parse(out.savedState)).toMatchObject({ cursor: out.declaration.attributes.updated_at });
    expect(out.refusal).toBeInstanceOf(LeadProviderApiError);
    expect(out.refusal!.status).toBe(422);
    expect(out.refusal!.fieldErrors).toEqual({
      application: ['This NPQ application has already been accepted'],
    });
  });
});

describe('paginate', () => {
  it('walks every page until the empty one, in the list order', async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push(await intake(CHURCH.id, `2024-06-01T09:00:0${i}Z`));
    const { client, sent } = recordingClient(CHURCH.id);

    const seen: string[] = [];
    for await (const application of client.paginate('/api/v3/npq-applications', { perPage: 3 })) {
      seen.push(application.id);
    }
    expect(seen).toEqual(created);
    expect(sent.map((u) => [u.searchParams.get('page[page]'), u.searchParams.get('page[per_page]')])).toEqual(
      [
        ['1', '3'],
        ['2', '3'],
        ['3', '3'],
        ['4', '3'],
      ],
    );

    const pageSizes: number[] = [];
    for await (const page of client.pages('/api/v3/npq-applications', {
      perPage: 3,
      query: { filter: { cohort: '2025' } },
    })) {
      pageSizes.push(page.length);
    }
    expect(pageSizes).toEqual([3, 3, 1]);
  });
});

describe('updatedSince', () => {
  it('misses nothing when rows change and shift across page boundaries during a walk', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push(await intake(BPN.id, `2025-06-01T09:00:0${i}Z`));
    let late: string | undefined;
    let armed = false;
    const client = createLeadProviderClient({
      baseUrl: system.gatewayUrl!,
      token: system.tokens[BPN.id]!,
      fetch: async (request, init) => {
        if (armed && new URL(request.url).searchParams.get('page[page]') === '2') {
          armed = false;
          // After page 1 was read: an application on it is rejected, and one whose transaction started
          // earlier commits now, sorting before everything read (its created_at and updated_at are older).
          const rejected = await system
            .provider(BPN.id)
            .post(`/api/v3/npq-applications/${created[0]}/reject`, undefined, {
              headers: { 'x-with-server-date': '2025-06-01T09:00:10Z' },
            });
          expect(rejected.status).toBe(200);
          late = await intake(BPN.id, '2025-06-01T08:59:59Z');
        }
        return globalThis.fetch(request, init);
      },
    });
    const feed = client.updatedSince('/api/v3/npq-applications', { perPage: 2, overlapSeconds: 60 });

    armed = true;
    const first = await feed.poll();
    // The late row pushed the rest one place along: page 2 served created[1] again, returned once.
    expect(first.map((a) => [a.id, a.attributes.status])).toEqual(created.map((id) => [id, 'pending']));
    expect(feed.nextUpdatedSince).toBe('2025-06-01T08:59:04Z');

    const second = await feed.poll();
    expect(second.map((a) => [a.id, a.attributes.status])).toEqual([
      [late, 'pending'],
      [created[0], 'rejected'],
    ]);
    expect(await feed.poll()).toEqual([]);
  });
});

describe('errors', () => {
  it('types both error envelopes, and unwrap throws them as LeadProviderApiError', async () => {
    const client = createLeadProviderClient({
      baseUrl: system.gatewayUrl!,
      token: system.tokens[AMBITION.id]!,
    });

    const missing = await client.GET('/api/v3/npq-applications/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(missing.response.status).toBe(404);
    expect(isLegacyError(missing.error)).toBe(true);
    expect(missing.error).toEqual({ error: 'Resource not found' });

    const pending = await intake(AMBITION.id, '2025-09-01T10:00:00Z', { cohort: '2025' });
    const refused = await client.POST('/api/v3/npq-applications/{id}/accept', {
      params: { path: { id: pending } },
    });
    expect(refused.response.status).toBe(422);
    expect(isErrorsEnvelope(refused.error)).toBe(true);
    let thrown: unknown;
    try {
      unwrap(refused);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LeadProviderApiError);
    const apiError = thrown as LeadProviderApiError;
    expect(apiError.status).toBe(422);
    expect(Object.keys(apiError.fieldErrors)).toEqual(['funded_place']);
    expect(apiError.message).toContain(
      `/api/v3/npq-applications/${pending}/accept answered 422: funded_place:`,
    );

    const badDate = await client.GET('/api/v3/statements', {
      params: { header: { 'X-With-Server-Date': 'soon' } },
    });
    expect(badDate.response.status).toBe(400);
    expect(isErrorsEnvelope(badDate.error)).toBe(true);

    const anonymous = createLeadProviderClient({ baseUrl: system.gatewayUrl!, token: 'not-a-token' });
    const denied = await anonymous.GET('/api/v3/statements');
    expect(denied.response.status).toBe(401);
    expect(denied.error).toEqual({ error: 'HTTP Token: Access denied' });
    await expect(anonymous.paginate('/api/v3/statements').next()).rejects.toMatchObject({
      name: 'LeadProviderApiError',
      status: 401,
      body: { error: 'HTTP Token: Access denied' },
    });
  });
});
