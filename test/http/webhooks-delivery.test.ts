import { Client } from 'pg';
import { startSystem, type System } from '../support/system';
import { AMBITION, BPN, CHURCH, createApplication } from '../support/fixtures';
import { eventually } from '../support/eventually';
import { acceptedParticipant, at, declareFor, voidOk } from '../support/finance';
import { verifySignature, WebhookReceiver } from '../support/webhook-receiver';

// Webhooks (docs/webhooks.md) end to end: provider routes through the gateway, platform events, and a real
// local receiver. Short backoff and timeout so retries and give-ups happen within a test.
let system: System;
let receiver: WebhookReceiver;
const logLines: string[] = [];

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  system = await startSystem({
    config: { LOG_LEVEL: 'info' },
    logSink: (line) => logLines.push(line),
    webhooks: {
      sweepEveryMs: 50,
      orderingDelayMs: 50,
      timeoutMs: 500,
      backoff: { baseMs: 100, maxMs: 200, giveUpAfterMs: 2500 },
    },
  });
});
afterAll(async () => {
  await system?.close();
  await receiver?.stop();
});

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

/** How many owner rows the webhooks service holds for an application (it records them from events). */
async function ownerRows(applicationId: string): Promise<number> {
  const pg = new Client({ connectionString: system.db.url });
  await pg.connect();
  try {
    const res = await pg.query('select 1 from webhooks.application_owners where application_id = $1', [
      applicationId,
    ]);
    return res.rowCount ?? 0;
  } finally {
    await pg.end();
  }
}

const accept = (id: string, lp: string = AMBITION.id) =>
  system.provider(lp).post(`/api/v3/npq-applications/${id}/accept`, {
    data: { type: 'npq-application-accept', attributes: { funded_place: true } },
  });

async function subscribe(path: string, lp: string = AMBITION.id, eventTypes: string[] = ALL_TYPES) {
  const res = await system.provider(lp).post('/api/v3/webhook-subscriptions', {
    data: {
      type: 'webhook-subscription',
      attributes: { url: `${receiver.url}${path}`, event_types: eventTypes },
    },
  });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; attributes: { secret: string; state: string } };
}

describe('webhook subscriptions', () => {
  it('creates, lists, shows, rotates and deletes, scoped to the calling provider', async () => {
    const sub = await subscribe('/crud');
    expect(sub.attributes.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const mine = await system.provider().get('/api/v3/webhook-subscriptions');
    expect(mine.body.data.map((s: { id: string }) => s.id)).toContain(sub.id);
    expect(mine.body.data[0].attributes.secret).toBeUndefined();
    const theirs = await system.provider(BPN.id).get('/api/v3/webhook-subscriptions');
    expect(theirs.body.data.map((s: { id: string }) => s.id)).not.toContain(sub.id);
    expect((await system.provider(BPN.id).get(`/api/v3/webhook-subscriptions/${sub.id}`)).status).toBe(404);
    expect((await system.provider(BPN.id).delete(`/api/v3/webhook-subscriptions/${sub.id}`)).status).toBe(
      404,
    );
    const rotated = await system.provider().post(`/api/v3/webhook-subscriptions/${sub.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.attributes.secret).not.toBe(sub.attributes.secret);
    expect((await system.provider().delete(`/api/v3/webhook-subscriptions/${sub.id}`)).status).toBe(204);
    expect((await system.provider().get(`/api/v3/webhook-subscriptions/${sub.id}`)).status).toBe(404);
  });

  it('refuses private, link-local and non-http(s) URLs and unknown event types (SSRF), with 422', async () => {
    for (const url of [
      'http://10.0.0.5/hook',
      'http://169.254.169.254/latest/meta-data',
      'https://192.168.1.1/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'ftp://127.0.0.1/hook',
      'not a url',
      'http://user:pass@127.0.0.1/hook',
    ]) {
      const res = await system.provider().post('/api/v3/webhook-subscriptions', {
        data: { attributes: { url, event_types: ['application.created'] } },
      });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].title).toBe('url');
    }
    const badType = await system.provider().post('/api/v3/webhook-subscriptions', {
      data: { attributes: { url: `${receiver.url}/x`, event_types: ['application.exploded'] } },
    });
    expect(badType.status).toBe(422);
    expect(badType.body.errors[0].title).toBe('event_types');
    const badShape = await system.provider().post('/api/v3/webhook-subscriptions', { url: 'x' });
    expect(badShape.status).toBe(400);
  });

  it('sends a signed test ping that verifies with the secret (Standard Webhooks)', async () => {
    const sub = await subscribe('/ping');
    const ping = await system.provider().post(`/api/v3/webhook-subscriptions/${sub.id}/ping`);
    expect(ping.status).toBe(202);
    const [got] = await eventually(
      async () => receiver.on('/ping'),
      (r) => r.length === 1,
    );
    expect(got!.json).toMatchObject({ type: 'webhook.ping', data: { id: sub.id } });
    expect(got!.headers['webhook-id']).toBe(got!.json.id);
    expect(Math.abs(Number(got!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(verifySignature(sub.attributes.secret, got!)).toBe(true);
    expect(verifySignature(`whsec_${Buffer.from('wrong').toString('base64')}`, got!)).toBe(false);
  });
});

describe('webhook delivery', () => {
  it('delivers application events to the owning provider only, as {id, type, timestamp, data}', async () => {
    const mine = await subscribe('/events-ambition');
    await subscribe('/events-bpn', BPN.id);
    const app = await createApplication(system.admin, { lead_provider_id: AMBITION.id });
    const accepted = await accept(app.id);
    expect(accepted.status).toBe(200);
    const got = await eventually(
      async () => receiver.on('/events-ambition').filter((r) => r.json.data.id === app.id),
      (r) => r.length === 2,
    );
    expect(got.map((r) => r.json.type)).toEqual(['application.created', 'application.updated']);
    expect(got[1]!.json.data).toMatchObject({ id: app.id, attributes: { status: 'accepted' } });
    // The full v3 resource, read from the owning service as the provider: what GET would show.
    const shown = await system.provider().get(`/api/v3/npq-applications/${app.id}`);
    expect(Object.keys(got[1]!.json.data.attributes)).toEqual(Object.keys(shown.body.data.attributes));
    expect(got[1]!.json.data.attributes.full_name).toBe(shown.body.data.attributes.full_name);
    expect(new Set(got.map((r) => r.json.id)).size).toBe(2);
    for (const r of got) expect(verifySignature(mine.attributes.secret, r)).toBe(true);
    // The other provider's endpoint never hears of this application.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.on('/events-bpn').filter((r) => r.json.data.id === app.id)).toEqual([]);
  });

  it('delivers participant training-status and declaration changes as they happen', async () => {
    await subscribe('/lifecycle', AMBITION.id, [
      'participant.training_status_changed',
      'declaration.created',
      'declaration.state_changed',
    ]);
    const { application, participantId } = await acceptedParticipant(system);
    const declaration = await declareFor(system, application, AMBITION.id);
    await voidOk(system.provider(), declaration.id, '2025-10-16T09:00:00Z');
    const withdrawn = await system.provider().put(
      `/api/v3/participants/npq/${participantId}/withdraw`,
      {
        data: {
          type: 'participant-withdraw',
          attributes: { course_identifier: application.attributes.course_identifier, reason: 'other' },
        },
      },
      at('2025-10-17T09:00:00Z'),
    );
    expect(withdrawn.status).toBe(200);
    const got = await eventually(
      async () =>
        receiver
          .on('/lifecycle')
          .filter((r) => r.json.data.id === declaration.id || r.json.data.id === participantId),
      (r) => r.length >= 3 && r.some((x) => x.json.type === 'participant.training_status_changed'),
    );
    const declarations = got.filter((r) => r.json.data.id === declaration.id);
    expect(declarations.map((r) => r.json.type)).toEqual([
      'declaration.created',
      'declaration.state_changed',
    ]);
    expect(declarations[1]!.json.data.attributes.state).toBe('voided');
    // The participant as GET /api/v3/participants/npq/{id} shows it once withdrawn.
    const statuses = got.filter((r) => r.json.type === 'participant.training_status_changed');
    const latest = statuses.at(-1)!.json.data;
    expect(latest).toMatchObject({ id: participantId, type: 'npq-participant' });
    expect(latest.attributes.npq_enrolments[0]).toMatchObject({
      training_status: 'withdrawn',
      withdrawal: { reason: 'other' },
    });
  });

  it("tells the provider holding a merged participant's applications of the id change, and no one else", async () => {
    await subscribe('/merge-church', CHURCH.id, ['participant.id_changed']);
    await subscribe('/merge-ambition', AMBITION.id, ['participant.id_changed']);
    const retiredApp = await createApplication(system.admin, { lead_provider_id: CHURCH.id });
    const keptApp = await createApplication(system.admin, { lead_provider_id: AMBITION.id });
    const from = retiredApp.attributes.participant_id as string;
    const to = keptApp.attributes.participant_id as string;
    const merged = await system.admin.post(`/admin/v1/participants/${from}/merge`, {
      data: { type: 'participant-merge', attributes: { into_participant_id: to } },
    });
    expect(merged.status).toBe(200);
    const [got] = await eventually(
      async () => receiver.on('/merge-church').filter((r) => r.json.data.id === to),
      (r) => r.length === 1,
    );
    expect(got!.json.type).toBe('participant.id_changed');
    expect(got!.json.data.attributes.participant_id_changes).toEqual([
      expect.objectContaining({ from_participant_id: from, to_participant_id: to }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.on('/merge-ambition').filter((r) => r.json.data.id === to)).toEqual([]);
  });

  it('tells of a merge whose moved (pending) applications the service never saw before it was deployed', async () => {
    await subscribe('/merge-unseen', BPN.id, ['participant.id_changed']);
    const retiredApp = await createApplication(system.admin, { lead_provider_id: BPN.id });
    const keptApp = await createApplication(system.admin, { lead_provider_id: CHURCH.id });
    const from = retiredApp.attributes.participant_id as string;
    const to = keptApp.attributes.participant_id as string;
    expect(retiredApp.attributes.status).toBe('pending');
    // As if the webhooks service had been deployed after these applications were made (its stream history
    // gone): it has no record of who owns them. The merge event itself names each moved application's provider.
    await eventually(
      () => ownerRows(retiredApp.id),
      (n) => n === 1,
    );
    const pg = new Client({ connectionString: system.db.url });
    await pg.connect();
    try {
      await pg.query('delete from webhooks.application_owners where application_id = $1', [retiredApp.id]);
    } finally {
      await pg.end();
    }
    const merged = await system.admin.post(`/admin/v1/participants/${from}/merge`, {
      data: { type: 'participant-merge', attributes: { into_participant_id: to } },
    });
    expect(merged.status).toBe(200);
    const [got] = await eventually(
      async () => receiver.on('/merge-unseen').filter((r) => r.json.data.id === to),
      (r) => r.length === 1,
    );
    expect(got!.json.type).toBe('participant.id_changed');
    expect(got!.json.data.attributes.participant_id_changes).toEqual([
      expect.objectContaining({ from_participant_id: from, to_participant_id: to }),
    ]);
  });

  it('retries a 5xx with backoff, records every attempt, and keeps one resource in order', async () => {
    const sub = await subscribe('/retry', AMBITION.id, ['application.created', 'application.updated']);
    receiver.script('/retry', [500, 503]);
    const app = await createApplication(system.admin, { lead_provider_id: AMBITION.id });
    await accept(app.id);
    const got = await eventually(
      async () => receiver.on('/retry').filter((r) => r.json.data.id === app.id),
      (r) => r.length === 2,
    );
    // The update waited for the created message's retries: order per resource holds.
    expect(got.map((r) => r.json.type)).toEqual(['application.created', 'application.updated']);
    const deliveries = await system.provider().get(`/api/v3/webhook-subscriptions/${sub.id}/deliveries`);
    const created = deliveries.body.data.find(
      (d: { attributes: { event_type: string } }) => d.attributes.event_type === 'application.created',
    );
    expect(created.attributes).toMatchObject({ state: 'delivered', attempts: 3, last_status_code: 200 });
    const attempts = await system
      .provider()
      .get(`/api/v3/webhook-subscriptions/${sub.id}/deliveries/${created.id}/attempts`);
    expect(attempts.body.data.map((a: { status_code: number }) => a.status_code)).toEqual([500, 503, 200]);
    expect(attempts.body.data[0].response_excerpt).toBe('answer 500');
    expect(typeof attempts.body.data[0].latency_ms).toBe('number');
    // Another provider cannot read them.
    expect(
      (await system.provider(BPN.id).get(`/api/v3/webhook-subscriptions/${sub.id}/deliveries`)).status,
    ).toBe(404);
  });

  it('retries after a timeout, and a hanging endpoint does not delay another subscription', async () => {
    const slow = await subscribe('/slow', AMBITION.id, ['application.created']);
    const fast = await subscribe('/fast', AMBITION.id, ['application.created']);
    // Three timeouts in a row (1.5 s at least): the fast endpoint must not wait for any of them.
    receiver.script('/slow', ['hang', 'hang', 'hang']);
    const started = Date.now();
    const app = await createApplication(system.admin, { lead_provider_id: AMBITION.id });
    await eventually(
      async () => receiver.on('/fast').filter((r) => r.json.data.id === app.id),
      (r) => r.length === 1,
    );
    // The fast endpoint got it while the slow one was still hanging (timeout 500 ms).
    expect(receiver.on('/slow').filter((r) => r.json.data.id === app.id)).toEqual([]);
    await eventually(
      async () => receiver.on('/slow').filter((r) => r.json.data.id === app.id),
      (r) => r.length === 1,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const deliveries = await system.provider().get(`/api/v3/webhook-subscriptions/${slow.id}/deliveries`);
    const d = deliveries.body.data[0];
    const attempts = await system
      .provider()
      .get(`/api/v3/webhook-subscriptions/${slow.id}/deliveries/${d.id}/attempts`);
    expect(attempts.body.data[0]).toMatchObject({ status_code: null, error: 'timed out after 500 ms' });
    expect(attempts.body.data.map((a: { status_code: number | null }) => a.status_code)).toEqual([
      null,
      null,
      null,
      200,
    ]);
    expect(fast.id).not.toBe(slow.id);
  });

  it('redelivers a delivered message with the same webhook-id', async () => {
    const sub = await subscribe('/redeliver', AMBITION.id, ['application.created']);
    const app = await createApplication(system.admin, { lead_provider_id: AMBITION.id });
    const [first] = await eventually(
      async () => receiver.on('/redeliver').filter((r) => r.json.data.id === app.id),
      (r) => r.length === 1,
    );
    const deliveries = await system.provider().get(`/api/v3/webhook-subscriptions/${sub.id}/deliveries`);
    const d = deliveries.body.data[0];
    const res = await system
      .provider()
      .post(`/api/v3/webhook-subscriptions/${sub.id}/deliveries/${d.id}/redeliver`);
    expect(res.status).toBe(202);
    const again = await eventually(
      async () => receiver.on('/redeliver').filter((r) => r.json.data.id === app.id),
      (r) => r.length === 2,
    );
    expect(again[1]!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(again[1]!.body).toBe(first!.body);
  });

  it('gives up after the retry window, marks the subscription failing, and a success makes it active', async () => {
    const sub = await subscribe('/dead', AMBITION.id, ['application.created']);
    receiver.script('/dead', Array<number>(100).fill(500));
    await createApplication(system.admin, { lead_provider_id: AMBITION.id });
    const failing = await eventually(
      async () => (await system.provider().get(`/api/v3/webhook-subscriptions/${sub.id}`)).body.data,
      (s) => s.attributes.state === 'failing',
      10_000,
    );
    expect(failing.attributes.failing_since).not.toBeNull();
    const deliveries = await system
      .provider()
      .get(`/api/v3/webhook-subscriptions/${sub.id}/deliveries?filter[state]=failed`);
    expect(deliveries.body.data).toHaveLength(1);
    receiver.script('/dead', []);
    await system
      .provider()
      .post(`/api/v3/webhook-subscriptions/${sub.id}/deliveries/${deliveries.body.data[0].id}/redeliver`);
    await eventually(
      async () => (await system.provider().get(`/api/v3/webhook-subscriptions/${sub.id}`)).body.data,
      (s) => s.attributes.state === 'active',
    );
  });

  it('admins list every subscription and can disable one (nothing more is sent)', async () => {
    const sub = await subscribe('/disabled', BPN.id, ['application.created']);
    const all = await system.admin.get('/admin/v1/webhook-subscriptions');
    const listed = all.body.data.find((s: { id: string }) => s.id === sub.id);
    expect(listed.attributes).toMatchObject({ lead_provider_id: BPN.id, state: 'active' });
    expect(listed.attributes.secret).toBeUndefined();
    expect((await system.provider(BPN.id).get('/admin/v1/webhook-subscriptions')).status).toBe(401);
    const disabled = await system.admin.post(`/admin/v1/webhook-subscriptions/${sub.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body.data.attributes.state).toBe('disabled');
    const app = await createApplication(system.admin, { lead_provider_id: BPN.id });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.on('/disabled').filter((r) => r.json.data.id === app.id)).toEqual([]);
  });

  it('logs no personal data and no endpoint URL', () => {
    const webhookLines = logLines.filter(
      (l) => l.includes('"service":"webhooks"') || l.includes('webhook attempt'),
    );
    expect(webhookLines.some((l) => l.includes('webhook attempt'))).toBe(true);
    for (const line of webhookLines) {
      expect(line).not.toMatch(/@example\.com/);
      expect(line).not.toContain(receiver.url);
      expect(line).not.toContain('whsec_');
    }
  });
});

describe('read-your-writes', () => {
  it('never waits for the webhooks service: a command answers at once while its consumer is stopped', async () => {
    await system.webhooks!.consumer.stop();
    const app = await createApplication(system.admin, { lead_provider_id: AMBITION.id });
    const started = Date.now();
    const res = await accept(app.id);
    expect(res.status).toBe(200);
    // The wait would last READ_YOUR_WRITES_TIMEOUT_MS (5 s here) if webhooks were waited for.
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
