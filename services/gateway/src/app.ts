import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import replyFrom from '@fastify/reply-from';
import type { Redis } from 'ioredis';
import {
  ApiError,
  assertFilterShape,
  createHttpApp,
  INTERNAL_HEADERS,
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
import { buildRouteTable, type GatewayRoute, type Owner } from './proxy/route-table';
import { RateLimiter } from './rate-limit/rate-limiter';
import { tokenRoutes } from './tokens/routes';

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
/** Headers a client must never be able to set on the internal hop. */
const STRIPPED = new Set(['authorization', SERVER_DATE_HEADER, ...Object.values(INTERNAL_HEADERS)]);

/** How long a verified token is trusted without asking the database (revocations evict at once). */
const TOKEN_CACHE_TTL_MS = 10_000;

/**
 * Rails normalises every path before routing (repeated slashes squeezed, one trailing slash dropped), and
 * DfE's resource routes take an optional `.format` suffix (always answered in JSON). A client written
 * against DfE may rely on either, so the DfE-shaped paths are normalised the same way before routing and
 * proxying; the query string is kept as sent.
 */
export function normalizeApiUrl(url: string): string {
  const q = url.indexOf('?');
  let path = (q === -1 ? url : url.slice(0, q)).replace(/\/{2,}/g, '/');
  if (!/^\/api\/(v3|teacher-record-service|teaching-record-system)\//.test(path)) return url;
  if (path.endsWith('/')) path = path.slice(0, -1);
  path = path.replace(/\.[^/.]+$/, '');
  return q === -1 ? path : `${path}${url.slice(q)}`;
}

function isThrottled(url: string): boolean {
  return url.startsWith('/api/') && !url.startsWith('/api/docs');
}

/**
 * The only public entry point. Per request, in DfE's order: rate limit (429), sandbox clock header,
 * routing (404), `filter` shape (400, before authentication), authentication (401), then the proxy to the
 * owning service with the caller, request id, clock and internal credential in internal headers.
 */
export async function buildGateway(deps: GatewayDeps): Promise<HttpApp> {
  const { config, logger, orm } = deps;
  const http = createHttpApp({
    logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    orm,
    rewriteUrl: normalizeApiUrl,
    healthChecks: {
      postgres: () => orm.em.fork().execute('select 1'),
      redis: () => deps.redis.ping(),
    },
  });
  const app = http.app;
  const limiter = new RateLimiter(
    deps.redis,
    deps.keyPrefix,
    config.RATE_LIMIT_MAX,
    config.RATE_LIMIT_WINDOW_S,
  );
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
  };

  app.decorateRequest('authenticated', undefined);

  app.addHook('onRequest', async (req, reply) => {
    const authorization = req.headers.authorization;
    if (!authorization || !isThrottled(req.url)) return;
    try {
      const decision = await limiter.hit(authorization);
      if (!decision.allowed) {
        req.log.warn({ retryAfter: decision.retryAfterSeconds }, 'rate limited');
        // DfE's body and type (rack-attack), plus the Retry-After header DfE omits.
        return reply
          .status(429)
          .header('retry-after', String(decision.retryAfterSeconds))
          .type('text/plain')
          .send('Retry later\n');
      }
    } catch (err) {
      // A Redis outage must not take the API down: fail open, loudly.
      req.log.error({ err }, 'rate limiter unavailable');
    }
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

  const guard = (scope: CallerScope) => async (req: FastifyRequest) => {
    assertFilterShape(req.query as Record<string, unknown>);
    req.authenticated = await authenticator.authenticate(req, scope);
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
  });

  await docsRoutes(app);
  return http;
}

function registerProxyRoute(
  app: FastifyInstance,
  route: GatewayRoute,
  upstream: string,
  internalSecret: string,
  guard: (req: FastifyRequest) => Promise<void>,
): void {
  app.route({
    method: route.method,
    url: route.url,
    // Before the body is read: like DfE, an unauthenticated request is a 401 whatever its body.
    onRequest: guard,
    handler: (req: FastifyRequest, reply: FastifyReply) => {
      const caller = req.authenticated!;
      const hasBody = req.method !== 'GET' && req.method !== 'DELETE';
      return reply.from(`${upstream}${req.url}`, {
        // Re-serialised JSON when there was a body; an ignored or empty body is forwarded as none.
        body: hasBody
          ? req.body === undefined || req.body === null
            ? null
            : JSON.stringify(req.body)
          : undefined,
        contentType: hasBody && req.body !== undefined && req.body !== null ? 'application/json' : undefined,
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
