import type { DqtRow } from './dqt-workers';
import type { DrainRow, LatencyRow } from './event-latency';
import type { CutoffRow, PaymentRunRow } from './finance-workers';
import type { Environment } from './report';
import type { ScenarioResult } from './scenarios';
import type { LatencySummary } from './observer';
import type { DataSummary } from './seed';
import type { WriteRow } from './write-scenarios';

export interface Extra {
  scale: string;
  writes: WriteRow[];
  /** Per write concurrency: publish → applied of every event the commands published (the command path). */
  commandEvents: { connections: number; events: LatencySummary[] }[];
  latency: LatencyRow[];
  drain?: DrainRow;
  dqt?: DqtRow;
  cutoff?: CutoffRow;
  payment?: PaymentRunRow;
  /** Growth against the 100k results (1m runs only). */
  growth?: { scenario: string; via: string; connections: number; p50: number; p99: number; rps: number }[];
  rss: { idle: Map<string, number>; peak: Map<string, number> };
  /** Parked (poison) messages per service at the end: anything above 0 makes the event figures suspect. */
  parked: [string, number][];
  plansFile: string;
}

/** One line of latest.json: the issue's columns (scenario, via, req/s, p50, p99, baseline req/s, ratio). */
export interface JsonRow {
  scenario: string;
  via: string;
  connections: number;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  baseline: string | null;
  baseline_req_per_s: number | null;
  ratio: number | null;
  non_2xx: number;
  ryw_wait_p99_ms?: number | null;
  ryw_share_of_p99?: number | null;
  cpu_ms_per_request?: Record<string, number> | null;
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? 'n/a'
    : n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number | undefined) => (n === undefined ? 'n/a' : fmt(n, n < 10 ? 1 : 0));

function table(header: string[], rows: string[][]): string {
  return [header, header.map((_, i) => (i === 0 ? '---' : '---:')), ...rows]
    .map((r) => `| ${r.join(' | ')} |`)
    .join('\n');
}

function bareFor(results: ScenarioResult[], pair: string): ScenarioResult | undefined {
  return results.find((r) => r.scenario.pair === pair && r.scenario.target === 'bare');
}

function bareWrite(writes: WriteRow[], connections: number): WriteRow | undefined {
  return writes.find((w) => w.via === 'bare' && w.connections === connections);
}

export function resultsJson(
  env: Environment,
  data: DataSummary,
  results: ScenarioResult[],
  extra: Extra,
): Record<string, unknown> {
  const rows: JsonRow[] = [];
  for (const r of results) {
    const base = r.scenario.target === 'bare' ? undefined : bareFor(results, r.scenario.pair);
    rows.push({
      scenario: r.scenario.label,
      via: r.scenario.target,
      connections: env.connections,
      req_per_s: r.load.requestsPerSecond,
      p50_ms: r.load.p50,
      p99_ms: r.load.p99,
      max_ms: r.load.max,
      baseline: base ? `bare ${r.scenario.pair}` : null,
      baseline_req_per_s: base?.load.requestsPerSecond ?? null,
      ratio: base ? r.load.requestsPerSecond / base.load.requestsPerSecond : null,
      non_2xx: r.load.non2xx + r.load.errors,
    });
  }
  for (const w of extra.writes) {
    const base = w.via === 'bare' ? undefined : bareWrite(extra.writes, w.connections);
    rows.push({
      scenario: w.label,
      via: w.via,
      connections: w.connections,
      req_per_s: w.result.requestsPerSecond,
      p50_ms: w.result.p50,
      p99_ms: w.result.p99,
      max_ms: w.result.max,
      baseline: base ? 'bare row + outbox' : null,
      baseline_req_per_s: base?.result.requestsPerSecond ?? null,
      ratio: base ? w.result.requestsPerSecond / base.result.requestsPerSecond : null,
      non_2xx: w.result.non2xx + w.result.errors,
      ryw_wait_p99_ms: w.wait?.p99Ms ?? null,
      ryw_share_of_p99: w.waitShareP99 ?? null,
      cpu_ms_per_request: w.cpuMsPerRequest ?? null,
    });
  }
  return {
    date: env.date.toISOString(),
    commit: env.commit,
    scale: extra.scale,
    machine: `${env.cpus} × ${env.cpuModel}, ${fmt(env.memoryGiB)} GiB`,
    applications: data.applications,
    people: data.people,
    warnings: env.warnings,
    scenarios: rows,
    event_latency_command_path: extra.commandEvents,
    event_latency_relay_path: extra.latency,
    growth_against_100k: extra.growth ?? null,
    outbox_drain: extra.drain ?? null,
    dqt_pushes: extra.dqt ?? null,
    statement_cutoff: extra.cutoff
      ? {
          ...extra.cutoff,
          baseline: 'bare set-based updates of the same rows (rolled back)',
          ratio: extra.cutoff.floorSeconds / extra.cutoff.seconds,
        }
      : null,
    payment_run: extra.payment
      ? {
          ...extra.payment,
          baseline: 'bare set-based updates of the same rows (rolled back)',
          ratio:
            extra.payment.jobSeconds === undefined
              ? null
              : extra.payment.floorSeconds / extra.payment.jobSeconds,
        }
      : null,
    rss_mib: {
      idle: Object.fromEntries(extra.rss.idle),
      peak_under_load: Object.fromEntries(extra.rss.peak),
    },
    parked_messages: Object.fromEntries(extra.parked),
  };
}

function cpuCell(w: WriteRow): string {
  const c = w.cpuMsPerRequest;
  if (!c) return '';
  if (w.via === 'bare') return c.bare === undefined ? '' : fmt(c.bare, 1);
  return ['gateway', 'applications', 'training', 'finance'].map((n) => fmt(c[n], 1)).join(' · ');
}

export function renderExtra(extra: Extra, results: ScenarioResult[]): string {
  const out: string[] = [];
  out.push(
    '**Shared machine:** these figures were taken on a 2-core machine while other people ran builds and test suites on it; compare ratios measured in the same run, not absolute figures across runs.',
    '',
  );
  out.push('## Reads against the bare baseline (same run)', '');
  out.push(
    'Bare: Fastify + `pg`, same SQL, raw rows as JSON, no gateway, ORM, kit, auth or schema serialiser (test/bench/bare.ts). Ratio = req/s ÷ bare req/s.',
    '',
  );
  const readRows: string[][] = [];
  for (const r of results) {
    if (r.scenario.target === 'bare') continue;
    const base = bareFor(results, r.scenario.pair);
    readRows.push([
      r.scenario.label,
      r.scenario.target,
      fmt(r.load.requestsPerSecond),
      ms(r.load.p50),
      ms(r.load.p99),
      base ? fmt(base.load.requestsPerSecond) : 'none',
      base ? `${fmt(r.load.requestsPerSecond / base.load.requestsPerSecond, 2)}×` : 'n/a',
    ]);
  }
  out.push(table(['Scenario', 'Via', 'req/s', 'p50 ms', 'p99 ms', 'bare req/s', 'ratio'], readRows), '');

  if (extra.writes.length > 0) {
    out.push('## Writes through the gateway (read-your-writes on)', '');
    out.push(
      'Each request is sent once by a closed-loop client (test/bench/writes.ts); latencies in ms with sub-ms resolution. ' +
        'Baseline: the bare "insert one row + one outbox row in a transaction" route at the same concurrency. ' +
        '"RYW wait" is the services\' `read_your_writes_wait_seconds` histogram over the step (publish → every consumer confirmed); ' +
        '"share of p99" is its p99 ÷ the request p99, "mean share" its mean ÷ the mean latency. ' +
        '"CPU ms/req": CPU time (user + system, /proc) each process used during the step ÷ requests sent (the bare row: the bare server).',
      '',
    );
    out.push(
      table(
        [
          'Scenario',
          'Via',
          'conns',
          'req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'bare req/s',
          'ratio',
          'RYW wait p50/p99 ms',
          'share of p99',
          'mean share',
          'CPU ms/req gw · app · trn · fin',
          'non-2xx',
        ],
        extra.writes.map((w) => {
          const base = w.via === 'bare' ? undefined : bareWrite(extra.writes, w.connections);
          return [
            w.label,
            w.via,
            String(w.connections),
            fmt(w.result.requestsPerSecond),
            ms(w.result.p50),
            ms(w.result.p99),
            ms(w.result.max),
            base ? fmt(base.result.requestsPerSecond) : '',
            base ? `${fmt(w.result.requestsPerSecond / base.result.requestsPerSecond, 2)}×` : '',
            w.wait && w.wait.count > 0 ? `${ms(w.wait.p50Ms)} / ${ms(w.wait.p99Ms)}` : '',
            w.waitShareP99 === undefined ? '' : `${fmt(w.waitShareP99 * 100)}%`,
            w.waitShareMean === undefined ? '' : `${fmt(w.waitShareMean * 100)}%`,
            cpuCell(w),
            w.result.non2xx + w.result.errors > 0 ? `**${fmt(w.result.non2xx + w.result.errors)}**` : '0',
          ];
        }),
      ),
      '',
    );
    const samples = extra.writes.flatMap((w) =>
      w.result.samples.map((x) => `${w.label} (c=${w.connections}): ${x}`),
    );
    if (samples.length > 0) {
      out.push('Failed requests (first few per step):', '');
      for (const x of samples.slice(0, 20)) out.push(`- \`${x.replace(/`/g, "'").slice(0, 400)}\``);
      out.push('');
    }
  }

  if (extra.commandEvents.length > 0) {
    out.push('## Event latency, command path: commit → projection applied', '');
    out.push(
      'A command publishes its events right after its commit (read-your-writes) and waits for the consumers; ' +
        "these are the write steps' own events, from publish (seen on NATS) to each consumer's confirmation. " +
        'Connections = 1 is the unloaded case.',
      '',
    );
    out.push(
      table(
        ['write connections', 'consumer', 'events', 'p50 ms', 'p99 ms', 'max ms'],
        extra.commandEvents.flatMap((l) =>
          l.events.map((e) => [
            String(l.connections),
            e.consumer,
            fmt(e.count),
            ms(e.p50),
            ms(e.p99),
            ms(e.max),
          ]),
        ),
      ),
      '',
    );
  }

  if (extra.latency.length > 0) {
    out.push('## Event latency, injected events: outbox commit → projection applied', '');
    out.push(
      "The benchmark commits copies of a real `declaration.created` (new event and declaration ids) into finance's outbox and watches each consumer's confirmation on NATS. " +
        '"Published at commit" publishes them right after the commit, as every producer does (kit `publishCommitted`); ' +
        '"relay fallback" leaves them to the outbox relay, which polls every `OUTBOX_POLL_MS` (250 ms) and only matters when that immediate publish failed.',
      '',
    );
    const rows: string[][] = [];
    for (const l of extra.latency)
      for (const c of l.commitToApplied) {
        const p = l.publishToApplied.find((x) => x.consumer === c.consumer);
        rows.push([
          l.label,
          fmt(l.offeredPerS),
          c.consumer,
          fmt(c.count),
          ms(c.p50),
          ms(c.p99),
          ms(c.max),
          p ? `${ms(p.p50)} / ${ms(p.p99)}` : 'n/a',
          fmt(l.missing),
        ]);
      }
    out.push(
      table(
        [
          'Load',
          'events/s offered',
          'consumer',
          'events',
          'commit→applied p50',
          'p99',
          'max',
          'publish→applied p50 / p99',
          'unconfirmed',
        ],
        rows,
      ),
      '',
    );
  }
  if (extra.drain) {
    const d = extra.drain;
    out.push(
      `**Outbox backlog:** ${fmt(d.backlog)} events committed at once into finance's outbox: the relay published all of them in ` +
        `${d.relaySeconds === undefined ? 'more than the time limit' : `${fmt(d.relaySeconds, 1)} s`} ` +
        `(${d.relaySeconds ? fmt(d.backlog / d.relaySeconds) : 'n/a'} events/s); applications and training had applied ` +
        `${d.appliedSeconds === undefined ? `${fmt(d.appliedCount)} of them by the time limit` : `all of them after ${fmt(d.appliedSeconds, 1)} s`}.`,
      '',
    );
  }
  out.push(
    `Parked messages at the end: ${extra.parked.map(([svc, n]) => `${svc} ${n}`).join(', ')} (must be 0 for the event figures to count).`,
    '',
  );

  if (extra.dqt || extra.payment || extra.cutoff) out.push('## Workers', '');
  if (extra.payment || extra.cutoff) {
    const sec = (n: number | undefined) => (n === undefined ? 'n/a' : `${fmt(n, n < 10 ? 2 : 1)} s`);
    const ratio = (floor: number, t: number | undefined) => (t ? `${fmt(floor / t, 2)}×` : 'n/a');
    const rows: string[][] = [];
    const p = extra.payment;
    if (p) {
      rows.push([
        `Payment run, one statement: ${fmt(p.payable)} payable + ${fmt(p.awaitingClawback)} awaiting clawback (finance worker)`,
        `${sec(p.jobSeconds)}${p.jobFailedReason ? ` **failed: ${p.jobFailedReason}**` : ''}`,
        sec(p.seconds),
        sec(p.floorSeconds),
        sec(p.floorWithOutboxSeconds),
        ratio(p.floorSeconds, p.jobSeconds),
        `worker ${fmt(p.workerIdleRssMiB)} → ${fmt(p.workerPeakRssMiB)}`,
        `${fmt(p.declarationsPaid)} paid, ${fmt(p.declarationsClawedBack)} clawed back, ${fmt(p.eventsStaged)} events`,
      ]);
    }
    const c = extra.cutoff;
    if (c) {
      rows.push([
        `Cut-off, \`POST /admin/v1/finance/statement-cutoffs\`: ${fmt(c.dueStatements)} due statements, ${fmt(c.declarations)} eligible declarations on ${fmt(c.statementsWithDeclarations)} of them`,
        `${sec(c.seconds)} (HTTP ${c.status}, incl. read-your-writes wait)`,
        '–',
        sec(c.floorSeconds),
        sec(c.floorWithOutboxSeconds),
        ratio(c.floorSeconds, c.seconds),
        `finance server peak ${fmt(c.financePeakRssMiB)}`,
        `${fmt(c.statementsMarkedPayable)} statements, ${fmt(c.declarationsMarkedPayable)} declarations moved`,
      ]);
    }
    out.push(
      table(
        ['Run', 'time', '202 → paid', 'floor', 'floor + outbox rows', 'floor ÷ time', 'RSS MiB', 'moved'],
        rows,
      ),
      '',
      'Floor: the same rows moved by set-based `update … where statement_id = …` statements (declarations, items, ' +
        'statement) in one transaction, rolled back; "+ outbox rows" adds one `insert … select` of an outbox row per ' +
        'moved declaration, which the run must also write (one event each). "time" of the payment run is the job\'s ' +
        "processing in the worker (BullMQ processedOn → finishedOn); 202 → paid is from authorise-payment's answer " +
        'to the statement reading paid.',
      '',
    );
  }
  if (extra.dqt) {
    const d = extra.dqt;
    out.push(
      `**DQT pushes:** ${fmt(d.deliveries)} pending outcome deliveries (distinct participants) pushed by the training worker process ` +
        `to a local receiver answering 204 after ${d.answerMs} ms: ${fmt(d.pushesPerSecond, 1)} pushes/s from the first push to the last ` +
        `(${fmt(d.received)} received, ${fmt(d.sent)} recorded as sent; first push ${fmt(d.firstPushAfterS, 1)} s after the worker started).`,
      '',
    );
  }

  if (extra.growth && extra.growth.length > 0) {
    out.push(`## Growth: ${extra.scale} against the 100k results (latest.json)`, '');
    out.push(
      'Target: every scenario within 1.3× of its 100k latency. "÷ bare" divides by the growth of the bare baseline ' +
        "of the same scenario (reads) or concurrency (writes) between the two runs, which takes out the machine's " +
        'own drift between runs (the bare server does not change with the data, except for the SQL it shares).',
      '',
    );
    const growth = extra.growth;
    const isRead = (label: string) => results.some((r) => r.scenario.label === label);
    const bareOf = (g: (typeof growth)[number]) =>
      g.via === 'bare'
        ? undefined
        : isRead(g.scenario)
          ? growth.find((b) => b.via === 'bare' && b.scenario === g.scenario)
          : growth.find((b) => b.via === 'bare' && b.connections === g.connections && !isRead(b.scenario));
    out.push(
      table(
        ['Scenario', 'Via', 'conns', 'p50 ×', 'p99 ×', 'req/s ×', 'p50 × ÷ bare', 'p99 × ÷ bare'],
        growth.map((g) => {
          const b = bareOf(g);
          const flag = (x: number) => (x > 1.3 ? ' **(over 1.3)**' : '');
          return [
            g.scenario,
            g.via,
            String(g.connections),
            `${fmt(g.p50, 2)}×`,
            `${fmt(g.p99, 2)}×${flag(g.p99)}`,
            `${fmt(g.rps, 2)}×`,
            b ? `${fmt(g.p50 / b.p50, 2)}×${flag(g.p50 / b.p50)}` : '',
            b ? `${fmt(g.p99 / b.p99, 2)}×` : '',
          ];
        }),
      ),
      '',
    );
  }

  out.push('## Memory (RSS, MiB)', '');
  const names = [...new Set([...extra.rss.idle.keys(), ...extra.rss.peak.keys()])];
  out.push(
    table(
      ['Process', 'idle (after start)', 'peak under load'],
      names.map((n) => [n, fmt(extra.rss.idle.get(n)), fmt(extra.rss.peak.get(n))]),
    ),
    '',
  );
  out.push(`Query plans (EXPLAIN (ANALYZE, BUFFERS)): \`test/bench/results/${extra.plansFile}\`.`, '');
  return out.join('\n');
}
