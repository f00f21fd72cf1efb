import path from 'node:path';

/** Everything the benchmark can be told through the environment (all optional). */
export interface BenchSettings {
  /** Measured seconds per scenario (BENCH_DURATION, default 10). */
  durationS: number;
  /** Warm-up seconds per scenario, not reported (BENCH_WARMUP, default 3). */
  warmupS: number;
  /** Concurrent autocannon connections (BENCH_CONNECTIONS, default 10). */
  connections: number;
  /** Applications seeded per lead provider (BENCH_APPLICATIONS_PER_PROVIDER, default 12,500). */
  applicationsPerProvider: number;
  /** People seeded; the surplus applications go to people who already have one (BENCH_PEOPLE, default 85,000). */
  people: number;
  /** How many of the benchmarked provider's application ids the show scenarios rotate over (BENCH_SHOW_IDS). */
  showIds: number;
  /** Postgres server, without a database (BENCH_DATABASE_SERVER). */
  databaseServer: string;
  /** Dedicated database, dropped and recreated at start (BENCH_DATABASE, default npq_bench). */
  databaseName: string;
  /** Keep the database at the end (BENCH_KEEP_DB=1); otherwise it is dropped. */
  keepDb: boolean;
  /** Reuse an already seeded database as it is (BENCH_REUSE_DB=1): skips drop, migrate and data seeding. */
  reuseDb: boolean;
  /**
   * Also migrate and start training and finance (BENCH_ALL_SERVICES=1). Off by default: the measured routes
   * only touch the gateway and applications, and an unrelated service should not be able to break the run.
   */
  allServices: boolean;
  /** Run `pnpm -w build` even when every dist/ entry point exists (BENCH_BUILD=1). */
  forceBuild: boolean;
  /** Gateway port; the applications, training and finance services take the next three (BENCH_PORT_BASE, 3100). */
  portBase: number;
  redisUrl: string;
  natsUrl: string;
  /** NPQ_NAMESPACE of the benchmarked system (BENCH_NAMESPACE, default bench). */
  namespace: string;
  internalSecret: string;
  /** Repository root and the test package (where results are written). */
  repoRoot: string;
  testDir: string;
  resultsDir: string;
  /** Base name of the result files (latest, latest-1m, or compare-<ref> under --compare). */
  resultsName: string;
  /** `--quick`: short runs for iteration (figures are indicative only). */
  quick: boolean;
  /** `--scale 1m`: 1,000,000 applications of 850,000 people instead of 100,000 of 85,000. */
  scale: '100k' | '1m';
  /** Writes per step and concurrency (BENCH_WRITES; --quick 150, else 300). */
  writesPerStep: number;
  /**
   * Concurrencies of the write scenarios (BENCH_WRITE_CONNECTIONS, default 1,10,50): 1 is the unloaded
   * case (one request at a time), whose events give the command path's commit → projection latency.
   */
  writeConnections: number[];
  /** Declarations on the one statement of the payment run (BENCH_PAYMENT_DECLARATIONS; --quick 10,000, else 50,000). */
  paymentDeclarations: number;
  /** Eligible declarations on the due statements of the cut-off run (BENCH_CUTOFF_DECLARATIONS; --quick 5,000, else 20,000). */
  cutoffDeclarations: number;
  /** Skip phases: BENCH_SKIP=reads,writes,events,workers (or only part of the workers: statements, dqt). */
  skip: string[];
  /** Outbox backlog drained (BENCH_BACKLOG; --quick 10,000, else 100,000). */
  backlog: number;
  /**
   * Seconds of each unloaded event-latency measure at 20 events/s (BENCH_EVENT_SECONDS; --quick 5, else 10).
   * Its p99 is the 2nd-highest of 200 events at 10 s; a compare of tails wants 60 s (1,200 events).
   */
  eventSeconds: number;
}

/** `--name value` or `--name=value` on the command line. */
function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i]!.startsWith(`--${name}=`)) return argv[i]!.slice(name.length + 3);
  }
  return undefined;
}

function int(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be an integer >= ${min} (got ${JSON.stringify(raw)})`);
  return n;
}

function flag(name: string): boolean {
  return ['1', 'true', 'yes'].includes((process.env[name] ?? '').toLowerCase());
}

export function readSettings(): BenchSettings {
  const testDir = path.resolve(__dirname, '..');
  const databaseName =
    process.env.BENCH_DATABASE ?? (process.argv.includes('1m') ? 'npq_bench_1m' : 'npq_bench');
  if (!/^[a-z0-9_]+$/.test(databaseName))
    throw new Error('BENCH_DATABASE: lower-case letters, digits and underscores only');
  const namespace = process.env.BENCH_NAMESPACE ?? 'bench';
  if (!/^[a-z0-9_]+$/.test(namespace))
    throw new Error('BENCH_NAMESPACE: lower-case letters, digits and underscores only');
  const quick = process.argv.includes('--quick');
  const scale = arg('scale') ?? '100k';
  if (scale !== '100k' && scale !== '1m') throw new Error('--scale: 100k or 1m');
  const factor = scale === '1m' ? 10 : 1;
  return {
    quick,
    scale,
    writesPerStep: int('BENCH_WRITES', quick ? 150 : 300),
    writeConnections: (process.env.BENCH_WRITE_CONNECTIONS ?? '1,10,50').split(',').map(Number),
    skip: (process.env.BENCH_SKIP ?? '').split(',').filter(Boolean),
    backlog: int('BENCH_BACKLOG', quick ? 10_000 : 100_000),
    eventSeconds: int('BENCH_EVENT_SECONDS', quick ? 5 : 10),
    paymentDeclarations: int('BENCH_PAYMENT_DECLARATIONS', quick ? 10_000 : 50_000),
    cutoffDeclarations: int('BENCH_CUTOFF_DECLARATIONS', quick ? 5_000 : 20_000),
    durationS: int('BENCH_DURATION', quick ? 4 : 10),
    warmupS: int('BENCH_WARMUP', quick ? 1 : 3, 0),
    connections: int('BENCH_CONNECTIONS', 10),
    applicationsPerProvider: int('BENCH_APPLICATIONS_PER_PROVIDER', 12_500 * factor),
    people: int('BENCH_PEOPLE', 85_000 * factor),
    showIds: int('BENCH_SHOW_IDS', 2_000),
    databaseServer: (process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432').replace(
      /\/+$/,
      '',
    ),
    databaseName,
    keepDb: flag('BENCH_KEEP_DB'),
    reuseDb: flag('BENCH_REUSE_DB'),
    allServices: true, // the write scenarios need every service
    forceBuild: flag('BENCH_BUILD'),
    portBase: int('BENCH_PORT_BASE', 3100),
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
    namespace,
    internalSecret: 'bench-internal-secret',
    // --compare runs this harness against another checkout's build (see compare.ts).
    repoRoot: process.env.BENCH_SYSTEM_ROOT ?? path.resolve(testDir, '..'),
    resultsName: process.env.BENCH_RESULTS_NAME ?? `latest${scale === '100k' ? '' : `-${scale}`}`,
    testDir,
    resultsDir: path.join(testDir, 'bench', 'results'),
  };
}

export function databaseUrl(s: BenchSettings, database = s.databaseName): string {
  return `${s.databaseServer}/${database}`;
}
