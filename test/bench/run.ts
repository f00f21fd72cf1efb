/**
 * `pnpm bench`: throughput and latency of the applications read routes, through the gateway and straight
 * against the applications service, on a realistic volume of data.
 *
 * 1. Builds the gateway, the applications service and their dependencies if a dist/ entry point is missing
 *    (also when src/ is newer than dist/; BENCH_BUILD=1 forces it).
 * 2. Recreates a dedicated database (npq_bench), migrates the services, seeds the gateway (one token per
 *    lead provider) and then 100,000 applications of 85,000 people across the 8 providers with set-based
 *    SQL (see seed.ts), then VACUUM ANALYZE.
 * 3. Starts the gateway and the applications service from dist/ on ports 3100 and 3101 with a namespace of
 *    their own (BENCH_ALL_SERVICES=1 adds training and finance on 3102 and 3103).
 * 4. For each scenario, runs autocannon in a separate process (load.ts): a warm-up, then the measured run.
 *    Scenarios: list page 1 (`page[per_page]=100`), show by id (a random id of the provider's per request),
 *    list page 50, and list with `filter[updated_since]` (30 days), each via the gateway and direct.
 * 5. Prints a Markdown report (req/s, p50/p99, non-2xx, gateway overhead, CPU split) and writes it to
 *    bench/results/latest.md. Nothing is asserted; non-2xx responses are flagged loudly.
 * 6. Stops every process it started (also on failure or Ctrl-C) and drops the database unless BENCH_KEEP_DB=1.
 *
 * Settings (environment): BENCH_DURATION (s, 10), BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (10),
 * BENCH_ONLY (comma list of list,show,page50,updated_since), BENCH_APPLICATIONS_PER_PROVIDER (12500),
 * BENCH_PEOPLE (85000), BENCH_KEEP_DB, BENCH_REUSE_DB (keep an already seeded database), BENCH_BUILD,
 * BENCH_ALL_SERVICES, BENCH_PORT_BASE (3100), BENCH_DATABASE (npq_bench), BENCH_DATABASE_SERVER,
 * BENCH_REDIS_URL, BENCH_NATS_URL, BENCH_NAMESPACE (bench). See settings.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LEAD_PROVIDERS } from '@npq/contracts';
import { connectMessaging, deleteStream, Naming } from '@npq/service-kit';
import { ProcessGroup, run, waitForHttp } from './processes';
import { compare } from './compare';
import { BARE_LIST, BARE_SCHEMA_SQL, BARE_SHOW } from './bare';
import { dqtPushes, type DqtRow } from './dqt-workers';
import {
  cutoffRun,
  deleteQueueKeys,
  paymentRun,
  type CutoffRow,
  type PaymentRunRow,
} from './finance-workers';
import { EventLatency, type DrainRow, type LatencyRow } from './event-latency';
import { RssSampler } from './memory';
import { EventObserver } from './observer';
import { literal, psql } from './psql';
import { failures, NOISY_OTHER_CPU, renderReport, type Environment } from './report';
import { renderExtra, resultsJson, type Extra, type JsonRow } from './results';
import { writeScenarios, type WriteContext, type WriteRow } from './write-scenarios';
import { runScenario, type Pids, type Scenario, type ScenarioResult } from './scenarios';
import { countUpdatedSince, sampleApplicationIds, seedSql, summarise, type DataSummary } from './seed';
import { databaseUrl, readSettings, type BenchSettings } from './settings';

const SERVICES = ['gateway', 'applications', 'training', 'finance'] as const;
type ServiceName = (typeof SERVICES)[number];

/** The services this run migrates and starts (ports stay fixed by position in SERVICES either way). */
function servicesToRun(s: BenchSettings): ServiceName[] {
  return s.allServices ? [...SERVICES] : ['gateway', 'applications'];
}

const ADMIN_TOKEN = 'bench-admin-token';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function portOf(s: BenchSettings, service: ServiceName): number {
  return s.portBase + SERVICES.indexOf(service);
}

/** The environment every process of the benchmarked system reads (packages/service-kit/src/config.ts). */
function systemEnv(s: BenchSettings): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl(s),
    REDIS_URL: s.redisUrl,
    NATS_URL: s.natsUrl,
    NPQ_NAMESPACE: s.namespace,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(portOf(s, 'gateway')),
    SERVICE_HOST: '127.0.0.1',
    APPLICATIONS_PORT: String(portOf(s, 'applications')),
    TRAINING_PORT: String(portOf(s, 'training')),
    FINANCE_PORT: String(portOf(s, 'finance')),
    APPLICATIONS_URL: `http://127.0.0.1:${portOf(s, 'applications')}`,
    TRAINING_URL: `http://127.0.0.1:${portOf(s, 'training')}`,
    FINANCE_URL: `http://127.0.0.1:${portOf(s, 'finance')}`,
    INTERNAL_API_SECRET: s.internalSecret,
    // The write scenarios date their commands with X-With-Server-Date (sandbox only).
    SANDBOX: 'true',
    NPQ_ADMIN_TOKEN: ADMIN_TOKEN,
    RATE_LIMIT_MAX: '100000000',
    // One token drives 10–50 connections here; the per-token in-flight cap (8) would answer 429.
    GATEWAY_MAX_IN_FLIGHT_PER_TOKEN: '100000',
    GATEWAY_METRICS_PORT: String(s.portBase + 9),
  };
}

const distFile = (s: BenchSettings, service: ServiceName, file: string) =>
  path.join(s.repoRoot, 'services', service, 'dist', file);

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds what this run starts when dist/ is missing, older than src/ (never benchmark stale code), or when
 * BENCH_BUILD=1. Returns warnings for the report.
 */
async function ensureBuilt(group: ProcessGroup, s: BenchSettings): Promise<string[]> {
  const needed = [
    ...servicesToRun(s).flatMap((svc) => [distFile(s, svc, 'server.js'), distFile(s, svc, 'db.js')]),
    distFile(s, 'gateway', 'seed.js'),
    distFile(s, 'finance', 'seed.js'),
    ...['contracts', 'service-kit'].map((p) => path.join(s.repoRoot, 'packages', p, 'dist', 'index.js')),
  ];
  const missing = () => needed.filter((f) => !existsSync(f));
  const roots = [
    ...servicesToRun(s).map((svc) => path.join(s.repoRoot, 'services', svc)),
    ...['contracts', 'service-kit'].map((p) => path.join(s.repoRoot, 'packages', p)),
  ];
  const stale = roots.filter(
    (root) => newestMtime(path.join(root, 'src')) > newestMtime(path.join(root, 'dist')),
  );
  const before = missing();
  if (before.length === 0 && stale.length === 0 && !s.forceBuild) return [];
  // The services this run starts and what they depend on (`pkg...`), so a half-edited service elsewhere
  // cannot fail the build.
  const args = s.allServices
    ? ['-w', 'build']
    : ['-r', ...servicesToRun(s).flatMap((svc) => ['--filter', `@npq/${svc}...`]), 'build'];
  const why =
    before.length > 0
      ? `dist/ incomplete (${path.relative(s.repoRoot, before[0]!)}…)`
      : stale.length > 0
        ? `src/ newer than dist/ in ${stale.map((r) => path.relative(s.repoRoot, r)).join(', ')}`
        : 'BENCH_BUILD=1';
  log(`${why}: running pnpm ${args.join(' ')}`);
  await run(group, 'pnpm', args, { cwd: s.repoRoot });
  const after = missing();
  if (after.length > 0) {
    // Every package's build starts with `rm -rf dist`, so a build running elsewhere in the tree can empty it.
    throw new Error(
      `${path.relative(s.repoRoot, after[0]!)} is missing after the build: is another build running in this tree?`,
    );
  }
  return [];
}

async function gitCommit(group: ProcessGroup, s: BenchSettings): Promise<string> {
  try {
    const head = (
      await run(group, 'git', ['rev-parse', '--short', 'HEAD'], { cwd: s.repoRoot })
    ).stdout.trim();
    const dirty =
      (
        await run(group, 'git', ['status', '--porcelain', '--untracked-files=no'], { cwd: s.repoRoot })
      ).stdout.trim() !== '';
    return dirty ? `${head} (working tree modified)` : head;
  } catch {
    return 'unknown';
  }
}

async function prepareDatabase(group: ProcessGroup, s: BenchSettings): Promise<void> {
  const admin = databaseUrl(s, 'postgres');
  if (!s.reuseDb) {
    log(`recreating database ${s.databaseName}`);
    await psql(group, admin, `drop database if exists "${s.databaseName}" with (force);`);
  }
  const exists = await psql(group, admin, `select 1 from pg_database where datname = '${s.databaseName}';`);
  if (exists.length === 0) await psql(group, admin, `create database "${s.databaseName}";`);
  const env = systemEnv(s);
  const services = servicesToRun(s);
  await Promise.all(
    services.map((svc) =>
      run(group, process.execPath, [distFile(s, svc, 'db.js'), 'migrate'], { cwd: s.repoRoot, env }),
    ),
  );
  log(`migrations applied (${services.join(', ')})`);
}

async function seedFinance(group: ProcessGroup, s: BenchSettings): Promise<void> {
  await run(group, process.execPath, [distFile(s, 'finance', 'seed.js')], {
    cwd: s.repoRoot,
    env: systemEnv(s),
  });
}

async function seedGatewayTokens(group: ProcessGroup, s: BenchSettings): Promise<Map<string, string>> {
  const { stdout } = await run(group, process.execPath, [distFile(s, 'gateway', 'seed.js')], {
    cwd: s.repoRoot,
    env: systemEnv(s),
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  const { tokens } = JSON.parse(line) as { tokens: { leadProviderId: string; token: string }[] };
  return new Map(tokens.map((t) => [t.leadProviderId, t.token]));
}

async function seedData(group: ProcessGroup, s: BenchSettings): Promise<void> {
  const url = databaseUrl(s);
  const [[count = '0'] = []] = await psql(group, url, 'select count(*) from applications.applications;');
  if (Number(count) > 0) {
    log(`BENCH_REUSE_DB: keeping the ${count} applications already in ${s.databaseName}`);
    return;
  }
  const started = Date.now();
  log(`seeding ${s.applicationsPerProvider * LEAD_PROVIDERS.length} applications and ${s.people} people`);
  await psql(group, url, seedSql({ applicationsPerProvider: s.applicationsPerProvider, people: s.people }));
  log(`seeded and analysed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function startSystem(group: ProcessGroup, s: BenchSettings): Promise<Pids> {
  const env = systemEnv(s);
  // BENCH_PROFILE=gateway,finance: those processes run with --cpu-prof (written when they stop) into
  // results/profiles/, summarised by `tsx bench/profile-summary.ts <file>`.
  const profiled = (process.env.BENCH_PROFILE ?? '').split(',').filter(Boolean);
  const profileDir = path.join(s.resultsDir, 'profiles');
  if (profiled.length > 0) mkdirSync(profileDir, { recursive: true });
  const children = servicesToRun(s).map((svc) => ({
    svc,
    child: group.startServer(
      svc,
      distFile(s, svc, 'server.js'),
      env,
      s.repoRoot,
      profiled.includes(svc)
        ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${svc}.cpuprofile`]
        : [],
    ),
  }));
  await Promise.all(
    children.map(({ svc, child }) =>
      waitForHttp(`http://127.0.0.1:${portOf(s, svc)}/health/ready`, child, 60_000, group.logPath(svc)),
    ),
  );
  log(
    `system up: gateway :${portOf(s, 'gateway')}, applications :${portOf(s, 'applications')} (logs in ${path.relative(process.cwd(), group.logDir)})`,
  );
  const bare = group.startServer(
    'bare',
    path.join(__dirname, 'bare.ts'),
    { ...process.env, BARE_PORT: String(s.portBase + 8), BARE_DATABASE_URL: databaseUrl(s) },
    s.testDir,
    process.execArgv,
  );
  await waitForHttp(`http://127.0.0.1:${s.portBase + 8}/health`, bare, 30_000, group.logPath('bare'));
  const pid = (svc: ServiceName) => children.find((c) => c.svc === svc)?.child.pid;
  return {
    gateway: pid('gateway'),
    applications: pid('applications'),
    training: pid('training'),
    finance: pid('finance'),
    bare: bare.pid,
  };
}

/** A UTC instant without milliseconds, as providers send it. */
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function buildScenarios(
  s: BenchSettings,
  leadProviderId: string,
  token: string,
  ids: string[],
  updatedSinceNote: string,
  since: Date,
): Scenario[] {
  const gateway = {
    origin: `http://127.0.0.1:${portOf(s, 'gateway')}`,
    headers: { authorization: `Bearer ${token}` },
  };
  const direct = {
    origin: `http://127.0.0.1:${portOf(s, 'applications')}`,
    headers: {
      'x-npq-internal-secret': s.internalSecret,
      'x-npq-scope': 'lead_provider',
      'x-npq-lead-provider-id': leadProviderId,
    },
  };
  const bare = { origin: `http://127.0.0.1:${s.portBase + 8}`, headers: {} };
  const lp = leadProviderId;
  const base = '/api/v3/npq-applications';
  const routes: (Omit<Scenario, 'target' | 'origin' | 'headers'> & { barePaths?: string[] })[] = [
    {
      pair: 'list',
      label: 'List, page 1 of 100',
      route: `${base}?page[per_page]=100`,
      paths: [`${base}?page[per_page]=100`],
      barePaths: [`/list?lp=${lp}&limit=100&offset=0`],
    },
    {
      pair: 'show',
      label: 'Show by id',
      route: `${base}/{id}`,
      paths: ids.map((id) => `${base}/${id}`),
      barePaths: ids.map((id) => `/show/${id}?lp=${lp}`),
      note: `a random one of ${ids.length} of the provider's application ids per request`,
    },
    {
      pair: 'page50',
      label: 'List, page 50 of 100',
      route: `${base}?page[per_page]=100&page[page]=50`,
      paths: [`${base}?page[per_page]=100&page[page]=50`],
      barePaths: [`/list?lp=${lp}&limit=100&offset=4900`],
    },
    {
      pair: 'updated_since',
      label: 'List, updated_since 30 days',
      route: `${base}?page[per_page]=100&filter[updated_since]=${isoSeconds(since)}`,
      paths: [`${base}?page[per_page]=100&filter[updated_since]=${encodeURIComponent(isoSeconds(since))}`],
      note: updatedSinceNote,
    },
  ];
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const unknown = only.filter((o) => !routes.some((r) => r.pair === o));
  if (unknown.length > 0)
    throw new Error(
      `BENCH_ONLY: unknown scenario(s) ${unknown.join(', ')} (known: ${routes.map((r) => r.pair).join(', ')})`,
    );
  return routes
    .filter((r) => only.length === 0 || only.includes(r.pair))
    .flatMap(({ barePaths, ...r }) => [
      { ...r, target: 'gateway' as const, ...gateway },
      { ...r, target: 'direct' as const, ...direct },
      ...(barePaths ? [{ ...r, paths: barePaths, target: 'bare' as const, ...bare }] : []),
    ]);
}

/**
 * One request per scenario before any load: each must answer 200, and the gateway and the service must
 * return the same body (otherwise the two figures would not measure the same work).
 */
async function sanityCheck(scenarios: Scenario[]): Promise<void> {
  const bodies = new Map<string, string>();
  const bareIds = new Map<string, string>();
  // Bare first, so the service's answers are checked against it.
  for (const sc of [...scenarios].sort((a, b) => Number(b.target === 'bare') - Number(a.target === 'bare'))) {
    const res = await fetch(`${sc.origin}${sc.paths[0]!}`, { headers: sc.headers });
    const text = await res.text();
    if (res.status !== 200)
      throw new Error(`${sc.label} via ${sc.target}: HTTP ${res.status} ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { data: unknown };
    if (sc.pair === 'list' && (!Array.isArray(body.data) || body.data.length !== 100)) {
      throw new Error(
        `${sc.label} via ${sc.target}: expected 100 applications, got ${Array.isArray(body.data) ? body.data.length : typeof body.data}`,
      );
    }
    // The bare route answers raw rows: compare which applications it returns, in which order.
    const ids = JSON.stringify(
      (Array.isArray(body.data) ? body.data : [body.data]).map((x) => (x as { id: string }).id),
    );
    if (sc.target === 'bare') {
      if (bareIds.get(sc.pair) === undefined) bareIds.set(sc.pair, ids);
      continue;
    }
    if (bareIds.has(sc.pair) && bareIds.get(sc.pair) !== ids)
      throw new Error(`${sc.label}: the bare baseline returned other applications than ${sc.target}`);
    const other = bodies.get(sc.pair);
    if (other !== undefined && other !== text)
      log(`WARNING: ${sc.label}: the gateway and the service answered different bodies`);
    bodies.set(sc.pair, text);
  }
}

async function postgresVersion(group: ProcessGroup, s: BenchSettings): Promise<string> {
  const [[version = 'PostgreSQL ?'] = []] = await psql(
    group,
    databaseUrl(s, 'postgres'),
    'show server_version;',
  );
  return `PostgreSQL ${version.split(' ')[0]}`;
}

async function main(group: ProcessGroup, s: BenchSettings): Promise<number> {
  const warnings = await ensureBuilt(group, s);
  if (s.quick) warnings.push('--quick: short runs, figures indicative only');
  const commit = await gitCommit(group, s);
  await prepareDatabase(group, s);
  const tokens = await seedGatewayTokens(group, s);
  await seedFinance(group, s);
  await seedData(group, s);
  const url = databaseUrl(s);
  await psql(group, url, BARE_SCHEMA_SQL);
  const data = await summarise(group, url);

  const provider = LEAD_PROVIDERS[0];
  const token = tokens.get(provider.id);
  if (!token) throw new Error(`the gateway seed printed no token for ${provider.name}`);
  const ids = await sampleApplicationIds(group, url, provider.id, s.showIds);
  const since = new Date(Date.now() - 30 * 24 * 3600 * 1000);
  const matching = await countUpdatedSince(group, url, provider.id, since);
  const perProvider = Math.round(data.applications / Math.max(1, data.providers));
  const scenarios = buildScenarios(
    s,
    provider.id,
    token,
    ids,
    `matches ${matching.toLocaleString('en-GB')} of the provider's ${perProvider.toLocaleString('en-GB')} applications`,
    since,
  );

  const pids = await startSystem(group, s);
  const observer = await EventObserver.start(s.natsUrl, s.namespace);
  const rss = new RssSampler(
    () =>
      new Map<string, number | undefined>([
        ['gateway', pids.gateway],
        ['applications', pids.applications],
        ['training', pids.training],
        ['finance', pids.finance],
        ['bare baseline', pids.bare],
      ]),
  );
  await new Promise((resolve) => setTimeout(resolve, 2000));
  rss.idle();
  rss.load();

  const results: ScenarioResult[] = [];
  if (!s.skip.includes('reads')) {
    await sanityCheck(scenarios);
    log(
      `benchmarking as ${provider.name}: ${scenarios.length} read scenarios × (${s.warmupS} s warm-up + ${s.durationS} s), ${s.connections} connections`,
    );
    for (const sc of scenarios) {
      const load = { connections: s.connections, warmupS: s.warmupS, durationS: s.durationS };
      const r = await runScenario(group, sc, load, { ...pids, database: s.databaseName }, s.testDir);
      results.push(r);
      const flag =
        (r.load.non2xx > 0 || r.load.errors > 0
          ? `  !! non-2xx ${r.load.non2xx}, errors ${r.load.errors} ${JSON.stringify(r.load.statusCodes)}`
          : '') +
        ((r.cpu.other ?? 0) > NOISY_OTHER_CPU
          ? `  (noisy: other processes used ${r.cpu.other!.toFixed(0)}% of a core)`
          : '');
      log(
        `${sc.label.padEnd(30)} ${sc.target.padEnd(7)} ${r.load.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${r.load.p50} ms  p99 ${r.load.p99} ms${flag}`,
      );
    }
  }

  const writes: WriteRow[] = [];
  const commandEvents: Extra['commandEvents'] = [];
  if (!s.skip.includes('writes')) {
    const ctx: WriteContext = {
      group,
      cwd: s.testDir,
      gateway: `http://127.0.0.1:${portOf(s, 'gateway')}`,
      bare: `http://127.0.0.1:${s.portBase + 8}`,
      providerToken: token,
      adminToken: ADMIN_TOKEN,
      leadProviderId: provider.id,
      serviceOrigins: (['applications', 'training', 'finance'] as const).map(
        (svc) => `http://127.0.0.1:${portOf(s, svc)}`,
      ),
      serviceHeaders: { 'x-npq-internal-secret': s.internalSecret },
      pids: {
        gateway: pids.gateway,
        applications: pids.applications,
        training: pids.training,
        finance: pids.finance,
        bare: pids.bare,
      },
      log,
      observer,
      runTag: Math.floor(Date.now() / 1000) % 9,
    };
    for (const c of s.writeConnections) {
      const level = await writeScenarios(ctx, s.writesPerStep, c);
      writes.push(...level.rows);
      commandEvents.push({ connections: c, events: level.events });
    }
  }

  const latency: LatencyRow[] = [];
  let drain: DrainRow | undefined;
  if (!s.skip.includes('events') && !s.skip.includes('writes')) {
    const events = await EventLatency.open(url, observer, s.natsUrl, s.namespace);
    try {
      // The loaded step stays short: 10 s at 1,000 events/s is 10,000 samples already.
      const loadedSecs = s.quick ? 5 : 10;
      latency.push(await events.measure('unloaded, published at commit', 'commit', 20, s.eventSeconds));
      latency.push(
        await events.measure('~1,000 events/s, published at commit', 'commit', 1000, loadedSecs, 60_000),
      );
      latency.push(await events.measure('unloaded, relay fallback (polls)', 'relay', 20, s.eventSeconds));
      log(
        `event latency: ${latency
          .map(
            (l) =>
              `${l.label}: ${l.commitToApplied.map((c) => `${c.consumer} p50 ${c.p50.toFixed(1)} p99 ${c.p99.toFixed(1)} ms`).join(', ')} (missing ${l.missing})`,
          )
          .join('; ')}`,
      );
      drain = await events.drain(s.backlog, s.quick ? 120 : 600);
      log(
        `outbox backlog of ${s.backlog}: relay ${drain.relaySeconds?.toFixed(1) ?? '>limit'} s, applied ${drain.appliedSeconds?.toFixed(1) ?? `>limit (${drain.appliedCount})`} s`,
      );
    } finally {
      await events.close();
    }
  }
  let cutoff: CutoffRow | undefined;
  let payment: PaymentRunRow | undefined;
  if (!s.skip.includes('workers') && !s.skip.includes('statements')) {
    const financeCtx = {
      databaseUrl: url,
      gateway: `http://127.0.0.1:${portOf(s, 'gateway')}`,
      adminToken: ADMIN_TOKEN,
      redisUrl: s.redisUrl,
      queuePrefix: new Naming(s.namespace).queuePrefix,
      financePid: pids.finance,
      log,
    };
    // The cut-off first: the finance worker started for the payment run runs a cut-off of its own at start.
    cutoff = await cutoffRun(financeCtx, s.cutoffDeclarations, 40);
    log(
      `cut-off: ${cutoff.status}, ${cutoff.seconds.toFixed(2)} s for ${cutoff.statementsMarkedPayable ?? '?'} statements and ${cutoff.declarationsMarkedPayable ?? '?'} declarations (floor ${cutoff.floorSeconds.toFixed(2)} s, with outbox rows ${cutoff.floorWithOutboxSeconds.toFixed(2)} s)`,
    );
    payment = await paymentRun(
      financeCtx,
      s.paymentDeclarations,
      () =>
        group.startServer('finance-worker', distFile(s, 'finance', 'worker.js'), systemEnv(s), s.repoRoot),
      s.quick ? 300 : 900,
    );
    log(
      `payment run: ${payment.declarationsPaid} paid, ${payment.declarationsClawedBack} clawed back in ${payment.seconds?.toFixed(2) ?? '>limit'} s (job ${payment.jobSeconds?.toFixed(2) ?? 'n/a'} s${payment.jobFailedReason ? `, FAILED: ${payment.jobFailedReason}` : ''}); worker RSS ${payment.workerIdleRssMiB?.toFixed(0)} → ${payment.workerPeakRssMiB?.toFixed(0)} MiB; floor ${payment.floorSeconds.toFixed(2)} s, with outbox rows ${payment.floorWithOutboxSeconds.toFixed(2)} s`,
    );
    if (payment.workerPeakRssMiB !== undefined) rss.peakMiB.set('finance worker', payment.workerPeakRssMiB);
  }
  let dqt: DqtRow | undefined;
  if (!s.skip.includes('workers') && !s.skip.includes('dqt')) {
    dqt = await dqtPushes(
      group,
      url,
      (dqtUrl) =>
        group.startServer(
          'training-worker',
          distFile(s, 'training', 'worker.js'),
          { ...systemEnv(s), DQT_API_URL: dqtUrl },
          s.repoRoot,
        ),
      s.quick ? 500 : 2000,
      50,
      s.quick ? 120 : 300,
    );
    log(
      `DQT pushes: ${dqt.received} of ${dqt.deliveries} received, ${dqt.pushesPerSecond?.toFixed(1) ?? 'n/a'} pushes/s (first after ${dqt.firstPushAfterS?.toFixed(1) ?? 'n/a'} s), ${dqt.sent} recorded as sent`,
    );
    if (dqt.workerPeakRssMiB !== undefined) rss.peakMiB.set('training worker', dqt.workerPeakRssMiB);
  }
  rss.stop();
  await observer.close();
  const parked = await psql(
    group,
    url,
    `select 'applications', count(*) from applications.parked_messages union all
     select 'training', count(*) from training.parked_messages union all
     select 'finance', count(*) from finance.parked_messages;`,
  );
  const plans = await explainHotQueries(group, s, provider.id, ids[0]!, since);

  const cpus = os.cpus();
  const env: Environment = {
    date: new Date(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: await postgresVersion(group, s),
    connections: s.connections,
    warmupS: s.warmupS,
    durationS: s.durationS,
    commit,
    warnings,
  };
  const extra: Extra = {
    scale: s.scale,
    writes,
    commandEvents,
    dqt,
    cutoff,
    payment,
    latency,
    drain,
    rss: { idle: rss.idleMiB, peak: rss.peakMiB },
    parked: parked.map(([svc, n]) => [svc!, Number(n)] as [string, number]),
    plansFile: s.resultsName.startsWith('latest') ? `explain-${s.scale}.txt` : `${s.resultsName}-explain.txt`,
  };
  if (s.scale !== '100k')
    extra.growth = growthAgainst(path.join(s.resultsDir, 'latest.json'), env, data, results, extra);
  const report = renderReport(env, data, results) + renderExtra(extra, results);
  process.stdout.write(`\n${report}\n`);
  mkdirSync(s.resultsDir, { recursive: true });
  const file = path.join(s.resultsDir, `${s.resultsName}.md`);
  writeFileSync(file, report);
  writeFileSync(
    path.join(s.resultsDir, `${s.resultsName}.json`),
    `${JSON.stringify(resultsJson(env, data, results, extra), null, 2)}\n`,
  );
  writeFileSync(path.join(s.resultsDir, extra.plansFile), plans);
  log(`report written to ${path.relative(process.cwd(), file)} (and .json, ${extra.plansFile})`);

  const bad = failures(results);
  if (bad.length > 0 || writes.some((w) => w.result.non2xx > 0 || w.result.errors > 0)) {
    process.stderr.write(
      `\n${'!'.repeat(78)}\n!! some scenario(s) had non-2xx responses or connection errors: their figures are NOT valid.\n` +
        `!! See ${path.relative(process.cwd(), s.resultsDir)}/logs/*.log\n${'!'.repeat(78)}\n\n`,
    );
  }
  return 0; // results are printed, not asserted
}

/** Latency growth of each scenario against the 100k results on disk (same machine, earlier run). */
function growthAgainst(
  file: string,
  env: Environment,
  data: DataSummary,
  results: ScenarioResult[],
  extra: Extra,
): Extra['growth'] {
  if (!existsSync(file)) {
    log(`no ${file}: run \`pnpm bench\` (100k) first for the growth factors`);
    return undefined;
  }
  const before = JSON.parse(readFileSync(file, 'utf8')) as { scenarios: JsonRow[] };
  const now = resultsJson(env, data, results, extra).scenarios as JsonRow[];
  const key = (r: JsonRow) => `${r.scenario}|${r.via}|${r.connections}`;
  const old = new Map(before.scenarios.map((r) => [key(r), r]));
  return now.flatMap((r) => {
    const o = old.get(key(r));
    return o
      ? [
          {
            scenario: r.scenario,
            via: r.via,
            connections: r.connections,
            p50: r.p50_ms / Math.max(o.p50_ms, 0.1),
            p99: r.p99_ms / Math.max(o.p99_ms, 0.1),
            rps: r.req_per_s / o.req_per_s,
          },
        ]
      : [];
  });
}

/** EXPLAIN (ANALYZE, BUFFERS) of the hot read queries, saved beside the results so plan changes show in review. */
async function explainHotQueries(
  group: ProcessGroup,
  s: BenchSettings,
  leadProviderId: string,
  applicationId: string,
  since: Date,
): Promise<string> {
  const url = databaseUrl(s);
  const lp = literal(leadProviderId);
  const queries: [string, string][] = [
    ['List, page 1 of 100', BARE_LIST.replace('$1', lp).replace('$2', '100').replace('$3', '0')],
    ['List, page 50 of 100', BARE_LIST.replace('$1', lp).replace('$2', '100').replace('$3', '4900')],
    ['Show by id', BARE_SHOW.replace('$1', literal(applicationId)).replace('$2', lp)],
    [
      'List, updated_since 30 days (as the service sends it)',
      `with page as (
         select a.id, row_number() over (order by a.created_at asc, a.id asc) as position
         from applications.applications a where a.lead_provider_id = ${lp} and a.id in (
           select u.id from applications.applications u where u.lead_provider_id = ${lp} and u.updated_at >= ${literal(since.toISOString())}
           union
           select x.id from applications.people p join applications.applications x on x.person_id = p.id
           where p.significantly_updated_at >= ${literal(since.toISOString())} and x.lead_provider_id = ${lp})
         order by a.created_at asc, a.id asc limit 100 offset 0)
       select a.id from applications.applications a join page on page.id = a.id order by page.position`,
    ],
    [
      'Accept: another accepted application of the person or TRN (applications/commands.ts)',
      `select 1 from applications.applications a
       where a.person_id in (select p.id from applications.people p where p.id = (select person_id from applications.applications where id = ${literal(applicationId)})
                             union all select p.id from applications.people p where p.trn = '1000001')
         and a.id <> ${literal(applicationId)} and a.status = 'accepted' and coalesce(a.training_status, '') <> 'withdrawn'
         and a.course_identifier = any('{npq-headship}'::text[]) and a.cohort_identifier = '2025a'
       limit 1`,
    ],
    [
      'Outbox relay claim (finance)',
      `select seq, id, subject, envelope from finance.outbox where published_at is null order by seq limit 200`,
    ],
  ];
  const out: string[] = [`-- ${s.scale}: EXPLAIN (ANALYZE, BUFFERS) after the run\n`];
  for (const [label, sql] of queries) {
    const rows = await psql(group, url, `explain (analyze, buffers) ${sql};`);
    out.push(`== ${label}\n${rows.map((r) => r.join('|')).join('\n')}\n`);
  }
  return out.join('\n');
}

async function cleanup(group: ProcessGroup, s: BenchSettings): Promise<void> {
  await group.stopAll();
  if (s.keepDb) {
    log(`keeping database ${s.databaseName} (BENCH_KEEP_DB=1)`);
    return;
  }
  try {
    await psql(
      group,
      databaseUrl(s, 'postgres'),
      `drop database if exists "${s.databaseName}" with (force);`,
    );
    log(`dropped database ${s.databaseName}`);
  } catch (err) {
    log(`could not drop ${s.databaseName}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The namespace's BullMQ keys (the workers' queues and jobs), so a later run starts from none.
  try {
    const prefix = new Naming(s.namespace).queuePrefix;
    log(`deleted ${await deleteQueueKeys(s.redisUrl, prefix)} Redis keys under ${prefix}:`);
  } catch (err) {
    log(`could not delete the queue keys: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The namespace's JetStream stream (with the backlog phase, 100,000+ messages on the shared NATS).
  try {
    const naming = new Naming(s.namespace);
    const messaging = await connectMessaging(s.natsUrl, naming, 'npq-bench-cleanup');
    await deleteStream(messaging.jsm, naming);
    await messaging.nc.close();
    log(`deleted stream ${naming.stream}`);
  } catch (err) {
    log(`could not delete the stream: ${err instanceof Error ? err.message : String(err)}`);
  }
}

if (process.argv.includes('--compare')) {
  // A run of its own: two benchmark runs (the ref's build, then this tree's) and a comparison.
  compare().catch((err: unknown) => {
    process.stderr.write(`[bench --compare] failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
} else {
  start();
}

function start(): void {
  const settings = readSettings();
  // Logs of a compare or named run apart from latest's, so that runs side by side never truncate each other's.
  const group = new ProcessGroup(
    path.join(
      settings.resultsDir,
      settings.resultsName.startsWith('latest') ? 'logs' : `logs-${settings.resultsName}`,
    ),
  );
  let cleaning: Promise<void> | undefined;
  let interrupted = false;
  const cleanupOnce = () => (cleaning ??= cleanup(group, settings));

  process.on('uncaughtException', (err) => {
    process.stderr.write(`[bench] failed: ${err.stack ?? err.message}\n`);
    void cleanupOnce().finally(() => process.exit(1));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interrupted = true;
      log(`${signal}: stopping`);
      void cleanupOnce().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }

  void main(group, settings)
    .catch((err: unknown) => {
      if (interrupted) return 130; // the children were stopped under it; nothing to report
      process.stderr.write(
        `[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      return 1;
    })
    .then(async (code) => {
      await cleanupOnce();
      process.exit(code);
    });
}
