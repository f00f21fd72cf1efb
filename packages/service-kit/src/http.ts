import { randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import qs from 'qs';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { runWithClock } from './clock';
import { ApiError, badRequest, internalError, notFound, payloadTooLarge, unauthorized } from './errors';
import type { EntityManager, MikroORM } from './orm';

export const INTERNAL_HEADERS = {
  secret: 'x-npq-internal-secret',
  scope: 'x-npq-scope',
  leadProviderId: 'x-npq-lead-provider-id',
  now: 'x-npq-now',
  requestId: 'x-request-id',
} as const;

export type CallerScope = 'lead_provider' | 'admin' | 'teacher_record_service';

declare module 'fastify' {
  interface FastifyRequest {
    /** A MikroORM fork for this request only. */
    em: EntityManager;
    /** Who the gateway authenticated (services only). */
    caller: { scope: CallerScope | undefined; leadProviderId: string | undefined };
    /** The sandbox clock forwarded by the gateway, if any. */
    frozenNow: Date | undefined;
  }
}

export type HealthCheck = () => Promise<unknown>;

export interface HttpAppOptions {
  logger: Logger;
  bodyLimit: number;
  /** Services: refuse requests without the gateway's internal credential. The gateway itself: undefined. */
  internalSecret?: string;
  orm?: MikroORM;
  healthChecks?: Record<string, HealthCheck>;
  /** Extra gauges etc. registered by the caller. */
  metrics?: Registry;
  /** Rewrites each request's URL before routing (the gateway normalises v3 paths the way Rails does). */
  rewriteUrl?: (url: string) => string;
}

export interface HttpApp {
  app: FastifyInstance;
  metrics: Registry;
  /** Flip readiness to 503 before closing, so load balancers stop sending traffic. */
  markDraining(): void;
}

const JSON_TYPES = ['application/json', 'text/x-json', 'application/jsonrequest'];
const UNPROTECTED = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/** Constant-time string comparison for credentials. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Maps anything thrown while handling a request to a typed API error (never a 500 for client input). */
export function toApiError(err: unknown, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  const fe = (typeof err === 'object' && err !== null ? err : {}) as Partial<FastifyError>;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return payloadTooLarge(bodyLimit);
  if (fe.validation) return badRequest(fe.message ?? 'Bad request');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.statusCode === 404) return notFound();
    if (fe.statusCode === 413) return payloadTooLarge(bodyLimit);
    return new ApiError(fe.statusCode, {
      errors: [{ title: 'Bad request', detail: fe.message ?? 'Bad request' }],
    });
  }
  return internalError();
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
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

/**
 * The Fastify instance every process starts from: request ids, JSON-only bodies with DfE's error shapes,
 * body limit, query parsing with nested `filter[...]`/`page[...]`, the per-request clock and ORM fork,
 * the internal credential check, health, readiness and Prometheus metrics.
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { logger, bodyLimit } = options;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit,
    requestIdHeader: INTERNAL_HEADERS.requestId,
    genReqId: () => randomUUID(),
    routerOptions: {
      ignoreTrailingSlash: false,
      maxParamLength: 200,
      // Nested `filter[...]`/`page[...]` like Rack: a repeated key keeps its last value and a bare key
      // (`?filter`, no `=`) is null, which the parsers treat as absent.
      querystringParser: (str: string) =>
        qs.parse(str, {
          depth: 3,
          arrayLimit: 50,
          parameterLimit: 200,
          duplicates: 'last',
          strictNullHandling: true,
        }) as Record<string, unknown>,
    },
    return503OnClosing: true,
    ...(options.rewriteUrl
      ? { rewriteUrl: (req: { url?: string }) => options.rewriteUrl!(req.url ?? '/') }
      : {}),
  });

  const registry = options.metrics ?? new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  let draining = false;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badRequest('The request body is not valid JSON'), undefined);
    }
  });
  // Like Rails, a body of any other type (e.g. application/vnd.api+json) is ignored, not rejected.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  app.decorateRequest('em', null as unknown as EntityManager);
  app.decorateRequest('caller', null as unknown as FastifyRequest['caller']);
  app.decorateRequest('frozenNow', undefined);

  app.addHook('onRequest', async (req) => {
    if (options.internalSecret !== undefined && !UNPROTECTED.test(req.url)) {
      const presented = req.headers[INTERNAL_HEADERS.secret];
      if (typeof presented !== 'string' || !safeEqual(presented, options.internalSecret))
        throw unauthorized();
      const scope = req.headers[INTERNAL_HEADERS.scope];
      const lp = req.headers[INTERNAL_HEADERS.leadProviderId];
      req.caller = {
        scope: typeof scope === 'string' ? (scope as CallerScope) : undefined,
        leadProviderId: typeof lp === 'string' && lp !== '' ? lp : undefined,
      };
      const nowHeader = req.headers[INTERNAL_HEADERS.now];
      if (typeof nowHeader === 'string' && nowHeader !== '') {
        const parsed = new Date(nowHeader);
        if (!Number.isNaN(parsed.getTime())) req.frozenNow = parsed;
      }
    } else {
      req.caller = { scope: undefined, leadProviderId: undefined };
    }
    if (options.orm) req.em = options.orm.em.fork();
  });

  // Every handler runs inside the request's clock, so "now" is consistent across the whole command.
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function wrapped(this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      return runWithClock(req.frozenNow, () => handler.call(this, req, reply));
    };
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const type = reply.getHeader('content-type');
    // DfE's responses say exactly "application/json" (no charset).
    if (typeof type === 'string' && type.startsWith('application/json'))
      reply.header('content-type', 'application/json');
    reply.header('cache-control', 'no-store');
    reply.header(INTERNAL_HEADERS.requestId, req.id);
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    duration.observe(
      {
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler((err, req, reply) => {
    const apiError = toApiError(err, bodyLimit);
    if (apiError.expected)
      req.log.warn({ status: apiError.statusCode, reason: apiError.message }, 'request refused');
    else req.log.error({ err }, 'request failed');
    void reply.status(apiError.statusCode).headers(apiError.headers).send(apiError.body);
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send(notFound().body);
  });

  app.get('/health/live', { logLevel: 'silent' }, async () => ({ status: 'ok' }));

  app.get('/health/ready', { logLevel: 'silent' }, async (_req, reply) => {
    const results: Record<string, string> = {};
    let ok = !draining;
    for (const [name, check] of Object.entries(options.healthChecks ?? {})) {
      try {
        await withTimeout(check(), 2000);
        results[name] = 'ok';
      } catch (err) {
        ok = false;
        results[name] = err instanceof Error ? err.message : 'failed';
      }
    }
    return reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : draining ? 'draining' : 'unavailable', checks: results });
  });

  app.get('/metrics', { logLevel: 'silent' }, async (_req, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  return {
    // Our pino Logger is a superset of Fastify's base logger; expose the default instance type.
    app: app as unknown as FastifyInstance,
    metrics: registry,
    markDraining: () => {
      draining = true;
    },
  };
}

/** The authenticated lead provider of a v3 request (the gateway always sets it; anything else is a 401). */
export function requireLeadProvider(req: FastifyRequest): string {
  if (req.caller.scope !== 'lead_provider' || !req.caller.leadProviderId) throw unauthorized();
  return req.caller.leadProviderId;
}

export function requireAdmin(req: FastifyRequest): void {
  if (req.caller.scope !== 'admin') throw unauthorized();
}

export function requireScope(req: FastifyRequest, scope: CallerScope): void {
  if (req.caller.scope !== scope) throw unauthorized();
}
