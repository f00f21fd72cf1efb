import { startPrivateNats, type PrivateServer } from '@npq/test-kit';
import { startSystem, type System } from '../support/system';
import { AMBITION, createApplication, intakeBody } from '../support/fixtures';
import { eventually } from '../support/eventually';

/**
 * NATS down while commands commit (issue "Reliability", defect 3): the platform runs on a NATS server of
 * its own, stopped mid-test. A committed write answers the success the client asked for; the outbox
 * delivers its events once NATS is back.
 */
let nats: PrivateServer;
let system: System;

beforeAll(async () => {
  nats = await startPrivateNats();
  system = await startSystem({ config: { NATS_URL: nats.url, READ_YOUR_WRITES_TIMEOUT_MS: 2000 } });
});
afterAll(async () => {
  if (nats && !nats.running) await nats.start();
  await system?.close();
  await nats?.destroy();
});

async function metric(service: 'applications' | 'training' | 'finance', name: string): Promise<number> {
  const text = await system.services[service].runtime.metrics.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('NATS unavailable after a commit', () => {
  it('answers committed writes with their success, and the outbox delivers the events once NATS is back', async () => {
    // Everything works before the outage.
    await createApplication(system.admin);
    const degradedBefore = await metric('applications', 'read_your_writes_degraded_total');

    await nats.stop();
    const started = Date.now();
    const intake = await system.admin.post('/admin/v1/npq-applications', intakeBody());
    expect(intake.status).toBe(201);
    const applicationId = intake.body.data.id as string;
    const accepted = await system
      .provider(AMBITION.id)
      .post(`/api/v3/npq-applications/${applicationId}/accept`, {
        data: { type: 'npq-application-accept', attributes: { funded_place: true } },
      });
    expect(accepted.status).toBe(200);
    expect(accepted.body.data.attributes.status).toBe('accepted');
    // Each answer is bounded by the read-your-writes timeout (2 s), not by NATS coming back.
    expect(Date.now() - started).toBeLessThan(2 * 2000 + 2000);
    expect(await metric('applications', 'read_your_writes_degraded_total')).toBeGreaterThanOrEqual(
      degradedBefore + 2,
    );

    // Back up: the relay publishes what was committed, and training learns of the accepted application.
    await nats.start();
    const participantId = accepted.body.data.attributes.participant_id as string;
    const participant = await eventually(
      () => system.provider(AMBITION.id).get(`/api/v3/participants/npq/${participantId}`),
      (res) => res.status === 200,
      20_000,
    );
    expect(participant.body.data.id).toBe(participantId);
  });

  it("readiness names each service's event consumer, and fails while it is not consuming", async () => {
    const training = system.services.training;
    const ready = async () => {
      const res = await fetch(`${training.url}/health/ready`);
      return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
    };
    expect(await ready()).toEqual({
      status: 200,
      body: expect.objectContaining({ checks: { postgres: 'ok', nats: 'ok', consumer: 'ok' } }),
    });
    await training.consumer.stop();
    try {
      const down = await ready();
      expect(down.status).toBe(503);
      expect(down.body.checks.consumer).toBe('event consumer is not consuming (stopped)');
    } finally {
      await training.consumer.start();
    }
    expect((await ready()).status).toBe(200);
  });
});
