import type { FastifyReply, FastifyRequest } from 'fastify';
import type nunjucks from 'nunjucks';
import { age, amount, count, date, dateTime, label, money, stateColour } from '../format';

/** The service navigation: each entry is current on its own path and below it. */
const NAVIGATION = [
  { href: '/', text: 'Overview' },
  { href: '/statements', text: 'Statements' },
  { href: '/participants', text: 'Participants' },
  { href: '/outcome-deliveries', text: 'DQT deliveries' },
  { href: '/parked-messages', text: 'Parked messages' },
  { href: '/queues', text: 'Queues' },
  { href: '/lead-providers', text: 'Providers' },
  { href: '/webhook-subscriptions', text: 'Webhooks' },
];

export function addFilters(env: nunjucks.Environment): void {
  env.addFilter('money', money);
  env.addFilter('amount', amount);
  env.addFilter('count', count);
  env.addFilter('date', date);
  env.addFilter('dateTime', dateTime);
  env.addFilter('age', age);
  env.addFilter('label', label);
  env.addFilter('stateColour', stateColour);
}

function navigation(url: string): { href: string; text: string; active: boolean }[] {
  const path = url.split('?')[0] ?? '/';
  return NAVIGATION.map((item) => ({
    ...item,
    active: item.href === '/' ? path === '/' : path === item.href || path.startsWith(`${item.href}/`),
  }));
}

/**
 * Renders a page with what every page needs: the CSP nonce, the operator's CSRF token, the navigation and
 * the session's one-time banner (taken out of the session as it is shown; a new API token in it is opened
 * here, for this page only).
 */
export async function page(
  req: FastifyRequest,
  reply: FastifyReply,
  template: string,
  context: Record<string, unknown> = {},
): Promise<FastifyReply> {
  const session = req.consoleSession;
  const ctx = req.server.consoleContext;
  let flash: Record<string, unknown> | undefined;
  if (session?.data.flash) {
    const { sealedSecret, ...rest } = session.data.flash;
    flash = { ...rest, secret: sealedSecret ? ctx.keys.open(sealedSecret) : undefined };
    delete session.data.flash;
    await ctx.store.write(session.id, session.data);
  }
  return reply.type('text/html; charset=utf-8').render(template, {
    ...context,
    cspNonce: req.cspNonce,
    csrfToken: session?.data.csrfToken,
    signedIn: session !== undefined,
    navigation: session ? navigation(req.url) : [],
    flash,
  });
}

/** Puts a banner in the session for the next page (after a redirect). */
export async function setFlash(
  req: FastifyRequest,
  flash: {
    kind: 'success' | 'important';
    title: string;
    text?: string;
    secret?: string;
    secretLabel?: string;
  },
): Promise<void> {
  const session = req.consoleSession;
  if (!session) return;
  const ctx = req.server.consoleContext;
  const { secret, ...rest } = flash;
  session.data.flash = { ...rest, ...(secret ? { sealedSecret: ctx.keys.seal(secret) } : {}) };
  await ctx.store.write(session.id, session.data);
}

const ERRORS: Record<number, { title: string; text: string }> = {
  400: { title: 'Bad request', text: 'The request could not be understood.' },
  403: { title: 'Forbidden', text: 'The request was refused.' },
  404: { title: 'Page not found', text: 'If you typed the web address, check it is correct.' },
  413: { title: 'Too large', text: 'What you sent is too large.' },
  422: { title: 'The admin API refused this', text: 'Nothing was changed.' },
  429: {
    title: 'Too many attempts',
    text: 'Too many sign-in attempts failed. Wait a few minutes and try again.',
  },
  500: { title: 'Sorry, there is a problem with the console', text: 'Try again later.' },
  503: {
    title: 'Sorry, the service is unavailable',
    text: 'The admin API is not answering. Try again in a minute.',
  },
};

export async function renderError(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  detail?: string,
): Promise<FastifyReply> {
  const text = ERRORS[status] ?? { title: 'Error', text: 'Something went wrong.' };
  reply.status(status);
  return page(req, reply, 'error.njk', { status, title: text.title, text: text.text, detail });
}
