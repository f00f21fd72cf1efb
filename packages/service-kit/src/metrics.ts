import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Registry };

/**
 * A counter on `registry`, created on first use and shared afterwards (several consumers, workers or
 * watchdogs of one process count into the same series, told apart by labels). Without a registry the
 * counter still counts, it is just not exported (unit tests, tools).
 */
export function counter<L extends string>(
  registry: Registry | undefined,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: registry ? [registry] : [] });
}

/** A gauge on `registry`, shared like `counter`. */
export function gauge<L extends string>(
  registry: Registry | undefined,
  name: string,
  help: string,
  labelNames: readonly L[],
): Gauge<L> {
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames, registers: registry ? [registry] : [] });
}

/** A histogram on `registry`, shared like `counter`. */
export function histogram<L extends string>(
  registry: Registry | undefined,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames, buckets, registers: registry ? [registry] : [] });
}
