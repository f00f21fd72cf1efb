import type { FastifyInstance } from 'fastify';
import { page } from '../views/render';

/** Page 1: the platform at a glance, from `GET /admin/v1/system/status` (docs/console.md, "Overview"). */
export function overviewRoutes(app: FastifyInstance): void {
  app.get('/', async (req, reply) => {
    const api = req.consoleSession!.api;
    const [status, providers] = await Promise.all([api.systemStatus(), api.leadProviders()]);
    const down = [...status.services, ...status.dependencies].filter((s) => s.status === 'down');
    const parked = status.parked_messages.reduce((n, p) => n + p.count, 0);
    const failedJobs = status.queues.reduce((n, q) => n + q.failed, 0);
    return page(req, reply, 'overview.njk', {
      title: 'Overview',
      status,
      down,
      parked,
      failedJobs,
      providerCount: providers.length,
    });
  });
}
