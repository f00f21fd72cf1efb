/**
 * The read-your-writes wait of the benchmarked services, from their `read_your_writes_wait_seconds`
 * histogram (packages/service-kit/src/read-your-writes.ts): scraped before and after a scenario, the
 * difference is the waits of that scenario's commands.
 */
export interface WaitHistogram {
  /** Cumulative counts by upper bound in seconds (+Inf included). */
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

const NAME = 'read_your_writes_wait_seconds';

function parse(text: string): WaitHistogram {
  const h: WaitHistogram = { buckets: new Map(), sum: 0, count: 0 };
  for (const line of text.split('\n')) {
    if (!line.startsWith(NAME)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (line.startsWith(`${NAME}_bucket`) && le !== undefined) {
      const bound = le === '+Inf' ? Infinity : Number(le);
      h.buckets.set(bound, (h.buckets.get(bound) ?? 0) + value);
    } else if (line.startsWith(`${NAME}_sum`)) h.sum += value;
    else if (line.startsWith(`${NAME}_count`)) h.count += value;
  }
  return h;
}

/** The summed histogram of every service (one scrape each; a service that does not answer counts as empty). */
export async function scrapeWaits(
  origins: string[],
  headers: Record<string, string>,
): Promise<WaitHistogram> {
  const total: WaitHistogram = { buckets: new Map(), sum: 0, count: 0 };
  for (const origin of origins) {
    try {
      const res = await fetch(`${origin}/metrics`, { headers, signal: AbortSignal.timeout(5000) });
      if (res.status !== 200) continue;
      const h = parse(await res.text());
      for (const [le, n] of h.buckets) total.buckets.set(le, (total.buckets.get(le) ?? 0) + n);
      total.sum += h.sum;
      total.count += h.count;
    } catch {
      // counted as empty
    }
  }
  return total;
}

export function difference(after: WaitHistogram, before: WaitHistogram): WaitHistogram {
  const buckets = new Map<number, number>();
  for (const [le, n] of after.buckets) buckets.set(le, n - (before.buckets.get(le) ?? 0));
  return { buckets, sum: after.sum - before.sum, count: after.count - before.count };
}

/** Quantile in milliseconds, interpolated linearly inside its bucket (as Prometheus does). */
export function waitQuantileMs(h: WaitHistogram, q: number): number | undefined {
  if (h.count <= 0) return undefined;
  const bounds = [...h.buckets.keys()].sort((a, b) => a - b);
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const cumulative = h.buckets.get(le)!;
    if (cumulative >= rank) {
      if (le === Infinity) return lower * 1000;
      const inBucket = cumulative - below;
      const fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
      return (lower + (le - lower) * fraction) * 1000;
    }
    lower = le;
    below = cumulative;
  }
  return lower * 1000;
}

export function waitMeanMs(h: WaitHistogram): number | undefined {
  return h.count > 0 ? (h.sum / h.count) * 1000 : undefined;
}
