import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLeadProviderClient,
  unwrap,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookMessage,
} from '@npq/lead-provider-client';

/**
 * Webhooks instead of polling: a local receiver that verifies every message's signature, subscribed to the
 * provider's application and declaration changes, and checked with a signed ping. In the sandbox the URL may
 * be plain http to a loopback address; in production it must be https and resolve to public addresses only.
 */
export async function startWebhookReceiver(
  baseUrl: string,
  token: string,
  onMessage: (message: WebhookMessage) => void,
) {
  const client = createLeadProviderClient({ baseUrl, token });
  let secret = ''; // known once subscribed: until then every message is refused (and retried by the platform)

  // 1. The receiver: verify the raw body against the signature, answer 2xx at once, then act. Messages come
  //    at least once: dedupe on `message.id` (the `webhook-id` header, the same on every retry).
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let message: WebhookMessage;
      try {
        message = verifyWebhook(secret, req.headers, Buffer.concat(chunks));
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        res.writeHead(400).end(error.message);
        return;
      }
      res.writeHead(204).end();
      onMessage(message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/npq-webhooks`;

  // 2. Subscribe. The signing secret is in this answer only (and in rotate-secret's): keep it safe.
  const subscription = unwrap(
    await client.POST('/api/v3/webhook-subscriptions', {
      body: {
        data: {
          type: 'webhook-subscription',
          attributes: {
            url,
            event_types: [
              'application.created',
              'application.updated',
              'declaration.created',
              'declaration.state_changed',
            ],
          },
        },
      },
    }),
  ).data;
  secret = subscription.attributes.secret!;

  // 3. A signed `webhook.ping`, delivered like any other message.
  unwrap(
    await client.POST('/api/v3/webhook-subscriptions/{id}/ping', {
      params: { path: { id: subscription.id } },
    }),
  );

  return {
    subscription,
    /** Unsubscribes and stops the receiver. */
    async close() {
      unwrap(
        await client.DELETE('/api/v3/webhook-subscriptions/{id}', {
          params: { path: { id: subscription.id } },
        }),
      );
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
