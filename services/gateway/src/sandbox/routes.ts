import type { FastifyInstance } from 'fastify';
import { LEAD_PROVIDERS } from '@npq/contracts';
import { notFound, readAttributes, toRfc3339, unprocessable } from '@npq/service-kit';
import { SANDBOX_DATASET_VERSION } from './dataset';
import type { Sandbox } from './sandbox';

/**
 * `POST /admin/v1/sandbox/reset` (docs/sandbox.md): restores one lead provider's sandbox data to the seed.
 * Outside the sandbox the route names nothing (404), so production shows no trace of it.
 */
export function sandboxRoutes(app: FastifyInstance, sandbox: Sandbox | undefined): void {
  app.post('/admin/v1/sandbox/reset', async (req) => {
    if (!sandbox) throw notFound();
    const attrs = readAttributes(req.body, { permitted: ['lead_provider_id'] })!;
    const given = attrs.lead_provider_id;
    const id = typeof given === 'string' ? given.toLowerCase() : '';
    if (!LEAD_PROVIDERS.some((lp) => lp.id === id)) {
      throw unprocessable([
        {
          title: 'lead_provider_id',
          detail:
            given === undefined || given === null || given === ''
              ? "Enter a '#/lead_provider_id'."
              : "The '#/lead_provider_id' is not a lead provider.",
        },
      ]);
    }
    const report = await sandbox.reset(id);
    return {
      data: {
        id,
        type: 'sandbox-reset',
        attributes: {
          lead_provider_id: id,
          dataset_version: SANDBOX_DATASET_VERSION,
          duration_ms: report.durationMs,
          reset_at: toRfc3339(new Date()),
        },
      },
    };
  });
}
