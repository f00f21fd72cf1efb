import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Redis } from 'ioredis';
import { createQueue, PLATFORM_QUEUES } from '@npq/service-kit';
import type { ConsoleContext } from '../context';
import { audit } from '../audit';
import { page } from '../views/render';

export const QUEUES_PATH = '/queues';

/**
 * Page 6: bull-board for job-level detail, behind the same sign-in (docs/console.md, "Queues"). It reads
 * and changes the queues in Redis directly: the console's one connection other than the gateway. The
 * queues are the platform's (the kit's list), in this environment's namespace.
 */
export async function queueRoutes(
  app: FastifyInstance,
  ctx: ConsoleContext,
  connection: Redis | undefined,
): Promise<void> {
  if (!connection) {
    app.get(QUEUES_PATH, async (req, reply) =>
      page(req, reply, 'queues-unavailable.njk', { title: 'Queues' }),
    );
    return;
  }
  const queues = PLATFORM_QUEUES.map((q) => createQueue(q.name, { connection, prefix: ctx.prefix }));
  app.addHook('onClose', async () => {
    await Promise.all(queues.map((q) => q.close()));
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: queues.map(
      (q, i) => new BullMQAdapter(q, { description: `${PLATFORM_QUEUES[i]!.service} worker` }),
    ),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'NPQ queues',
        hideDocsLink: true,
        miscLinks: [{ text: 'Back to the console', url: '/' }],
      },
    },
  });
  // Every change made through the dashboard (retry, promote, clean, remove...) is an audited action, named
  // after the route's fixed words (e.g. `/queues/api/queues/:queueName/:jobId/retry` is `queue.retry`).
  app.addHook('onResponse', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !req.consoleSession) return;
    const params = req.params as Record<string, string | undefined>;
    const words = (req.routeOptions.url ?? '')
      .replace(`${QUEUES_PATH}/api/`, '')
      .split('/')
      .filter((w) => w !== '' && !w.startsWith(':') && w !== 'queues');
    audit(
      req,
      `queue.${words.join('.') || 'action'}`,
      { queue: params.queueName, job_id: params.jobId, status: params.queueStatus },
      reply.statusCode < 400 ? 'done' : 'refused',
      { status: reply.statusCode },
    );
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUES_PATH });
}
