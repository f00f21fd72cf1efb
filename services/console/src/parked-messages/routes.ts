import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit';
import { GatewayError } from '../gateway/client';
import type { ParkedMessageState } from '../gateway/types';
import { param, UUID } from '../pagination';
import { page, renderError, setFlash } from '../views/render';

const STATES: ParkedMessageState[] = ['parked', 'redriven', 'discarded'];

function messageId(req: FastifyRequest): string | undefined {
  const id = (req.params as { id: string }).id;
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

/**
 * Page 5: events a consumer gave up on (docs/architecture.md, "Events, outbox, inbox"): what failed, why,
 * how often; redrive (hand it to the consumer's handler again) or discard (kept for audit).
 */
export function parkedMessageRoutes(app: FastifyInstance): void {
  app.get('/parked-messages', async (req, reply) => {
    const stateParam = param(req.query, 'state');
    const state = STATES.find((s) => s === stateParam) ?? 'parked';
    const messages = await req.consoleSession!.api.parkedMessages(state);
    return page(req, reply, 'parked-messages/index.njk', {
      title: 'Parked messages',
      state,
      states: STATES,
      messages,
    });
  });

  app.get('/parked-messages/:id', async (req, reply) => {
    const id = messageId(req);
    if (!id) return renderError(req, reply, 404);
    const message = await req.consoleSession!.api.parkedMessage(id);
    return page(req, reply, 'parked-messages/show.njk', {
      title: 'Parked message',
      message,
      payload:
        message.attributes.payload === undefined
          ? undefined
          : JSON.stringify(message.attributes.payload, null, 2),
    });
  });

  for (const action of ['redrive', 'discard'] as const) {
    app.post(`/parked-messages/:id/${action}`, async (req, reply) => {
      const id = messageId(req);
      if (!id) return renderError(req, reply, 404);
      const api = req.consoleSession!.api;
      try {
        if (action === 'redrive') await api.redriveParkedMessage(id);
        else await api.discardParkedMessage(id);
      } catch (err) {
        if (err instanceof GatewayError && (err.status === 409 || err.status === 422)) {
          audit(req, `parked-message.${action}`, { parked_message_id: id }, 'refused', {
            status: err.status,
          });
          await setFlash(req, {
            kind: 'important',
            title: action === 'redrive' ? 'The handler failed again' : 'Not discarded',
            text: err.message,
          });
          return reply.redirect(`/parked-messages/${id}`, 303);
        }
        throw err;
      }
      audit(req, `parked-message.${action}`, { parked_message_id: id });
      await setFlash(req, {
        kind: 'success',
        title: action === 'redrive' ? 'Message redriven: its handler applied it' : 'Message discarded',
      });
      return reply.redirect(`/parked-messages/${id}`, 303);
    });
  }
}
