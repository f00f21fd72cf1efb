/**
 * `pnpm chaos`: the platform under faults (docs/operations.md "Chaos suite").
 *
 * Starts private Postgres, Redis and NATS (never the machine's shared ones), migrates and seeds, runs every
 * process from its built `dist/` entry point (two gateways; `--replicas` of each service and worker, 2 by
 * default, 1 with `--ci`), a DQT receiver on a local port, and drives steady write load (~12 requests/s)
 * through the gateways. Each experiment injects one fault while the load runs, waits for the system to be
 * quiet, and checks every invariant over everything written since the start. Prints a table and exits
 * non-zero when an invariant failed (or the run itself did).
 *
 * Options: `--ci` (the short slice: a service kill, a NATS restart, a Postgres outage), `--only a,b`
 * (experiments by name), `--replicas N`. Logs: .run/chaos/logs/<process>.log (`--ci`: .run/chaos/ci-logs).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN, Cluster, ensureBuilt, sleep } from './cluster';
import { DqtReceiver } from './dqt-receiver';
import { EXPERIMENTS, type Experiment, type ExperimentContext } from './experiments';
import { checkInvariants, Inspector, type Check } from './invariants';
import { Load } from './load';

/**
 * A request slower than this is "hung": the longest a write waits by design is read-your-writes
 * (READ_YOUR_WRITES_TIMEOUT_MS, 2 s) after its commit; Redis and DQT are never awaited on the request path,
 * and an unreachable Postgres fails at once. The rest is margin for a loaded two-core machine.
 */
const MAX_REQUEST_MS = 10_000;
const QUIESCENCE_TIMEOUT_MS = 180_000;

const log = (line: string) =>
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Options {
  ci: boolean;
  only: string[];
  replicas: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { ci: false, only: [], replicas: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--ci') options.ci = true;
    else if (arg === '--only') options.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg === '--replicas') options.replicas = Number(argv[++i]);
    else if (arg !== '--') throw new Error(`unknown option ${arg} (known: --ci, --only a,b, --replicas N)`);
  }
  if (options.replicas === 0) options.replicas = options.ci ? 1 : 2;
  return options;
}

interface Row {
  experiment: string;
  requests: number;
  fivexx: number;
  recoveryS: string;
  quietS: string;
  checks: Check[];
}

async function runExperiment(
  experiment: Experiment,
  cluster: Cluster,
  load: Load,
  dqt: DqtReceiver,
  inspector: Inspector,
  ci: boolean,
): Promise<Row> {
  const warmupMs = ci ? 5_000 : 10_000;
  const afterMs = ci ? 10_000 : 20_000;
  const firstExchange = load.exchanges.length;
  log(`▶ ${experiment.name}`);
  load.start();
  await sleep(warmupMs);

  // A payment cycle rides along each experiment, sent while the fault is on: an authorisation of a payable
  // statement with items (one per provider after each cut-off), or else a cut-off first.
  const pick = (state: string) =>
    inspector.sql<{ id: string; deadline: string }>(
      `select s.id, to_char(s.deadline_date, 'YYYY-MM-DD') as deadline from finance.statements s
       where s.state = $1 and s.output_fee and s.marked_as_paid_at is null
         and exists (select 1 from finance.statement_items si where si.statement_id = s.id)
       order by s.deadline_date, s.id limit 1`,
      [state],
    );
  const [payable] = await pick('payable');
  const [open] = payable ? [undefined] : await pick('open');
  const statement = payable ?? open;

  const faultAt = Date.now();
  const ctx: ExperimentContext = { cluster, dqt, log };
  // A second in, so that it meets the fault (a process down, Redis empty, Postgres away).
  const payment = statement
    ? sleep(1000).then(() => load.payStatement(statement.id, statement.deadline, !payable))
    : Promise.resolve();
  await experiment.inject(ctx);
  const faultEnded = Date.now();
  // Whatever the fault killed comes back, as an orchestrator would bring it back.
  const revived = cluster.reviveDead();
  if (revived.length > 0) log(`  restarted ${revived.join(', ')}`);
  let readyAt = 0;
  const readyDeadline = Date.now() + 120_000;
  while (Date.now() < readyDeadline) {
    if (await cluster.allReady()) {
      readyAt = Date.now();
      break;
    }
    await sleep(250);
  }
  await sleep(afterMs);
  await payment;
  await load.stop();
  const loadStopped = Date.now();

  let quietAt = 0;
  let why = '';
  const quietDeadline = Date.now() + QUIESCENCE_TIMEOUT_MS;
  while (Date.now() < quietDeadline) {
    why = await inspector.busy();
    if (why === '') {
      quietAt = Date.now();
      break;
    }
    await sleep(1000);
  }
  if (!quietAt) log(`  not quiet after ${QUIESCENCE_TIMEOUT_MS / 1000} s: ${why}`);

  const exchanges = load.exchanges.slice(firstExchange);
  const failures = exchanges.filter((e) => e.status >= 500 || e.status === 0);
  const lastFailure = Math.max(
    0,
    ...failures.filter((e) => e.startedAt >= faultAt).map((e) => e.startedAt + e.ms),
  );
  const recovered = readyAt ? Math.max(readyAt, lastFailure, faultEnded) : 0;
  const checks = await checkInvariants(inspector, load, dqt, MAX_REQUEST_MS, cluster.options.logDir);
  if (!quietAt) checks.unshift({ name: 'quiescence', ok: false, detail: why });
  const row: Row = {
    experiment: experiment.name,
    requests: exchanges.length,
    fivexx: failures.length,
    recoveryS: experiment.fault ? (recovered ? ((recovered - faultAt) / 1000).toFixed(1) : 'never') : '-',
    quietS: quietAt ? ((quietAt - loadStopped) / 1000).toFixed(1) : 'never',
    checks,
  };
  for (const c of checks) log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  return row;
}

function table(rows: Row[]): string {
  const header = [
    'experiment',
    'requests',
    '5xx/none during',
    'recovery (s)',
    'quiet after (s)',
    'invariants held',
  ];
  const lines = rows.map((r) => [
    r.experiment,
    String(r.requests),
    String(r.fivexx),
    r.recoveryS,
    r.quietS,
    r.checks.every((c) => c.ok)
      ? `all ${r.checks.length}`
      : `NO: ${r.checks
          .filter((c) => !c.ok)
          .map((c) => c.name)
          .join('; ')}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const repoRoot = path.resolve(__dirname, '..', '..');
  const experiments = EXPERIMENTS.filter((e) =>
    options.only.length > 0 ? options.only.includes(e.name) : options.ci ? e.ci : true,
  );
  if (experiments.length === 0) throw new Error(`no experiment matches ${options.only.join(',')}`);
  await ensureBuilt(repoRoot, log);

  const logDir = path.join(repoRoot, '.run', 'chaos', options.ci ? 'ci-logs' : 'logs');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const dqt = new DqtReceiver(400);
  await dqt.start();
  log(
    `starting private Postgres, Redis and NATS, then the system (${options.replicas} replica(s) of each service)`,
  );
  const cluster = await Cluster.start({ repoRoot, logDir, replicas: options.replicas, dqtUrl: dqt.url });
  const stopAll = async () => {
    await cluster.stop().catch(() => undefined);
    await dqt.stop().catch(() => undefined);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }
  try {
    log(`system up: ${cluster.processes.length} processes; logs in ${path.relative(process.cwd(), logDir)}`);
    const inspector = new Inspector(cluster.databaseUrl, cluster.nats.url);
    const load = new Load(cluster.gatewayUrls, ADMIN_TOKEN);
    const rows: Row[] = [];
    for (const experiment of experiments) {
      rows.push(await runExperiment(experiment, cluster, load, dqt, inspector, options.ci));
    }
    const total = load.exchanges.length;
    const byKind = new Map<string, number>();
    for (const e of load.exchanges)
      if (e.status >= 200 && e.status < 300) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
    process.stdout.write(`\n${table(rows)}\n\n`);
    process.stdout.write(
      `${total} requests; 2xx by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}; ` +
        `${dqt.pushes.length} DQT pushes received; ${load.paymentRuns.filter((r) => r.authorised).length} payment runs\n`,
    );
    const other = new Map<string, number>();
    for (const e of load.exchanges)
      if (e.status < 200 || e.status >= 300)
        other.set(`${e.kind} ${e.status}`, (other.get(`${e.kind} ${e.status}`) ?? 0) + 1);
    process.stdout.write(`other answers: ${[...other].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'}\n`);
    const failed = rows.filter((r) => r.checks.some((c) => !c.ok));
    if (failed.length > 0) {
      process.stdout.write(`\nInvariants failed in: ${failed.map((r) => r.experiment).join(', ')}\n`);
      return 1;
    }
    return 0;
  } finally {
    await stopAll();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    process.stderr.write(
      `[chaos] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(2);
  });
