import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import replyFrom from '@fastify/reply-from';
import type { Redis } from 'ioredis';
import {
  ApiError,
  assertFilterShape,
  badRequest,
  createHttpApp,
  INTERNAL_HEADERS,
  notFound,
  parseServerDate,
  type CallerScope,
  type Config,
  type HttpApp,
  type Logger,
  type MikroORM,
} from '@npq/service-kit';
import { Authenticator, type AuthenticatedCaller } from './auth/authenticate';
import { TokenCache } from './auth/token-cache';
import { docsRoutes } from './docs/routes';
import { leadProviderRoutes } from './lead-providers/routes';
import { canonicalTarget, type CanonicalTarget } from './proxy/canonical-url';
import { buildRouteTable, scopeOf, type GatewayRoute, type Owner } from './proxy/route-table';
import { InFlightLimiter } from './rate-limit/in-flight';
import { RateLimiter } from './rate-limit/rate-limiter';
import { tokenRoutes } from './tokens/routes';
import { sandboxRoutes } from './sandbox/routes';
import { ServiceFanOut } from './ops/fan-out';
import { opsRoutes } from './ops/routes';
import { Sandbox } from './sandbox/sandbox';
import { tokenFromHeader } from './tokens/token-digest';

export interface GatewayDeps {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  redis: Redis;
  /** Redis key prefix shared by every replica of this environment (rate-limit counters). */
  keyPrefix: string;
  upstreams?: Partial<Record<Exclude<Owner, 'gateway'>, string>>;
}

declare module 'fastify' {
  interface FastifyRequest {
    authenticated: AuthenticatedCaller | undefined;
  }
}

const SERVER_DATE_HEADER = 'x-with-server-date';
/**
 * Headers never forwarded to a service: the credentials and clock a client must not set on the internal
 * hop, and hop-by-hop headers that describe the client's connection, not the gateway's (an `Expect`
 * header, for one, makes the internal HTTP client refuse the request).
 */
const STRIPPED = new Set([
  'authorization',
  SERVER_DATE_HEADER,
  ...Object.values(INTERNAL_HEADERS),
  'expect',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
]);

/** How long a verified token is trusted without asking the database (revocations evict at once). */
const TOKEN_CACHE_TTL_MS = 10_000;

/** Paths that need a credential: the throttles and the failed-authentication limit apply to them. */
function needsCredential(path: string): boolean {
  return (path.startsWith('/api/') && !path.startsWith('/api/docs')) || path.startsWith('/admin/');
}

/** Refusals found while canonicalising a request target, answered by the first hook. */
const refusals = new WeakMap<IncomingMessage, Extract<CanonicalTarget, { ok: false }>>();
/** The canonical query string of each request, forwarded exactly as the client sent it. */
const queries = new WeakMap<IncomingMessage, string>();

function rewriteUrl(url: string, raw: IncomingMessage): string {
  const target = canonicalTarget(url);
  if (!target.ok) {
    refusals.set(raw, target);
    return '/';
  }
  queries.set(raw, target.query);
  return target.url;
}

function tooManyInFlight(max: number): ApiError {
  return new ApiError(
    429,
    {
      errors: [
        {
          title: 'Too many requests',
          detail: `This token already has ${max} requests in progress; retry when one of them has finished`,
        },
      ],
    },
    true,
    { 'retry-after': '1' },
  );
}

/**
 * The only public entry point. Per request: the canonical request target (404 for a path that names
 * nothing, 400 for a malformed query), then in DfE's order rate limit (429), sandbox clock header, routing
 * (404), `filter` shape (400, before authentication), authentication (401; failures counted per client
 * address), the per-token in-flight cap (429), then the proxy to the owning service with the caller,
 * request id, clock and internal credential in internal headers. docs/security.md describes each step.
 */
export async function buildGateway(deps: GatewayDeps): Promise<HttpApp> {
  const { config, logger, orm } = deps;
  const http = createHttpApp({
    logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    orm,
    rewriteUrl,
    public: true,
    hsts: config.NODE_ENV === 'production',
    ownCspPrefixes: ['/api/docs'],
    maxEventLoopDelayMs: config.NPQ_MAX_EVENT_LOOP_DELAY_MS,
    trustProxy: config.GATEWAY_TRUST_PROXY,
    // Redis is left out on purpose: the gateway works without it (limits fail open).
    healthChecks: { postgres: () => orm.em.fork().execute('select 1') },
  });
  const app = http.app;
  const limiter = new RateLimiter(
    deps.redis,
    deps.keyPrefix,
    {
      max: config.RATE_LIMIT_MAX,
      windowSeconds: config.RATE_LIMIT_WINDOW_S,
      authFailuresMax: config.RATE_LIMIT_AUTH_FAILURES_MAX,
      authFailuresWindowSeconds: config.RATE_LIMIT_AUTH_FAILURES_WINDOW_S,
    },
    logger,
    http.metrics,
  );
  const inFlight = new InFlightLimiter(config.GATEWAY_MAX_IN_FLIGHT_PER_TOKEN);
  const tokenCache = new TokenCache(
    TOKEN_CACHE_TTL_MS,
    deps.redis,
    `${deps.keyPrefix}:api-token-revoked`,
    logger,
  );
  await tokenCache.listen();
  app.addHook('onClose', () => tokenCache.close());
  const authenticator = new Authenticator(
    orm,
    config.TOKEN_HMAC_SECRET,
    config.NPQ_ADMIN_TOKEN,
    tokenCache,
    logger,
  );
  const upstreams: Record<Exclude<Owner, 'gateway'>, string> = {
    applications: deps.upstreams?.applications ?? config.APPLICATIONS_URL,
    training: deps.upstreams?.training ?? config.TRAINING_URL,
    finance: deps.upstreams?.finance ?? config.FINANCE_URL,
    webhooks: deps.upstreams?.webhooks ?? config.WEBHOOKS_URL,
  };

  app.decorateRequest('authenticated', undefined);

  app.addHook('onRequest', async (req) => {
    const refusal = refusals.get(req.raw);
    if (!refusal) return;
    throw refusal.status === 404 ? notFound() : badRequest(refusal.detail ?? 'Bad request');
  });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    if (!needsCredential(path)) return;
    // The admin API is not throttled per token (docs/security.md); failed attempts are, on every scope.
    const perToken = scopeOf(path) !== 'admin' ? tokenFromHeader(req.headers.authorization) : undefined;
    const decision = await limiter.check(perToken, req.ip);
    if (decision.allowed) return;
    req.log.warn({ reason: decision.reason, retryAfter: decision.retryAfterSeconds }, 'rate limited');
    // DfE's body and type (rack-attack), plus the Retry-After header DfE omits.
    return reply
      .status(429)
      .header('retry-after', String(decision.retryAfterSeconds))
      .type('text/plain')
      .send('Retry later\n');
  });

  app.addHook('onRequest', async (req) => {
    const raw = req.headers[SERVER_DATE_HEADER];
    if (!config.SANDBOX || raw === undefined) return;
    const value = Array.isArray(raw) ? raw[0] : raw;
    const parsed = value === undefined ? null : parseServerDate(value);
    if (!parsed) {
      throw new ApiError(400, {
        errors: [
          {
            title: 'Bad request',
            detail: 'The X-With-Server-Date header must be a valid ISO 8601 date and time',
          },
        ],
      });
    }
    req.frozenNow = parsed;
  });

  const guard = (scope: CallerScope) => async (req: FastifyRequest, reply: FastifyReply) => {
    assertFilterShape(req.query as Record<string, unknown>);
    try {
      req.authenticated = await authenticator.authenticate(req, scope);
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 401) limiter.recordAuthFailure(req.ip);
      throw err;
    }
    const release = inFlight.acquire(req.authenticated.callerKey);
    if (!release) throw tooManyInFlight(inFlight.max);
    // Whatever ends the exchange (response sent, client gone) gives the caller's place back.
    reply.raw.once('close', release);
  };

  await app.register(replyFrom, {
    undici: { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 },
    disableRequestLogging: true,
  });

  const table = buildRouteTable();
  for (const route of table) {
    if (route.owner === 'gateway') continue;
    registerProxyRoute(app, route, upstreams[route.owner], config.INTERNAL_API_SECRET, guard(route.scope));
  }

  await app.register(async (admin) => {
    admin.addHook('onRequest', guard('admin'));
    leadProviderRoutes(admin);
    tokenRoutes(admin, config.TOKEN_HMAC_SECRET, tokenCache);
    // The sandbox dataset's reset (docs/sandbox.md); absent (404) outside the sandbox.
    sandboxRoutes(admin, config.SANDBOX ? new Sandbox({ config, logger, upstreams }) : undefined);
    // System status and parked messages: asked of every service (docs/operations.md).
    opsRoutes(admin, {
      fanOut: new ServiceFanOut(upstreams, config.INTERNAL_API_SECRET),
      orm,
      redis: deps.redis,
    });
  });

  await docsRoutes(app);
  return http;
}

function registerProxyRoute(
  app: FastifyInstance,
  route: GatewayRoute,
  upstream: string,
  internalSecret: string,
  guard: (req: FastifyRequest, reply: FastifyReply) => Promise<void>,
): void {
  app.route({
    method: route.method,
    url: route.url,
    // Before the body is read: like DfE, an unauthenticated request is a 401 whatever its body.
    onRequest: guard,
    handler: (req: FastifyRequest, reply: FastifyReply) => {
      const caller = req.authenticated!;
      const hasBody = req.method !== 'GET' && req.method !== 'DELETE';
      // The body as the client sent it (already checked by the JSON parser), never re-serialised; an
      // ignored or empty body is forwarded as none.
      const body = hasBody && req.body !== undefined && req.body !== null ? req.rawBody : undefined;
      const path = req.url.split('?', 1)[0]!;
      const query = queries.get(req.raw) ?? '';
      return reply.from(`${upstream}${path}`, {
        body: hasBody ? (body ?? null) : undefined,
        contentType: body !== undefined ? 'application/json' : undefined,
        // Passed apart from the path, so the proxy never decodes the query (it is forwarded as sent).
        queryString: () => query,
        rewriteRequestHeaders: (_original, headers) => {
          const out: Record<string, string | string[] | undefined> = {};
          for (const [name, value] of Object.entries(headers)) {
            if (!STRIPPED.has(name.toLowerCase())) out[name] = value;
          }
          out[INTERNAL_HEADERS.secret] = internalSecret;
          out[INTERNAL_HEADERS.scope] = caller.scope;
          if (caller.leadProviderId) out[INTERNAL_HEADERS.leadProviderId] = caller.leadProviderId;
          if (req.frozenNow) out[INTERNAL_HEADERS.now] = req.frozenNow.toISOString();
          out[INTERNAL_HEADERS.requestId] = req.id;
          return out;
        },
        onError: (rep, { error }) => {
          req.log.error({ err: error, owner: route.owner }, 'upstream unavailable');
          void rep.status(503).send({ error: 'Service unavailable' });
        },
      });
    },
  });
}
