import type { WebhookMessage } from '@npq/lead-provider-client';
import { runIntegration } from './integration';
import { startWebhookReceiver } from './webhooks';

/** `NPQ_BASE_URL=http://localhost:3000 NPQ_TOKEN=… pnpm --filter @npq/lead-provider-client example` */
const baseUrl = process.env.NPQ_BASE_URL ?? 'http://localhost:3000';
const token = process.env.NPQ_TOKEN;
const say = (line: string) => process.stdout.write(`${line}\n`);

if (!token) {
  process.stderr.write(
    'Set NPQ_TOKEN to a lead provider API token (scripts/start.sh prints one per provider).\n',
  );
  process.exit(2);
}

/** Resolves with the first message `matches` accepts, or rejects after `ms`. */
function waitFor(messages: WebhookMessage[], matches: (m: WebhookMessage) => boolean, ms = 30_000) {
  return new Promise<WebhookMessage>((resolve, reject) => {
    const deadline = Date.now() + ms;
    const look = () => {
      const found = messages.find(matches);
      if (found) resolve(found);
      else if (Date.now() > deadline) reject(new Error(`no matching webhook within ${ms / 1000} s`));
      else setTimeout(look, 100);
    };
    look();
  });
}

async function main() {
  const messages: WebhookMessage[] = [];
  const receiver = await startWebhookReceiver(baseUrl, token!, (m) => messages.push(m));
  try {
    say(`subscribed ${receiver.subscription.id} to ${receiver.subscription.attributes.url}`);
    const ping = await waitFor(messages, (m) => m.type === 'webhook.ping');
    say(`received a signed webhook.ping (${ping.id})`);

    const out = await runIntegration(baseUrl, token!);
    say(`accepted application ${out.accepted.id} (participant ${out.accepted.attributes.participant_id})`);
    say(`declared started: ${out.declaration.id} (${out.declaration.attributes.state})`);
    say(`the participant has ${out.declarations.length} declaration(s)`);
    say(`updated_since: first poll ${out.firstPoll.length} record(s), second poll ${out.secondPoll.length}`);
    say(`a repeated accept is refused: ${out.refusal?.message ?? 'not refused'}`);

    const updated = await waitFor(
      messages,
      (m) =>
        m.type === 'application.updated' &&
        m.data.id === out.accepted.id &&
        m.data.attributes?.status === 'accepted',
    );
    say(`received a signed application.updated (${updated.id}): ${updated.data.id} is accepted`);
  } finally {
    await receiver.close();
  }
}

main().then(
  () => undefined,
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
