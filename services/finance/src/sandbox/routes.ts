import type { FastifyInstance } from 'fastify';
import {
  readSandboxPurge,
  requireSandbox,
  waitForOutboxDrain,
  type Queue,
  type ServiceRuntime,
} from '@npq/service-kit';
import { paymentJobId, type PaymentJobData } from '../jobs/queues';
import { purgeSandboxLeadProvider } from './commands';

/** How long the drain waits for this service's outbox to publish what it has committed. */
const OUTBOX_DRAIN_MS = 5000;

export interface SandboxDeps {
  runtime: ServiceRuntime;
  /** The payment-run queue, whose finished runs of the purged statements are forgotten. */
  paymentQueue: () => Queue<PaymentJobData>;
}

/**
 * The gateway's sandbox reset (docs/sandbox.md, "Reset"): internal only (the gateway routes no `/internal`
 * path), internal admin credential, and 404 outside the sandbox.
 */
export function sandboxRoutes(app: FastifyInstance, deps: SandboxDeps): void {
  const { runtime } = deps;
  app.post('/internal/sandbox/outbox-drain', async (req) => {
    requireSandbox(req, runtime.config);
    const pending = await waitForOutboxDrain(req.em, OUTBOX_DRAIN_MS);
    return { data: { type: 'sandbox-outbox-drain', id: runtime.service, attributes: { pending } } };
  });

  app.post('/internal/sandbox/purge', async (req) => {
    const input = readSandboxPurge(req, runtime.config);
    const { statementIds, ...report } = await purgeSandboxLeadProvider(req.em, input);
    // A payment run's job id is its statement's (`pay-<id>`) and is kept after it finishes; the queue ignores
    // a new job under a kept id, so the reopened statements could never be paid again. Every statement of
    // the provider, not only the authorised ones: after a failure here the statements are already reopened,
    // and the reset run again must still forget their runs (removing an absent job is a no-op).
    const queue = deps.paymentQueue();
    for (const id of statementIds) await queue.remove(paymentJobId(id));
    req.log.info({ leadProviderId: input.leadProviderId, ...report }, 'sandbox lead provider purged');
    return { data: { type: 'sandbox-purge', id: input.leadProviderId, attributes: report } };
  });
}
