import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import qs from 'qs';
import underPressure from '@fastify/under-pressure';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { runWithClock } from './clock';
import { runWithIdSeed, sandboxIdsEnabled } from './sandbox-ids';
import {
  ApiError,
  badRequest,
  internalError,
  notFound,
  payloadTooLarge,
  unauthorized,
  unprocessableEntity,
} from './errors';
import { assertStorableQuery, hasUnstorableParam, parseJsonBody, SAFE_REQUEST_ID } from './input';
import {
  answerClientError,
  answerServerLevelRequests,
  drainIgnoredBody,
  securityHeaders,
} from './http-protocol';
import { addOpsRoutes } from './ops';
import type { EntityManager, MikroORM } from './orm';

export const INTERNAL_HEADERS = {
  secret: 'x-npq-internal-secret',
  scope: 'x-npq-scope',
  leadProviderId: 'x-npq-lead-provider-id',
  now: 'x-npq-now',
  requestId: 'x-request-id',
  /** The sandbox seeder's seed key (deterministic ids, see sandbox-ids.ts); honoured only in the sandbox. */
  sandboxSeed: 'x-npq-sandbox-seed',
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
    /** The JSON body's text as received (the gateway forwards it as is instead of re-serialising). */
    rawBody: string | undefined;
    /** The sandbox seeder's seed key, when `SANDBOX` is true and the seeder sent one (docs/sandbox.md). */
    sandboxSeed: string | undefined;
  }
}

import type { HealthCheck } from './ops';

export type { HealthCheck };

export interface HttpAppOptions {
  logger: Logger;
  bodyLimit: number;
  /** Services: refuse requests without the gateway's internal credential. The gateway itself: undefined. */
  internalSecret?: string;
  orm?: MikroORM;
  healthChecks?: Record<string, HealthCheck>;
  /** Extra gauges etc. registered by the caller. */
  metrics?: Registry;
  /**
   * Rewrites each request's URL before routing (the gateway's canonical request target); gets the raw
   * request too, to remember a refusal for its first hook.
   */
  rewriteUrl?: (url: string, raw: IncomingMessage) => string;
  /**
   * Public processes (the gateway) serve `/metrics` on a separate port and answer readiness without the
   * failing dependency's error text; services keep both on their own (internal) port.
   */
  public?: boolean;
  /** Shed load with a 503 once the event loop lags this much (ms, mean over a second); 0 disables. */
  maxEventLoopDelayMs?: number;
  /** Fastify's trustProxy: which proxies' X-Forwarded-For to believe for the client address. */
  trustProxy?: boolean | number | string;
  /** Send Strict-Transport-Security (production, where TLS terminates in front of the process). */
  hsts?: boolean;
  /** Path prefixes whose pages set their own Content-Security-Policy (the Swagger UI). */
  ownCspPrefixes?: string[];
}

export interface HttpApp {
  app: FastifyInstance;
  metrics: Registry;
  /** Flip readiness to 503 before closing, so load balancers stop sending traffic. */
  markDraining(): void;
}

/** A sandbox seed key: short and log-safe (`<lead provider id>/<name>`). */
const SAFE_SEED_KEY = /^[A-Za-z0-9._:/-]{1,200}$/;

const JSON_TYPES = ['application/json', 'text/x-json', 'application/jsonrequest'];
const UNPROTECTED = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/** SQLSTATE classes PostgreSQL uses for values it refuses: data exceptions (22) and size limits (54). */
const CLIENT_DATA_SQLSTATE = /^(22|54)[0-9A-Z]{3}$/;

/** serialization_failure and deadlock_detected: the transaction lost a race and was rolled back. */
const CONFLICT_SQLSTATE = new Set(['40001', '40P01']);

/**
 * A command that lost a race with a concurrent one: MikroORM's `OptimisticLockError` (a `version` column
 * that moved under it) or PostgreSQL's serialization failure or deadlock. Its transaction was rolled back,
 * so nothing changed and the same request sent again may well succeed. Not an optimistic lock asked of an
 * entity without a version column: that is a defect.
 */
export function isTransientConflict(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; message?: unknown };
  if (e.name === 'OptimisticLockError')
    return !(
      typeof e.message === 'string' && e.message.startsWith('Cannot obtain optimistic lock on unversioned')
    );
  const sqlState = sqlStateOf(err);
  return sqlState !== undefined && CONFLICT_SQLSTATE.has(sqlState);
}

/** SQLSTATEs of a database that cannot serve right now: connection errors, shutdown, too many clients. */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const UNAVAILABLE_NAMES = new Set(['ConnectionException', 'KnexTimeoutError']);
/**
 * pg's own messages for a connection that died (no SQLSTATE or errno on these): the server went away mid-query,
 * or a pooled client that saw such an error is used again ("... is not queryable"), or the pool gave up waiting.
 */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connect ECONNREFUSED|is not queryable|timeout exceeded when trying to connect/;

/**
 * Whether an error means a dependency is down rather than that something is wrong with the request:
 * answered 503 with Retry-After (the request changed nothing; retrying later is right).
 */
export function isDependencyUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code)))
    return true;
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message);
}

/** The SQLSTATE of a database error (MikroORM's DriverException and pg's errors both carry `code`). */
export function sqlStateOf(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * What a log line may say about an error. Database errors carry the statement and its parameters in their
 * message (personal data): for those only the SQLSTATE and the schema object are logged.
 */
export function errorForLog(err: unknown): Record<string, unknown> {
  const sqlState = sqlStateOf(err);
  if (sqlState) {
    const e = err as {
      name?: string;
      table?: string;
      column?: string;
      constraint?: string;
      routine?: string;
    };
    return {
      type: e.name ?? 'DatabaseError',
      sqlState,
      table: e.table,
      column: e.column,
      constraint: e.constraint,
      routine: e.routine,
    };
  }
  return { err };
}

/** Constant-time string comparison for credentials. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Maps anything thrown while handling a request to a typed API error (never a 500 for client input). */
export function toApiError(err: unknown, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  // A lost race is not a defect (logged at warn) and not the client's fault: every operation documents
  // 503 ServiceUnavailable with Retry-After, and nothing was changed (docs/operations.md, "What heals by itself"). Handlers own
  // their transactions (and wait on consumers after them), so the kit cannot safely re-run one itself.
  if (isTransientConflict(err)) {
    return new ApiError(503, { error: 'Service unavailable' }, true, { 'retry-after': '1' });
  }
  if (isDependencyUnavailable(err)) {
    return new ApiError(503, { error: 'Service unavailable' }, false, { 'retry-after': '5' });
  }
  // A value PostgreSQL refuses is the client's, not a server fault; still logged at error by the handler,
  // because a check before the database should have caught it (docs/security.md).
  const sqlState = sqlStateOf(err);
  if (sqlState && CLIENT_DATA_SQLSTATE.test(sqlState)) {
    const e = unprocessableEntity();
    return new ApiError(e.statusCode, e.body, false);
  }
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

/**
 * The `onResponse` hook observing `http_request_duration_seconds` by method, route and status: the same
 * histogram for every HTTP process (the services, the gateway, the console).
 */
export function requestDurationHook(
  registry: Registry,
): (
  req: { method: string; routeOptions: { url?: string } },
  reply: { statusCode: number; elapsedTime: number },
) => Promise<void> {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return async (req, reply) => {
    duration.observe(
      {
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  };
}

/**
 * The Fastify instance every process starts from: request ids, JSON-only bodies with DfE's error shapes,
 * body limit, query parsing with nested `filter[...]`/`page[...]`, the per-request clock and ORM fork,
 * the internal credential check, health, readiness and Prometheus metrics.
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { logger, bodyLimit } = options;
  const headersWithCsp = securityHeaders(options.hsts ?? false, true);
  const headersWithoutCsp = securityHeaders(options.hsts ?? false, false);
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit,
    // A client's (or the gateway's) request id is kept only when it is a short, log-safe token.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers[INTERNAL_HEADERS.requestId];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    },
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
    // Fastify takes a hop count too (its type omits it).
    trustProxy: (options.trustProxy ?? false) as boolean,
    // Router refusals (a malformed escape, an over-long parameter) are ids that cannot exist: DfE's 404.
    // These replies skip the onSend hooks, so their headers are set here.
    frameworkErrors: (_err, req, reply) => {
      void (reply as unknown as FastifyReply)
        .status(404)
        .headers({
          ...headersWithCsp,
          'content-type': 'application/json',
          'cache-control': 'no-store',
          [INTERNAL_HEADERS.requestId]: req.id,
        })
        // A Buffer, because Fastify would append "; charset=utf-8" to a string's JSON content type.
        .send(Buffer.from(JSON.stringify(notFound().body)));
    },
    clientErrorHandler: answerClientError,
    // A request without a Host header is still a request (Rails serves it); Node would answer 400 empty.
    http: { requireHostHeader: false },
    ...(options.rewriteUrl
      ? { rewriteUrl: (req: IncomingMessage) => options.rewriteUrl!(req.url ?? '/', req) }
      : {}),
  });

  const registry = options.metrics ?? new Registry();
  collectDefaultMetrics({ register: registry });

  let draining = false;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      const parsed = parseJsonBody(text);
      req.rawBody = text;
      done(null, parsed);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // Like Rails, a body of any other type (e.g. application/vnd.api+json) is ignored, not rejected.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  app.decorateRequest('em', null as unknown as EntityManager);
  app.decorateRequest('caller', null as unknown as FastifyRequest['caller']);
  app.decorateRequest('frozenNow', undefined);
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('sandboxSeed', undefined);

  if ((options.maxEventLoopDelayMs ?? 0) > 0) {
    void app.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      // Our envelope and a Retry-After, instead of the plugin's error (which would map to a 500).
      // The plugin sends what the handler returns and continues the request when it returns nothing; its
      // type declares `void` only, hence the cast.
      pressureHandler: ((req: FastifyRequest, reply: FastifyReply, type: string) => {
        if (req.url === '/health/live') return undefined; // alive, only busy: never restarted for it
        req.log.warn({ type }, 'shedding load');
        void reply.status(503).header('retry-after', '5');
        return { error: 'Service unavailable' };
      }) as unknown as () => void,
    });
  }

  answerServerLevelRequests(app.server);
  app.addHook('onRequest', async (req) => drainIgnoredBody(req));

  // Query text PostgreSQL cannot store is refused before anything else looks at it (DfE parses the query
  // string before routing and authentication, so this comes first).
  app.addHook('onRequest', async (req) => {
    assertStorableQuery(req.query);
  });

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
      const seed = req.headers[INTERNAL_HEADERS.sandboxSeed];
      if (sandboxIdsEnabled() && typeof seed === 'string' && SAFE_SEED_KEY.test(seed)) req.sandboxSeed = seed;
    } else {
      req.caller = { scope: undefined, leadProviderId: undefined };
    }
    if (options.orm) req.em = options.orm.em.fork();
  });

  // Every handler runs inside the request's clock, so "now" is consistent across the whole command.
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function wrapped(this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      return runWithClock(req.frozenNow, () =>
        runWithIdSeed(req.sandboxSeed, () => handler.call(this, req, reply)),
      );
    };
  });

  // A path parameter that could never be stored identifies nothing: 404 (after authentication, which
  // route-level onRequest hooks do, so an anonymous caller still gets its 401 first).
  app.addHook('preValidation', async (req) => {
    if (hasUnstorableParam(req.params)) throw notFound();
  });

  const ownCsp = options.ownCspPrefixes ?? [];
  app.addHook('onSend', async (req, reply, payload) => {
    const type = reply.getHeader('content-type');
    // DfE's responses say exactly "application/json" (no charset).
    if (typeof type === 'string' && type.startsWith('application/json'))
      reply.header('content-type', 'application/json');
    reply.header('cache-control', 'no-store');
    reply.header(INTERNAL_HEADERS.requestId, req.id);
    reply.headers(ownCsp.some((p) => req.url.startsWith(p)) ? headersWithoutCsp : headersWithCsp);
    return payload;
  });

  app.addHook('onResponse', requestDurationHook(registry));

  app.setErrorHandler((err, req, reply) => {
    // The client went away while sending its request: nobody is left to answer, and nothing is wrong here.
    if (req.raw.readableAborted || (err as { message?: unknown } | undefined)?.message === 'aborted') {
      req.log.warn({ reason: 'client closed the connection' }, 'request abandoned');
      void reply.status(400).send(badRequest('The request was not received completely').body);
      return;
    }
    const apiError = toApiError(err, bodyLimit);
    if (apiError.expected)
      req.log.warn(
        {
          status: apiError.statusCode,
          reason: apiError.message,
          ...(isTransientConflict(err) ? { conflict: errorForLog(err) } : {}),
        },
        'request refused',
      );
    // A dependency that is down heals by itself (docs/operations.md, "Signals"): warn, with the cause.
    else if (isDependencyUnavailable(err))
      req.log.warn(
        { ...errorForLog(err), status: apiError.statusCode },
        'request refused: dependency unavailable',
      );
    else req.log.error({ ...errorForLog(err), status: apiError.statusCode }, 'request failed');
    void reply.status(apiError.statusCode).headers(apiError.headers).send(apiError.body);
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send(notFound().body);
  });

  addOpsRoutes(app as unknown as FastifyInstance, {
    healthChecks: options.healthChecks,
    registry,
    isDraining: () => draining,
    // The public port says which dependency is down, not why (error texts name hosts and ports).
    detailed: !options.public,
    metrics: !options.public,
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
