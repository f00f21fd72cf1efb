import type { Logger } from 'pino';
import { consumersOf, type EventEnvelope } from '@npq/contracts';
import type { Messaging } from './messaging';
import type { OutboxRelay } from './outbox';

export interface WaitResult {
  /** True when every consumer in the catalogue confirmed every event before the deadline. */
  confirmed: boolean;
  missing: string[];
}

/**
 * Read-your-writes across services: after a command commits, publish its events at once and wait
 * (bounded) until every consuming service confirms it applied them, so the provider's next request sees
 * the effect whichever service answers it. If a consumer is down the wait times out and the answer goes
 * out anyway; the outbox still guarantees delivery.
 */
export class ReadYourWrites {
  constructor(
    private readonly messaging: Messaging,
    private readonly relay: OutboxRelay,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async publishAndWait(envelopes: EventEnvelope[]): Promise<WaitResult> {
    const expected = new Set<string>();
    for (const e of envelopes) for (const c of consumersOf(e.name)) expected.add(`${e.id}:${c}`);
    if (envelopes.length === 0) return { confirmed: true, missing: [] };

    const { nc, naming } = this.messaging;
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const decoder = new TextDecoder();
    // Subscribe before publishing so a fast consumer's confirmation cannot be missed.
    const subscriptions = envelopes.map((e) =>
      nc.subscribe(naming.ackSubject(e.id), {
        callback: (_err, msg) => {
          expected.delete(`${e.id}:${decoder.decode(msg.data)}`);
          if (expected.size === 0) resolveDone();
        },
      }),
    );
    try {
      await nc.flush();
      try {
        await this.relay.publishPending(envelopes.map((e) => e.id));
      } catch (err) {
        this.logger.warn({ err }, 'immediate publish failed; the relay will retry');
      }
      if (expected.size === 0) return { confirmed: true, missing: [] };
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), this.timeoutMs)),
      );
      const outcome = await Promise.race([done.then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.logger.warn({ missing: [...expected] }, 'read-your-writes wait timed out');
      }
      return { confirmed: expected.size === 0, missing: [...expected] };
    } finally {
      for (const s of subscriptions) s.unsubscribe();
    }
  }
}
