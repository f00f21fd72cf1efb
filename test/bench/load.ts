/**
 * Load generator, started by run.ts as a process of its own so that autocannon's CPU time is never
 * charged to the process being measured. Reads a LoadSpec as JSON on stdin, runs an unreported warm-up,
 * then the measured run, and writes JSON lines on stdout: `{"phase":"measure"}` when the measured run
 * starts (run.ts samples the servers' CPU then), and the LoadResult at the end.
 */
import autocannon from 'autocannon';

export interface LoadSpec {
  /** Origin, e.g. http://127.0.0.1:3100. */
  origin: string;
  /** Request paths (with query); one is picked at random per request when there are several. */
  paths: string[];
  headers: Record<string, string>;
  connections: number;
  warmupS: number;
  durationS: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Latencies in milliseconds (autocannon records whole milliseconds, 2xx responses only). */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  total: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  throughputBytesPerSecond: number;
  durationS: number;
  /** CPU seconds this load generator used during the measured run. */
  loaderCpuSeconds: number;
  warmup: { requestsPerSecond: number; non2xx: number; errors: number };
}

function options(spec: LoadSpec, durationS: number): autocannon.Options {
  const { paths } = spec;
  const rotate = paths.length > 1;
  return {
    url: `${spec.origin}${paths[0]!}`,
    connections: spec.connections,
    duration: durationS,
    headers: spec.headers,
    timeout: 30,
    ...(rotate
      ? {
          requests: [
            {
              method: 'GET',
              setupRequest: (req: autocannon.Request) => ({
                ...req,
                path: paths[Math.floor(Math.random() * paths.length)]!,
              }),
            },
          ],
        }
      : {}),
  };
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LoadSpec;

  let warmup: LoadResult['warmup'] = { requestsPerSecond: 0, non2xx: 0, errors: 0 };
  if (spec.warmupS > 0) {
    const w = await autocannon(options(spec, spec.warmupS));
    warmup = { requestsPerSecond: w.requests.average, non2xx: w.non2xx, errors: w.errors };
  }
  process.stdout.write(`${JSON.stringify({ phase: 'measure' })}\n`);
  const cpuBefore = process.cpuUsage();
  const r = await autocannon(options(spec, spec.durationS));
  const cpu = process.cpuUsage(cpuBefore);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = count ?? 0;
  const result: LoadResult = {
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    mean: r.latency.mean,
    total: r.requests.total,
    non2xx: r.non2xx,
    statusCodes,
    errors: r.errors,
    timeouts: r.timeouts,
    throughputBytesPerSecond: r.throughput.average,
    durationS: r.duration,
    loaderCpuSeconds: (cpu.user + cpu.system) / 1e6,
    warmup,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `load generator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
