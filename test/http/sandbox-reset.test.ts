import { LEAD_PROVIDERS } from '@npq/contracts';
import { INTERNAL_HEADERS, sandboxId } from '@npq/service-kit';
import {
  nextLeadProvider,
  sandboxApplicationId,
  sandboxSecondApplicationId,
  sandboxDeclarationId,
  sandboxParticipantId,
} from '@npq/gateway';
import { applicationAttributes, createApplication } from '../support/fixtures';
import { declarationBody, EVERYWHERE_PARTNER } from '../support/finance';
import { providerView, withoutTimestamps, type ProviderView } from '../support/sandbox';
import { ADMIN_TOKEN, startSystem, type System } from '../support/system';
import { eventually } from '../support/eventually';
import { verifySignature, WebhookReceiver } from '../support/webhook-receiver';

let system: System;
let receiver: WebhookReceiver;
const before = new Map<string, ProviderView>();
const A = LEAD_PROVIDERS[0].id;
const NEXT = nextLeadProvider(A);

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  system = await startSystem({ sandbox: true, webhooks: { sweepEveryMs: 100, orderingDelayMs: 100 } });
  for (const lp of LEAD_PROVIDERS) before.set(lp.id, await providerView(system, lp.id));
}, 180_000);

afterAll(async () => {
  await system?.close();
  await receiver?.stop();
});

const reset = (leadProviderId: unknown, client = system.admin) =>
  client.post('/admin/v1/sandbox/reset', {
    data: { type: 'sandbox-reset', attributes: { lead_provider_id: leadProviderId } },
  });

describe('POST /admin/v1/sandbox/reset', () => {
  it('restores a provider’s data to the seed after changes, with the same ids', async () => {
    const provider = system.provider(A);
    // A provider's day of work: accept, reject, void, declare; DfE adds an application.
    const accepted = await provider.post(
      `/api/v3/npq-applications/${sandboxApplicationId(A, 'pending-capped')}/accept`,
      { data: { type: 'npq-application-accept', attributes: { funded_place: true } } },
    );
    expect(accepted.status).toBe(200);
    expect(
      (await provider.post(`/api/v3/npq-applications/${sandboxApplicationId(A, 'pending-full')}/reject`))
        .status,
    ).toBe(200);
    const voided = await provider.put(
      `/api/v3/participant-declarations/${sandboxDeclarationId(A, 'eligible', 'started')}/void`,
    );
    expect(voided.status).toBe(200);
    const declared = await provider.post(
      '/api/v3/participant-declarations',
      declarationBody({
        participant_id: sandboxParticipantId(A, 'active'),
        declaration_type: 'completed',
        declaration_date: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        course_identifier: 'npq-headship',
        delivery_partner_id: EVERYWHERE_PARTNER.id,
        has_passed: true,
      }),
    );
    expect(declared.status).toBe(200);
    const extra = await createApplication(system.admin, { lead_provider_id: A });
    const changed = await providerView(system, A);
    expect(withoutTimestamps(changed)).not.toEqual(withoutTimestamps(before.get(A)!));

    const res = await reset(A);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: A,
      type: 'sandbox-reset',
      attributes: { lead_provider_id: A, dataset_version: expect.any(String) },
    });

    const after = await providerView(system, A);
    expect(withoutTimestamps(after)).toEqual(withoutTimestamps(before.get(A)!));
    expect(after.applications.map((a) => a.id)).not.toContain(extra.id);
    expect(after.declarations.map((d) => d.id)).not.toContain(declared.body.data.id);
  }, 120_000);

  it('leaves every other provider’s data as it was', async () => {
    for (const lp of LEAD_PROVIDERS) {
      if (lp.id === A) continue;
      const view = await providerView(system, lp.id);
      if (lp.id === NEXT) {
        // The one shared resource: A's two-provider person applied here too, and that application was
        // written again with the same id and content.
        expect(withoutTimestamps(view)).toEqual(withoutTimestamps(before.get(lp.id)!));
      } else {
        expect(view).toEqual(before.get(lp.id));
      }
    }
  });

  it('sees only its own data with each provider’s token', async () => {
    const res = await system
      .provider(NEXT)
      .get(`/api/v3/npq-applications/${sandboxApplicationId(A, 'pending-capped')}`);
    expect(res.status).toBe(404);
    const declaration = await system
      .provider(NEXT)
      .put(`/api/v3/participant-declarations/${sandboxDeclarationId(A, 'active', 'started')}/void`);
    expect([403, 404]).toContain(declaration.status);
  });

  it('ignores a client’s seed header: only the seeder chooses ids', async () => {
    const res = await system.admin.post(
      '/admin/v1/npq-applications',
      { data: { type: 'npq_application', attributes: applicationAttributes({ lead_provider_id: A }) } },
      { headers: { 'x-npq-sandbox-seed': 'client/chosen/intake' } },
    );
    expect(res.status).toBe(201);
    expect(res.body.data.id).not.toBe(sandboxId('client/chosen/intake', 'application'));
  });

  it('refuses bad input and callers other than the admin', async () => {
    expect((await reset(A, system.provider(A))).status).toBe(401);
    expect((await reset(A, system.anonymous)).status).toBe(401);
    const unknown = await reset('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].title).toBe('lead_provider_id');
    expect((await reset(undefined)).status).toBe(400);
    expect((await system.admin.post('/admin/v1/sandbox/reset', { data: {} })).status).toBe(400);
  });

  it('converges when run again after a reset that stopped part-way (finance purged, the rest not)', async () => {
    // The gateway never routes a service's internal sandbox routes.
    const outside = await system.gateway.app.inject({
      method: 'POST',
      url: '/internal/sandbox/purge',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: { data: { type: 'sandbox-purge', attributes: { lead_provider_id: A } } },
    });
    expect(outside.statusCode).toBe(404);

    // What the first step of a reset does, as if the next call (training) had then failed.
    const purged = await fetch(`${system.services.finance.url}/internal/sandbox/purge`, {
      method: 'POST',
      headers: {
        [INTERNAL_HEADERS.secret]: system.config.INTERNAL_API_SECRET,
        [INTERNAL_HEADERS.scope]: 'admin',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        data: {
          type: 'sandbox-purge',
          attributes: {
            lead_provider_id: A,
            person_ids: [sandboxParticipantId(A, 'active')],
            application_ids: [],
          },
        },
      }),
    });
    expect(purged.status).toBe(200);
    const declaration = await system
      .provider(A)
      .get(`/api/v3/participant-declarations/${sandboxDeclarationId(A, 'active', 'started')}`);
    expect(declaration.status).toBe(404);

    const res = await reset(A);
    expect(res.status).toBe(200);
    expect(withoutTimestamps(await providerView(system, A))).toEqual(withoutTimestamps(before.get(A)!));
  }, 120_000);
});

describe('a reset and the webhooks (docs/webhooks.md, "Sandbox reset")', () => {
  const ALL_TYPES = [
    'application.created',
    'application.updated',
    'participant.training_status_changed',
    'participant.schedule_changed',
    'participant.id_changed',
    'declaration.created',
    'declaration.state_changed',
    'participant_outcome.recorded',
    'statement.paid',
  ];
  const subscribe = async (lp: string, path: string) => {
    const res = await system.provider(lp).post('/api/v3/webhook-subscriptions', {
      data: {
        type: 'webhook-subscription',
        attributes: { url: `${receiver.url}${path}`, event_types: ALL_TYPES },
      },
    });
    expect(res.status).toBe(201);
    return res.body.data as { id: string; attributes: { secret: string; url: string } };
  };
  const deliveries = async (lp: string, id: string) => {
    const res = await system.provider(lp).get(`/api/v3/webhook-subscriptions/${id}/deliveries`);
    expect(res.status).toBe(200);
    return res.body.data as { id: string; attributes: { event_type: string; resource_id: string } }[];
  };
  const pendingFull = sandboxApplicationId(A, 'pending-full');
  const acceptPendingFull = async () => {
    const res = await system.provider(A).post(`/api/v3/npq-applications/${pendingFull}/accept`);
    expect(res.status).toBe(200);
  };

  it('keeps the subscriptions, clears their deliveries, and sends nothing for the reset itself', async () => {
    const sub = await subscribe(A, '/reset-a');
    const next = await subscribe(NEXT, '/reset-next');
    await acceptPendingFull();
    await eventually(
      async () => receiver.on('/reset-a'),
      (r) => r.some((m) => m.json.type === 'application.updated' && m.json.data.id === pendingFull),
      15_000,
    );

    expect((await reset(A)).status).toBe(200);

    // The reset answered once the webhooks consumer had met every event the reset published: any delivery
    // they made would be listed now. None is, and the ones from before the reset are gone with the data.
    expect(await deliveries(A, sub.id)).toEqual([]);
    // The next provider is not told that its copy of A's `two-providers` application was written again.
    const nextSecond = sandboxSecondApplicationId(A);
    expect((await deliveries(NEXT, next.id)).filter((d) => d.attributes.resource_id === nextSecond)).toEqual(
      [],
    );
    const kept = await system.provider(A).get(`/api/v3/webhook-subscriptions/${sub.id}`);
    expect(kept.body.data.attributes).toMatchObject({
      url: sub.attributes.url,
      state: 'active',
      event_types: ALL_TYPES,
    });

    // It works as before, with the same secret, and the provider's changes after the reset are sent again.
    expect((await system.provider(A).post(`/api/v3/webhook-subscriptions/${sub.id}/ping`)).status).toBe(202);
    await eventually(
      async () => receiver.on('/reset-a'),
      (r) => r.some((m) => m.json.type === 'webhook.ping'),
      15_000,
    );
    await acceptPendingFull();
    const got = await eventually(
      async () => receiver.on('/reset-a'),
      (r) => r.filter((m) => m.json.type === 'application.updated').length === 2 && r.length === 3,
      15_000,
    );
    // Exactly: the accept before the reset, the ping and the accept after it; nothing of the reset.
    expect(got.map((m) => [m.json.type, m.json.data.id])).toEqual([
      ['application.updated', pendingFull],
      ['webhook.ping', sub.id],
      ['application.updated', pendingFull],
    ]);
    for (const m of got) expect(verifySignature(sub.attributes.secret, m)).toBe(true);
  }, 120_000);
});
