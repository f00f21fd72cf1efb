import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { badRequest } from './errors';
import { requireAdmin } from './http';
import type { EntityManager } from './orm';
import {
  countParkedMessages,
  discardParkedMessage,
  getParkedMessage,
  isParkedMessageState,
  listParkedMessages,
  redriveParkedMessage,
  type ParkedMessage,
} from './parked-messages';
import { createQueue, type Queue } from './queues';
import { createRequestPathRedis } from './redis';
import type { ServiceRuntime } from './runtime';
import { toRfc3339 } from './time';

/**
 * The internal routes every service serves for the gateway's operator endpoints (docs/operations.md,
 * "System status" and "Parked messages"), on the service's own port behind the internal credential and the
 * admin scope. The wire shapes are the gateway's business; these answer plain JSON in snake_case.
 */
export interface InternalOpsOptions {
  /**
   * The BullMQ queues the service's workers run, besides `<service>-maintenance` which every service has
   * (their depth is read from Redis, whichever process works them).
   */
  queues?: readonly string[];
  /** The service's own figures for the status page (e.g. training's DQT deliveries), keyed as on the wire. */
  status?: (em: EntityManager) => Promise<Record<string, unknown>>;
}

/** Each figure is given this long; a slower one is left out (the gateway waits about a second in all). */
const PART_TIMEOUT_MS = 700;
/** The most parked messages one list asks a service for (the gateway pages over every service's answer). */
const MAX_LIST = 10_000;

async function within<T>(p: Promise<T>, ms = PART_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function settled<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await within(p);
  } catch {
    return null;
  }
}

export function parkedMessageJson(service: string, m: ParkedMessage, withPayload: boolean) {
  return {
    id: m.id,
    service,
    consumer: m.consumer,
    subject: m.subject,
    event_id: m.eventId,
    error: m.error,
    deliveries: m.deliveries,
    parked_at: toRfc3339(m.parkedAt),
    state: m.state,
    resolved_at: toRfc3339(m.resolvedAt),
    ...(withPayload ? { payload: m.payload ?? '' } : {}),
  };
}

/** Registers `/internal/ops/*` on a service's HTTP app. */
export function addInternalOpsRoutes(
  app: FastifyInstance,
  runtime: ServiceRuntime,
  options: InternalOpsOptions = {},
): void {
  const { orm, service } = runtime;
  const schema = () => `"${orm.config.get('schema')}"`;
  // Redis only for queue depths, opened on the first status request; it fails fast while Redis is away.
  let redis: Redis | undefined;
  let queues: Queue[] | undefined;
  const queueNames = [`${service}-maintenance`, ...(options.queues ?? [])];
  const openQueues = async (): Promise<Queue[]> => {
    redis ??= createRequestPathRedis(runtime.config.REDIS_URL, `${service}-ops`, runtime.logger, 500);
    if (redis.status !== 'ready') {
      const connection = redis;
      await new Promise<void>((resolve, reject) => {
        // The listener goes with the timeout, so a status page polled while Redis is away leaks none.
        const ready = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          connection.off('ready', ready);
          reject(new Error('redis not ready'));
        }, 400);
        connection.once('ready', ready);
      });
    }
    queues ??= queueNames.map((name) =>
      createQueue(name, { connection: redis!, prefix: runtime.naming.queuePrefix }),
    );
    return queues;
  };
  app.addHook('onClose', async () => {
    await Promise.all((queues ?? []).map((q) => q.close().catch(() => undefined)));
    await redis?.quit().catch(() => undefined);
  });

  const queueDepths = async () => {
    const open = await openQueues();
    return Promise.all(
      open.map(async (q) => {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
        const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        // Jobs are pushed on the left of the wait list: the oldest is the last one.
        const [oldest] = counts.waiting ? await q.getWaiting(counts.waiting - 1, counts.waiting - 1) : [];
        return {
          service,
          name: q.name,
          waiting,
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          oldest_waiting_age_seconds: oldest
            ? Math.max(0, Math.round((Date.now() - oldest.timestamp) / 1000))
            : null,
        };
      }),
    );
  };

  const consumerInfo = async () => {
    const durable = runtime.naming.durable(service);
    const info = await runtime.messaging.jsm.consumers.info(runtime.naming.stream, durable);
    return {
      service,
      consumer: durable,
      pending: info.num_pending,
      ack_pending: info.num_ack_pending,
      redelivered: info.num_redelivered,
    };
  };

  const outbox = async () => {
    const rows: { n: string; age: string | null }[] = await orm.em
      .fork()
      .execute(
        `select count(*)::text as n, extract(epoch from now() - min(created_at))::text as age from ${schema()}."outbox" where published_at is null`,
      );
    const age = rows[0]?.age;
    return {
      service,
      backlog: Number(rows[0]?.n ?? 0),
      oldest_age_seconds: age === null || age === undefined ? null : Math.max(0, Math.round(Number(age))),
    };
  };

  const check = async (name: string): Promise<boolean> => {
    const probe = runtime.healthChecks[name];
    if (!probe) return false;
    return (await settled(probe().then(() => true))) ?? false;
  };

  app.get('/internal/ops/status', async (req) => {
    requireAdmin(req);
    const [postgres, nats, queueRows, consumer, outboxRow, parked, extra] = await Promise.all([
      check('postgres'),
      check('nats'),
      settled(queueDepths()),
      settled(consumerInfo()),
      settled(outbox()),
      settled(countParkedMessages(orm)),
      options.status ? settled(options.status(orm.em.fork())) : Promise.resolve({}),
    ]);
    return {
      service,
      dependencies: { postgres, nats },
      queues: queueRows ?? [],
      consumer,
      outbox: outboxRow,
      parked_messages: parked === null ? null : { service, count: parked },
      extra: extra ?? {},
    };
  });

  app.get('/internal/ops/parked-messages', async (req) => {
    requireAdmin(req);
    const query = req.query as Record<string, unknown>;
    const state = query.state ?? 'parked';
    if (!isParkedMessageState(state))
      throw badRequest("The 'state' must be one of parked, redriven, discarded");
    const asked = typeof query.limit === 'string' ? Number.parseInt(query.limit, 10) : MAX_LIST;
    const limit = Math.min(MAX_LIST, Math.max(1, Number.isNaN(asked) ? MAX_LIST : asked));
    const rows = await listParkedMessages(orm, state, limit);
    return { data: rows.map((m) => parkedMessageJson(service, m, false)) };
  });

  app.get<{ Params: { id: string } }>('/internal/ops/parked-messages/:id', async (req) => {
    requireAdmin(req);
    return { data: parkedMessageJson(service, await getParkedMessage(orm, req.params.id), true) };
  });

  app.post<{ Params: { id: string } }>('/internal/ops/parked-messages/:id/redrive', async (req) => {
    requireAdmin(req);
    const message = await redriveParkedMessage(
      {
        orm,
        naming: runtime.naming,
        consumer: runtime.eventHandlers ? { name: service, handlers: runtime.eventHandlers } : undefined,
      },
      req.params.id,
    );
    req.log.info({ parkedMessageId: message.id, eventId: message.eventId }, 'parked message redriven');
    return { data: parkedMessageJson(service, message, false) };
  });

  app.post<{ Params: { id: string } }>('/internal/ops/parked-messages/:id/discard', async (req) => {
    requireAdmin(req);
    const message = await discardParkedMessage(orm, req.params.id);
    req.log.info({ parkedMessageId: message.id, eventId: message.eventId }, 'parked message discarded');
    return { data: parkedMessageJson(service, message, false) };
  });
}
