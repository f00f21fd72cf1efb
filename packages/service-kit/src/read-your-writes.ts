import type { Logger } from 'pino';
import type { Subscription } from '@nats-io/nats-core';
import { consumersOf, type EventEnvelope } from '@npq/contracts';
import type { Messaging } from './messaging';
import { counter, histogram, type Registry } from './metrics';
import type { OutboxRelay } from './outbox';

export interface WaitResult {
  /** True when every consumer in the catalogue confirmed every event before the deadline. */
  confirmed: boolean;
  missing: string[];
  /** Set when NATS could not be used at all (the events stay in the outbox for the relay). */
  degraded?: true;
}

const TIMED_OUT = Symbol('timed out');

/** `p`, or TIMED_OUT at `deadline`; a late rejection of `p` is swallowed (the caller has moved on). */
async function until<T>(p: Promise<T>, deadline: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  p.catch(() => undefined);
  try {
    return await Promise.race([
      p,
      new Promise<typeof TIMED_OUT>(
        (resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - Date.now()))),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Read-your-writes across services: after a command commits, publish its events at once and wait
 * (bounded) until every consuming service confirms it applied them, so the provider's next request sees
 * the effect whichever service answers it. If a consumer is down the wait times out and the answer goes
 * out anyway; the outbox still guarantees delivery.
 *
 * It is called after the command's transaction committed, so it never throws: with NATS unreachable the
 * client still gets the success it asked for (docs/operations.md, "Guarantees"), the whole call stays
 * within the timeout, and the degradation is logged at warn and counted in
 * `read_your_writes_degraded_total`.
 */
export class ReadYourWrites {
  private readonly degradedTotal;
  private readonly waitSeconds;

  constructor(
    private readonly messaging: Messaging,
    private readonly relay: OutboxRelay,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    metrics?: Registry,
  ) {
    this.degradedTotal = counter(
      metrics,
      'read_your_writes_degraded_total',
      'Committed writes answered without every consumer confirming (reason: timeout, or NATS unavailable)',
      ['reason'],
    );
    // How long a command's answer waits for the other services (docs/performance.md reports its share of
    // the write routes' latency).
    this.waitSeconds = histogram(
      metrics,
      'read_your_writes_wait_seconds',
      "Time from publishing a committed command's events to every consumer confirming them (or giving up)",
      [],
      [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
  }

  async publishAndWait(envelopes: EventEnvelope[]): Promise<WaitResult> {
    const expected = new Set<string>();
    for (const e of envelopes) for (const c of consumersOf(e.name)) expected.add(`${e.id}:${c}`);
    if (envelopes.length === 0) return { confirmed: true, missing: [] };

    const deadline = Date.now() + this.timeoutMs;
    const stopTimer = this.waitSeconds.startTimer();
    const subscriptions: Subscription[] = [];
    try {
      const { nc, naming } = this.messaging;
      let resolveDone: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (resolveDone = resolve));
      const decoder = new TextDecoder();
      // Subscribe before publishing so a fast consumer's confirmation cannot be missed.
      for (const e of envelopes) {
        subscriptions.push(
          nc.subscribe(naming.ackSubject(e.id), {
            callback: (_err, msg) => {
              expected.delete(`${e.id}:${decoder.decode(msg.data)}`);
              if (expected.size === 0) resolveDone();
            },
          }),
        );
      }
      // While NATS is down the flush waits for a reconnection and the publish for its timeout: both are
      // bounded by the same deadline as the wait itself.
      if ((await until(nc.flush(), deadline)) === TIMED_OUT) return this.degraded('unavailable', expected);
      const published = this.relay.publishCommitted(envelopes, naming).catch((err: unknown) => {
        this.logger.warn({ err }, 'immediate publish failed; the relay will retry');
        return 0;
      });
      if ((await until(published, deadline)) === TIMED_OUT) return this.degraded('unavailable', expected);
      if (expected.size === 0) return { confirmed: true, missing: [] };
      if ((await until(done, deadline)) === TIMED_OUT) {
        this.logger.warn({ missing: [...expected] }, 'read-your-writes wait timed out');
        this.degradedTotal.inc({ reason: 'timeout' });
      }
      return { confirmed: expected.size === 0, missing: [...expected] };
    } catch (err) {
      return this.degraded('unavailable', expected, err);
    } finally {
      stopTimer();
      for (const s of subscriptions) {
        try {
          s.unsubscribe();
        } catch {
          // the connection is closed: nothing left to unsubscribe from
        }
      }
    }
  }

  private degraded(reason: 'unavailable', expected: Set<string>, err?: unknown): WaitResult {
    this.degradedTotal.inc({ reason });
    this.logger.warn(
      { err, missing: [...expected] },
      'read-your-writes skipped: NATS unavailable; the outbox relay will deliver the events',
    );
    return { confirmed: false, missing: [...expected], degraded: true };
  }
}
