/**
 * Write load generator, started by run.ts as a process of its own (like load.ts). Writes cannot be
 * replayed like reads (each accept, void or declaration is valid once), so instead of a duration it takes a
 * work list: every request is sent exactly once, by `connections` concurrent keep-alive clients, each
 * taking the next request as soon as its previous one is answered (a closed loop, as autocannon does).
 * Latency is measured per request with a sub-millisecond clock.
 *
 * stdin: a WriteSpec as JSON. stdout: `{"phase":"measure"}` when the first request goes out, then the
 * WriteResult as one JSON line.
 */
import { performance } from 'node:perf_hooks';

export interface WriteRequest {
  method: 'POST' | 'PUT';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface WriteSpec {
  origin: string;
  headers: Record<string, string>;
  requests: WriteRequest[];
  connections: number;
  /** Return `data.id` of each answer, in request order (later steps act on what this one created). */
  capture?: boolean;
}

export interface WriteResult {
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  total: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  durationS: number;
  loaderCpuSeconds: number;
  /** data.id of each 2xx answer (null otherwise), in request order; only with `capture`. */
  ids?: (string | null)[];
  /** The first few non-2xx answers, for the log. */
  samples: string[];
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WriteSpec;

  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const ids: (string | null)[] = new Array<string | null>(spec.requests.length).fill(null);
  const samples: string[] = [];
  let errors = 0;
  let non2xx = 0;
  let next = 0;

  process.stdout.write(`${JSON.stringify({ phase: 'measure' })}\n`);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const client = async () => {
    for (;;) {
      const i = next++;
      if (i >= spec.requests.length) return;
      const r = spec.requests[i]!;
      const t0 = performance.now();
      try {
        const res = await fetch(`${spec.origin}${r.path}`, {
          method: r.method,
          headers: {
            ...spec.headers,
            ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...r.headers,
          },
          body: r.body === undefined ? undefined : JSON.stringify(r.body),
        });
        const text = await res.text();
        const ms = performance.now() - t0;
        statusCodes[res.status] = (statusCodes[res.status] ?? 0) + 1;
        if (res.status >= 200 && res.status < 300) {
          latencies.push(ms);
          if (spec.capture) {
            try {
              ids[i] = (JSON.parse(text) as { data?: { id?: string } }).data?.id ?? null;
            } catch {
              ids[i] = null;
            }
          }
        } else {
          non2xx++;
          if (samples.length < 5) samples.push(`${r.method} ${r.path} → ${res.status} ${text.slice(0, 300)}`);
        }
      } catch (err) {
        errors++;
        if (samples.length < 5) samples.push(`${r.method} ${r.path} → ${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, spec.connections) }, client));
  const durationS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = [...latencies].sort((a, b) => a - b);
  const result: WriteResult = {
    requestsPerSecond: spec.requests.length / durationS,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? 0,
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    total: spec.requests.length,
    non2xx,
    statusCodes,
    errors,
    durationS,
    loaderCpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...(spec.capture ? { ids } : {}),
    samples,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1]?.endsWith('writes.ts')) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `write load generator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
