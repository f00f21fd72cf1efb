import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import {
  ApiError,
  badRequest,
  isUuid,
  list,
  notFound,
  parsePagination,
  toRfc3339,
  type MikroORM,
} from '@npq/service-kit';
import type { ApiComponents } from '@npq/contracts';
import { SERVICES, type ServiceFanOut } from './fan-out';

type Schemas = ApiComponents['schemas'];
type StatusAttributes = Schemas['SystemStatus']['attributes'];
type ParkedAttributes = Schemas['ParkedMessageDetailAttributes'] & { id: string };

/** What each service's `GET /internal/ops/status` answers (packages/service-kit/src/internal-ops.ts). */
interface ServiceStatus {
  service: string;
  dependencies: { postgres: boolean; nats: boolean };
  queues: StatusAttributes['queues'];
  consumer: StatusAttributes['consumers'][number] | null;
  outbox: StatusAttributes['outbox'][number] | null;
  parked_messages: StatusAttributes['parked_messages'][number] | null;
  extra: Record<string, Record<string, number> | undefined>;
}

const PARKED_STATES = ['parked', 'redriven', 'discarded'] as const;

async function probe(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error()), ms)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function counts<K extends string>(
  keys: readonly K[],
  source: Record<string, number> | undefined,
): Record<K, number | null> {
  return Object.fromEntries(keys.map((k) => [k, source?.[k] ?? null])) as Record<K, number | null>;
}

function parkedResource({ id, payload, ...attributes }: ParkedAttributes, withPayload: boolean) {
  return {
    id,
    type: 'parked-message' as const,
    attributes: withPayload ? { ...attributes, payload } : attributes,
  };
}

/**
 * The operator endpoints the gateway serves itself by asking every service (docs/operations.md, "System
 * status" and "Parked messages"): no service owns them, each holds its own part.
 */
export function opsRoutes(
  app: FastifyInstance,
  deps: { fanOut: ServiceFanOut; orm: MikroORM; redis: Redis },
): void {
  const { fanOut } = deps;

  app.get('/admin/v1/system/status', async (req) => {
    const [answers, postgres, redis] = await Promise.all([
      fanOut.all<ServiceStatus>('GET', '/internal/ops/status', req.id),
      probe(deps.orm.em.fork().execute('select 1'), 1000),
      probe(deps.redis.ping(), 1000),
    ]);
    const up = answers.flatMap((a) => (a && a.status === 200 ? [a.body] : []));
    const extra = (key: string) => up.find((s) => s.extra[key] !== undefined)?.extra[key];
    const attributes: StatusAttributes = {
      generated_at: toRfc3339(new Date()),
      services: [
        { name: 'gateway', status: 'up' },
        ...SERVICES.map((name, i) => ({
          name,
          status: answers[i]?.status === 200 ? ('up' as const) : ('down' as const),
        })),
      ],
      dependencies: [
        { name: 'postgres', status: postgres ? 'up' : 'down' },
        { name: 'redis', status: redis ? 'up' : 'down' },
        // The gateway holds no NATS connection: NATS is up when a service reaches it.
        { name: 'nats', status: up.some((s) => s.dependencies.nats) ? 'up' : 'down' },
      ],
      queues: up.flatMap((s) => s.queues),
      consumers: up.flatMap((s) => (s.consumer ? [s.consumer] : [])),
      outbox: up.flatMap((s) => (s.outbox ? [s.outbox] : [])),
      parked_messages: up.flatMap((s) => (s.parked_messages ? [s.parked_messages] : [])),
      outcome_deliveries: counts(['pending', 'failed'], extra('outcome_deliveries')),
      webhook_subscriptions: counts(['active', 'failing', 'disabled'], extra('webhook_subscriptions')),
      statements_due: counts(['payable', 'authorised_unpaid'], extra('statements_due')),
    };
    return { data: { id: 'current', type: 'system-status', attributes } };
  });

  app.get('/admin/v1/parked-messages', async (req) => {
    const query = req.query as Record<string, unknown>;
    const filter = (query.filter ?? {}) as Record<string, unknown>;
    const state = query.state ?? filter.state ?? 'parked';
    if (typeof state !== 'string' || !(PARKED_STATES as readonly string[]).includes(state)) {
      throw badRequest(`The 'state' must be one of ${PARKED_STATES.join(', ')}`);
    }
    const { offset, limit } = parsePagination(query);
    const wanted = Math.min(offset + limit, 10_000);
    const answers = await fanOut.all<{ data: ParkedAttributes[] }>(
      'GET',
      `/internal/ops/parked-messages?state=${state}&limit=${wanted}`,
      req.id,
    );
    for (const [i, a] of answers.entries()) {
      if (!a || a.status !== 200) {
        req.log.warn({ service: SERVICES[i], status: a?.status }, 'parked messages of a service left out');
      }
    }
    const rows = answers
      .flatMap((a) => (a && a.status === 200 ? a.body.data : []))
      // Newest first across services, then id (descending, as each service orders its own).
      .sort((a, b) =>
        a.parked_at === b.parked_at ? (a.id < b.id ? 1 : -1) : a.parked_at < b.parked_at ? 1 : -1,
      );
    return list(rows.slice(offset, offset + limit).map((r) => parkedResource(r, false)));
  });

  /** The one service holding the message (ids are UUIDs, unique across services). */
  const locate = async (id: string, requestId: string) => {
    if (!isUuid(id)) throw notFound();
    const answers = await fanOut.all<{ data: ParkedAttributes }>(
      'GET',
      `/internal/ops/parked-messages/${encodeURIComponent(id)}`,
      requestId,
    );
    const found = answers.find((a) => a?.status === 200);
    if (found) return found;
    // Not found where we could look; a service that did not answer might hold it.
    if (answers.some((a) => a === undefined || a.status >= 500)) {
      throw new ApiError(503, { error: 'Service unavailable' }, true, { 'retry-after': '1' });
    }
    throw notFound();
  };

  app.get<{ Params: { id: string } }>('/admin/v1/parked-messages/:id', async (req) => {
    const found = await locate(req.params.id, req.id);
    return { data: parkedResource(found.body.data, true) };
  });

  const act =
    (action: 'redrive' | 'discard') =>
    async (req: { params: { id: string }; id: string }, reply: FastifyReply) => {
      const found = await locate(req.params.id, req.id);
      const answer = await fanOut.call<{ data: ParkedAttributes } | Record<string, unknown>>(
        found.service,
        'POST',
        `/internal/ops/parked-messages/${encodeURIComponent(found.body.data.id)}/${action}`,
        req.id,
      );
      if (!answer) return reply.status(503).send({ error: 'Service unavailable' });
      if (answer.status !== 200) return reply.status(answer.status).send(answer.body);
      return { data: parkedResource((answer.body as { data: ParkedAttributes }).data, false) };
    };
  app.post<{ Params: { id: string } }>('/admin/v1/parked-messages/:id/redrive', act('redrive'));
  app.post<{ Params: { id: string } }>('/admin/v1/parked-messages/:id/discard', act('discard'));
}
