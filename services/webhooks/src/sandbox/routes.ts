import type { FastifyInstance } from 'fastify';
import {
  readAdminAttributes,
  readSandboxPurge,
  requireSandbox,
  unprocessable,
  type ServiceRuntime,
} from '@npq/service-kit';
import { isUuid } from '@npq/service-kit';
import { purgeAndMute, unmute } from './commands';

/** How long `unmute` waits for the event consumer to have handled everything the reset published. */
const CATCH_UP_MS = 20_000;

/**
 * Whether this service's event consumer has handled every event in the stream (none undelivered, none
 * unacknowledged): then every event the reset published has met the mute.
 */
async function caughtUp(runtime: ServiceRuntime): Promise<boolean> {
  const info = await runtime.messaging.jsm.consumers
    .info(runtime.naming.stream, runtime.naming.durable(runtime.service))
    .catch(() => undefined);
  return info !== undefined && info.num_pending === 0 && info.num_ack_pending === 0;
}

/**
 * The gateway's sandbox reset (docs/sandbox.md, "Reset"; docs/webhooks.md, "Sandbox reset"): internal only
 * (the gateway routes no `/internal` path), internal admin credential, and 404 outside the sandbox.
 */
export function sandboxRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  app.post('/internal/sandbox/purge', async (req) => {
    const input = readSandboxPurge(req, runtime.config);
    const report = await purgeAndMute(req.em, input);
    req.log.info(
      { leadProviderId: input.leadProviderId, ...report },
      'sandbox lead provider muted and purged',
    );
    return { data: { type: 'sandbox-purge', id: input.leadProviderId, attributes: report } };
  });

  // Called once the reset has written the seed again and every service's outbox has published it.
  app.post('/internal/sandbox/unmute', async (req) => {
    requireSandbox(req, runtime.config);
    const leadProviderId = readAdminAttributes(req.body, ['lead_provider_id']).lead_provider_id;
    if (!isUuid(leadProviderId)) {
      throw unprocessable([{ title: 'lead_provider_id', detail: "Enter a '#/lead_provider_id'." }]);
    }
    const deadline = Date.now() + CATCH_UP_MS;
    let done = await caughtUp(runtime);
    while (!done && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      done = await caughtUp(runtime);
    }
    // Not caught up in time: the mute stays until it expires (MUTE_MS), so the rest of the reset's events
    // still meet it; the gateway logs the answer.
    if (done) await unmute(req.em, leadProviderId.toLowerCase());
    return { data: { type: 'sandbox-unmute', id: leadProviderId, attributes: { caught_up: done } } };
  });
}
