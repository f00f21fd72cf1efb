import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import nunjucks from 'nunjucks';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  addOpsRoutes,
  counter,
  isDependencyUnavailable,
  Naming,
  requestDurationHook,
  type Config,
  type HealthCheck,
  type HttpApp,
  type Logger,
} from '@npq/service-kit';
import type { ActiveSession, ConsoleContext } from './context';
import { GatewayError } from './gateway/client';
import { SessionKeys } from './session/keys';
import { SessionStore } from './session/store';
import { authRoutes, CsrfError, requireSession } from './auth/routes';
import { renderError, addFilters } from './views/render';
import { overviewRoutes } from './overview/routes';
import { statementRoutes } from './statements/routes';
import { participantRoutes } from './participants/routes';
import { outcomeDeliveryRoutes } from './outcome-deliveries/routes';
import { parkedMessageRoutes } from './parked-messages/routes';
import { leadProviderRoutes } from './lead-providers/routes';
import { webhookSubscriptionRoutes } from './webhook-subscriptions/routes';
import { queueRoutes } from './queues/routes';

/** Templates (ours, then govuk-frontend's macros) and static files: beside src/ and dist/ alike. */
const VIEWS_DIR = path.join(__dirname, '..', 'views');
const PUBLIC_DIR = path.join(__dirname, '..', 'public');
const GOVUK_DIR = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');

export interface ConsoleOptions {
  config: Config;
  logger: Logger;
  /** Sessions and the sign-in throttle (a connection that fails fast: a page waits on it). */
  redis: Redis;
  /** BullMQ's connection for the queue dashboard; without it the Queues page says it is unavailable. */
  queueConnection?: Redis;
  /** Overrides CONSOLE_GATEWAY_URL (tests). */
  gatewayUrl?: string;
  gatewayTimeoutMs?: number;
  metrics?: Registry;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator, on every page behind sign-in. */
    consoleSession: ActiveSession | undefined;
    /** This response's CSP nonce (govuk-frontend's template has one inline script). */
    cspNonce: string;
  }
  interface FastifyInstance {
    consoleContext: ConsoleContext;
  }
  interface FastifyReply {
    /** @fastify/view's `view`, registered as `render` (bull-board registers its own `view`). */
    render: FastifyReply['view'];
  }
}

/** Content Security Policy of the console's pages: our own files only, plus the template's nonce'd script. */
function pageCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * The queue dashboard's pages (bull-board's bundle) use inline style attributes and set <base>; its scripts
 * are still only ours to serve.
 */
const QUEUES_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "object-src 'none'",
].join('; ');

/**
 * The ops console's HTTP app (never listens; server.ts does): GOV.UK pages over the gateway's admin API,
 * sign-in with server-side sessions, CSRF on every form, the queue dashboard, health on the public port
 * (metrics on the ops port, as the gateway). docs/console.md.
 */
export async function buildConsole(options: ConsoleOptions): Promise<HttpApp> {
  const { config, logger, redis } = options;
  const registry = options.metrics ?? new Registry();
  collectDefaultMetrics({ register: registry });
  const secureCookies = config.NODE_ENV !== 'development';
  const prefix = new Naming(config.NPQ_NAMESPACE).queuePrefix;
  const ctx: ConsoleContext = {
    config,
    logger,
    redis,
    prefix,
    gatewayUrl: options.gatewayUrl ?? config.CONSOLE_GATEWAY_URL,
    gatewayTimeoutMs: options.gatewayTimeoutMs ?? 10_000,
    store: new SessionStore(redis, { prefix, idleSeconds: config.CONSOLE_SESSION_IDLE_S }),
    keys: new SessionKeys(config.CONSOLE_SESSION_SECRET),
    secureCookies,
    // `__Host-`: the browser keeps it only when Secure, for this host and path / (no subdomain can set it).
    sessionCookie: secureCookies ? '__Host-npq-console-session' : 'npq-console-session',
    signInCookie: secureCookies ? '__Host-npq-console-sign-in' : 'npq-console-sign-in',
    actions: counter<'action' | 'outcome'>(
      registry,
      'console_actions_total',
      'Operator actions by action and outcome',
      ['action', 'outcome'],
    ),
  };

  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    trustProxy: config.GATEWAY_TRUST_PROXY as boolean,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }) as unknown as FastifyInstance;
  app.decorate('consoleContext', ctx);
  app.decorateRequest('consoleSession', undefined);
  app.decorateRequest('cspNonce', '');

  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(cookie);
  // `render`, not `view`: bull-board registers its own @fastify/view under /queues.
  await app.register(view, {
    engine: { nunjucks },
    templates: [VIEWS_DIR, GOVUK_DIR],
    propertyName: 'render',
    options: { onConfigure: (env: nunjucks.Environment) => addFilters(env) },
  });
  // govuk-frontend's compiled CSS, JS, fonts and images, straight from the package (no Sass build).
  await app.register(fastifyStatic, {
    root: [path.join(GOVUK_DIR, 'govuk', 'assets'), path.join(GOVUK_DIR, 'govuk')],
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    allowedPath: (pathName) =>
      /^\/(fonts|images)\/[\w.-]+$/.test(pathName) ||
      ['/manifest.json', '/govuk-frontend.min.css', '/govuk-frontend.min.js'].includes(pathName),
    maxAge: '1h',
  });
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/static/',
    decorateReply: false,
    index: false,
    maxAge: '10m',
  });

  app.addHook('onRequest', async (req) => {
    req.cspNonce = randomBytes(16).toString('base64');
  });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('x-request-id', req.id);
    if (config.NODE_ENV === 'production') {
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
    const url = req.url;
    if (!url.startsWith('/assets/') && !url.startsWith('/static/')) reply.header('cache-control', 'no-store');
    if (!reply.getHeader('content-security-policy')) {
      reply.header('content-security-policy', url.startsWith('/queues') ? QUEUES_CSP : pageCsp(req.cspNonce));
    }
    return payload;
  });
  app.addHook('onResponse', requestDurationHook(registry));

  app.setErrorHandler(async (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof GatewayError && err.unauthorised) {
      // The token was revoked or changed since sign-in: the session is over.
      if (req.consoleSession) await ctx.store.destroy(req.consoleSession.id);
      void reply.clearCookie(ctx.sessionCookie, { path: '/' });
      return reply.redirect('/sign-in?ended=1', 303);
    }
    if (err instanceof GatewayError && err.notFound) return renderError(req, reply, 404);
    if (err instanceof GatewayError && err.unavailable) {
      req.log.warn({ status: err.status, reason: err.message }, 'admin API unavailable');
      return renderError(req, reply, 503, err.message);
    }
    if (err instanceof GatewayError) {
      req.log.warn({ status: err.status, reason: err.message }, 'admin API refused');
      return renderError(req, reply, 422, err.message);
    }
    if (err instanceof CsrfError) {
      req.log.warn({ reason: err.message }, 'request refused: CSRF');
      return renderError(req, reply, 403, err.message);
    }
    if (isDependencyUnavailable(err)) {
      req.log.warn({ reason: err.message }, 'request refused: dependency unavailable');
      return renderError(
        req,
        reply,
        503,
        'The console cannot reach its session store. Try again in a minute.',
      );
    }
    const status = (err as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      req.log.warn({ status, reason: err.message }, 'request refused');
      return renderError(req, reply, status);
    }
    req.log.error({ err }, 'request failed');
    return renderError(req, reply, 500);
  });
  app.setNotFoundHandler(async (req, reply) => renderError(req, reply, 404));

  const healthChecks: Record<string, HealthCheck> = { redis: () => redis.ping() };
  let draining = false;
  // The public port says whether the console is ready, not why; /metrics is on the ops port (server.ts).
  addOpsRoutes(app, { healthChecks, registry, isDraining: () => draining, detailed: false, metrics: false });

  await app.register(async (pages) => {
    authRoutes(pages, ctx);
  });
  await app.register(async (pages) => {
    pages.addHook('preHandler', requireSession(ctx));
    overviewRoutes(pages);
    statementRoutes(pages);
    participantRoutes(pages);
    outcomeDeliveryRoutes(pages);
    parkedMessageRoutes(pages);
    leadProviderRoutes(pages);
    webhookSubscriptionRoutes(pages);
  });
  await app.register(async (queues) => {
    queues.addHook('preHandler', requireSession(ctx, { api: true }));
    await queueRoutes(queues, ctx, options.queueConnection);
  });

  return {
    app,
    metrics: registry,
    markDraining: () => {
      draining = true;
    },
  };
}
