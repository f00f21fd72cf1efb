import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '@npq/service-kit';
import { adminApi, type ConsoleContext } from '../context';
import { audit } from '../audit';
import { GatewayError } from '../gateway/client';
import { SessionKeys } from '../session/keys';
import { page, renderError } from '../views/render';

/** A form came back without this session's CSRF token (docs/console.md, "CSRF"). */
export class CsrfError extends Error {
  constructor(
    message = 'The form has expired or did not come from this console. Go back, reload it and try again.',
  ) {
    super(message);
    this.name = 'CsrfError';
  }
}

/** Failed sign-ins per client address and window before the console stops trying tokens for it. */
const SIGN_IN_FAILURES_MAX = 10;
const SIGN_IN_FAILURES_WINDOW_S = 300;

/** Where to go after signing in: a path of this console only (never another site). */
export function safeNext(value: unknown): string {
  return typeof value === 'string' &&
    /^\/(?![/\\])[\w\-./?=&%~+]*$/.test(value) &&
    !value.startsWith('/sign-')
    ? value
    : '/';
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function formField(req: FastifyRequest, name: string): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The hook of every page behind sign-in: loads the session named by the cookie (restarting its idle time),
 * or sends the browser to sign in. Every request that changes something must then prove it came from one
 * of this session's pages: a form returns the session's CSRF token; the queue dashboard's own calls
 * (fetch, JSON) must come from this origin.
 */
export function requireSession(ctx: ConsoleContext, options: { api?: boolean } = {}) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const signed = req.cookies[ctx.sessionCookie];
    const id = signed ? ctx.keys.unsign(signed) : undefined;
    const data = id ? await ctx.store.load(id) : undefined;
    const token = data ? ctx.keys.open(data.sealedToken) : undefined;
    if (!id || !data || token === undefined) {
      if (signed) void reply.clearCookie(ctx.sessionCookie, { path: '/' });
      if (options.api && req.method !== 'GET') {
        await reply.status(401).send({ error: 'Sign in again' });
        return;
      }
      const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
      const ended = signed ? `${next ? '&' : '?'}ended=1` : '';
      await reply.redirect(`/sign-in${next}${ended}`, 303);
      return;
    }
    req.consoleSession = {
      id,
      data,
      ref: SessionKeys.sessionRef(id),
      operatorId: data.operatorId,
      api: adminApi(ctx, token, req.id),
    };
    if (req.method === 'GET' || req.method === 'HEAD') return;
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/x-www-form-urlencoded')) {
      const presented = formField(req, '_csrf');
      if (!presented || !safeEqual(presented, data.csrfToken)) throw new CsrfError();
      return;
    }
    // Not a form (the queue dashboard's fetch calls): only from a page of this origin. Browsers always
    // send Origin on these; the SameSite=Strict cookie already keeps other sites' requests signed out.
    const origin = req.headers.origin;
    if (!options.api || typeof origin !== 'string' || originHost(origin) !== req.headers.host) {
      const refusal = new CsrfError('This request did not come from a page of this console.');
      if (!options.api) throw refusal;
      // The dashboard's routes have bull-board's own error handler: answer here.
      req.log.warn({ reason: refusal.message }, 'request refused: CSRF');
      await reply.status(403).send({ error: refusal.message });
    }
  };
}

/** Sign-in (with the admin token; docs/console.md, "Sign-in and sessions") and sign-out. */
export function authRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: ctx.secureCookies,
  };

  /** The sign-in form's CSRF token: a nonce in a signed, short-lived cookie that the form sends back. */
  const signInForm = async (
    req: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
  ) => {
    const nonce = SessionKeys.randomId();
    void reply.setCookie(ctx.signInCookie, ctx.keys.sign(nonce), { ...cookieOptions, maxAge: 3600 });
    const query = req.query as Record<string, unknown>;
    return page(req, reply, 'sign-in.njk', {
      signInCsrf: nonce,
      next: safeNext(extra.next ?? query.next),
      ended: query.ended === '1',
      signedOut: query.signed_out === '1',
      idle: ctx.config.CONSOLE_SESSION_IDLE_S,
      ...extra,
    });
  };

  app.get('/sign-in', async (req, reply) => {
    const signed = req.cookies[ctx.sessionCookie];
    const id = signed ? ctx.keys.unsign(signed) : undefined;
    if (id && (await ctx.store.load(id)))
      return reply.redirect(safeNext((req.query as { next?: unknown }).next), 303);
    return signInForm(req, reply);
  });

  app.post('/sign-in', async (req, reply) => {
    const cookieValue = req.cookies[ctx.signInCookie];
    const nonce = cookieValue ? ctx.keys.unsign(cookieValue) : undefined;
    const presented = formField(req, '_csrf');
    if (!nonce || !presented || !safeEqual(nonce, presented)) throw new CsrfError();
    const next = safeNext(formField(req, 'next'));
    const token = (formField(req, 'token') ?? '').trim();
    if (token === '') {
      reply.status(400);
      return signInForm(req, reply, { next, error: 'Enter the admin token' });
    }
    const failuresKey = `${ctx.prefix}:console:sign-in-failures:${req.ip}`;
    const failures = Number((await ctx.redis.get(failuresKey)) ?? 0);
    if (failures >= SIGN_IN_FAILURES_MAX) {
      audit(req, 'sign-in', {}, 'refused', { status: 429 });
      void reply.header('retry-after', String(SIGN_IN_FAILURES_WINDOW_S));
      return renderError(req, reply, 429);
    }
    try {
      await adminApi(ctx, token, req.id).verify();
    } catch (err) {
      if (!(err instanceof GatewayError) || !err.unauthorised) throw err;
      await ctx.redis.multi().incr(failuresKey).expire(failuresKey, SIGN_IN_FAILURES_WINDOW_S).exec();
      audit(req, 'sign-in', {}, 'refused', { status: 401 });
      reply.status(401);
      return signInForm(req, reply, { next, error: 'The admin token is not valid' });
    }
    // A new session id at every sign-in (no fixation); the old session, if any, ends.
    const old = req.cookies[ctx.sessionCookie];
    const oldId = old ? ctx.keys.unsign(old) : undefined;
    if (oldId) await ctx.store.destroy(oldId);
    const operatorId = ctx.keys.operatorId(token);
    const id = await ctx.store.create({
      sealedToken: ctx.keys.seal(token),
      operatorId,
      csrfToken: SessionKeys.randomId(),
    });
    req.consoleSession = {
      id,
      data: { sealedToken: '', operatorId, csrfToken: '', createdAt: 0, lastSeenAt: 0 },
      ref: SessionKeys.sessionRef(id),
      operatorId,
      api: adminApi(ctx, token, req.id),
    };
    audit(req, 'sign-in', {});
    void reply.clearCookie(ctx.signInCookie, { path: '/' });
    void reply.setCookie(ctx.sessionCookie, ctx.keys.sign(id), cookieOptions);
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', { preHandler: requireSession(ctx) }, async (req, reply) => {
    const session = req.consoleSession!;
    await ctx.store.destroy(session.id);
    audit(req, 'sign-out', {});
    void reply.clearCookie(ctx.sessionCookie, { path: '/' });
    return reply.redirect('/sign-in?signed_out=1', 303);
  });
}
