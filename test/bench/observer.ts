import { performance } from 'node:perf_hooks';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { quantile } from './writes';

/** Milliseconds since the epoch with sub-millisecond resolution (one clock for every timestamp here). */
export const nowMs = () => performance.timeOrigin + performance.now();

export interface LatencySummary {
  consumer: string;
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Watches the benchmarked system's NATS traffic from outside, over core NATS (no durable, nothing
 * acknowledged): every event published on `<ns>.npq.>` and every consumer's confirmation on
 * `<ns>.npq_acks.<event id>` (packages/service-kit/src/consumer.ts confirms each event once it is applied,
 * for the read-your-writes wait). That gives, per event and per consuming service, when its projection
 * was applied; the start is either the publish seen here or a commit time the benchmark recorded itself.
 */
export class EventObserver {
  readonly published = new Map<string, number>();
  readonly applied = new Map<string, Map<string, number>>();
  private constructor(private readonly nc: NatsConnection) {}

  static async start(natsUrl: string, namespace: string): Promise<EventObserver> {
    const nc = await connect({ servers: natsUrl.split(','), name: 'npq-bench-observer' });
    const observer = new EventObserver(nc);
    const dot = namespace ? `${namespace}.` : '';
    const decoder = new TextDecoder();
    nc.subscribe(`${dot}npq.>`, {
      callback: (_err, msg) => {
        const at = nowMs();
        try {
          const id = (JSON.parse(decoder.decode(msg.data)) as { id?: string }).id;
          if (id && !observer.published.has(id)) observer.published.set(id, at);
        } catch {
          // not an envelope: not ours to measure
        }
      },
    });
    const ackPrefix = `${dot}npq_acks.`;
    nc.subscribe(`${ackPrefix}>`, {
      callback: (_err, msg) => {
        const at = nowMs();
        const id = msg.subject.slice(ackPrefix.length);
        const consumer = decoder.decode(msg.data);
        let byConsumer = observer.applied.get(id);
        if (!byConsumer) observer.applied.set(id, (byConsumer = new Map()));
        if (!byConsumer.has(consumer)) byConsumer.set(consumer, at);
      },
    });
    await nc.flush();
    return observer;
  }

  /** How many of `ids` every one of `consumers` has confirmed. */
  appliedCount(ids: Iterable<string>, consumers: readonly string[]): number {
    let n = 0;
    for (const id of ids) {
      const by = this.applied.get(id);
      if (by && consumers.every((c) => by.has(c))) n++;
    }
    return n;
  }

  /** Per consuming service: latency from `start(id)` (ms since the epoch) to its confirmation. */
  latencies(ids: Iterable<string>, start: (id: string) => number | undefined): LatencySummary[] {
    const by = new Map<string, number[]>();
    for (const id of ids) {
      const t0 = start(id);
      const acks = this.applied.get(id);
      if (t0 === undefined || !acks) continue;
      for (const [consumer, t1] of acks) {
        let list = by.get(consumer);
        if (!list) by.set(consumer, (list = []));
        list.push(t1 - t0);
      }
    }
    return [...by.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([consumer, list]) => {
        const sorted = list.sort((a, b) => a - b);
        return {
          consumer,
          count: sorted.length,
          p50: quantile(sorted, 0.5),
          p99: quantile(sorted, 0.99),
          max: sorted[sorted.length - 1] ?? 0,
        };
      });
  }

  /** Ids of the events published since `since` (ms since the epoch). */
  publishedSince(since: number): string[] {
    return [...this.published.entries()].filter(([, t]) => t >= since).map(([id]) => id);
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}
