import type { FastifyInstance } from 'fastify';
import { readSandboxPurge, requireSandbox, waitForOutboxDrain, type ServiceRuntime } from '@npq/service-kit';
import { purgeSandboxLeadProvider } from './commands';

/** How long the drain waits for this service's outbox to publish what it has committed. */
const OUTBOX_DRAIN_MS = 5000;

/**
 * The gateway's sandbox reset (docs/sandbox.md, "Reset"): internal only (the gateway routes no `/internal`
 * path), internal admin credential, and 404 outside the sandbox.
 */
export function sandboxRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  app.post('/internal/sandbox/outbox-drain', async (req) => {
    requireSandbox(req, runtime.config);
    const pending = await waitForOutboxDrain(req.em, OUTBOX_DRAIN_MS);
    return { data: { type: 'sandbox-outbox-drain', id: runtime.service, attributes: { pending } } };
  });

  app.post('/internal/sandbox/purge', async (req) => {
    const input = readSandboxPurge(req, runtime.config);
    const report = await purgeSandboxLeadProvider(req.em, input);
    req.log.info({ leadProviderId: input.leadProviderId, ...report }, 'sandbox lead provider purged');
    return { data: { type: 'sandbox-purge', id: input.leadProviderId, attributes: report } };
  });
}
