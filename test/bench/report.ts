import type { DataSummary } from './seed';
import type { ScenarioResult } from './scenarios';

export interface Environment {
  date: Date;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  connections: number;
  warmupS: number;
  durationS: number;
  /** e.g. `30a452f (working tree modified)`. */
  commit: string;
  /** Anything that makes the figures less trustworthy (stale dist/, …). */
  warnings: string[];
}

/** "Other" CPU (% of one core) above which a scenario's figures are called noisy. */
export const NOISY_OTHER_CPU = 25;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: Math.abs(n) < 10 ? 1 : 0 });
const signedMs = (n: number) => `${n >= 0 ? '+' : '−'}${ms(Math.abs(n))}`;
const pct = (n: number | undefined) => (n === undefined ? 'n/a' : `${fmt(n)}%`);

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Scenarios with any non-2xx response or connection error: their figures are not valid. */
export function failures(results: ScenarioResult[]): ScenarioResult[] {
  return results.filter((r) => r.load.non2xx > 0 || r.load.errors > 0 || r.load.warmup.non2xx > 0);
}

export function renderReport(env: Environment, data: DataSummary, results: ScenarioResult[]): string {
  const out: string[] = [];
  out.push(`# NPQ API benchmark: applications read routes`);
  out.push('');
  out.push(
    `${env.date.toISOString()} · commit ${env.commit} · ${env.cpus} × ${env.cpuModel}, ${fmt(env.memoryGiB)} GiB · ` +
      `${env.os} · Node ${env.node} · ${env.postgres}`,
  );
  const noisy = results.filter((r) => (r.cpu.other ?? 0) > NOISY_OTHER_CPU);
  const warnings = [
    ...env.warnings,
    ...(noisy.length > 0
      ? [
          `other processes used more than ${NOISY_OTHER_CPU}% of a core during ${noisy.length} scenario(s) ` +
            `(see "other" below): the figures are noisy; rerun on a quiet machine`,
        ]
      : []),
  ];
  for (const w of warnings) out.push('', `**Warning:** ${w}`);
  out.push('');
  out.push(
    `Data: ${fmt(data.applications)} applications across ${data.providers} lead providers ` +
      `(${data.minPerProvider === data.maxPerProvider ? fmt(data.minPerProvider) : `${fmt(data.minPerProvider)}–${fmt(data.maxPerProvider)}`} each), ` +
      `${fmt(data.people)} people ` +
      `(${fmt(data.peopleWithSeveral)} with more than one application), ${fmt(data.previouslyFunded)} previously funded. ` +
      `Statuses: ${Object.entries(data.byStatus)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}. ` +
      `Cohorts: ${Object.entries(data.byCohort)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}.`,
  );
  out.push('');
  out.push(
    `Load: autocannon in a separate process, ${env.connections} connections, ${env.warmupS} s warm-up then ${env.durationS} s measured per scenario. ` +
      `Gateway, applications service, Postgres, Redis and the load generator share the same ${env.cpus} CPUs.`,
  );
  out.push('');

  out.push('## Results');
  out.push('');
  out.push(
    table(
      ['Scenario', 'Via', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'requests', 'non-2xx', 'errors'],
      results.map((r) => [
        r.scenario.label,
        r.scenario.target,
        fmt(r.load.requestsPerSecond),
        ms(r.load.p50),
        ms(r.load.p99),
        ms(r.load.max),
        fmt(r.load.total),
        r.load.non2xx > 0 ? `**${fmt(r.load.non2xx)}**` : '0',
        r.load.errors > 0 ? `**${fmt(r.load.errors)}**` : '0',
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('');

  out.push('## Gateway overhead');
  out.push('');
  const pairs = [...new Set(results.map((r) => r.scenario.pair))];
  const overheadRows: string[][] = [];
  for (const pair of pairs) {
    const gw = results.find((r) => r.scenario.pair === pair && r.scenario.target === 'gateway');
    const direct = results.find((r) => r.scenario.pair === pair && r.scenario.target === 'direct');
    if (!gw || !direct) continue;
    overheadRows.push([
      gw.scenario.label,
      fmt(direct.load.requestsPerSecond),
      fmt(gw.load.requestsPerSecond),
      `${fmt(direct.load.requestsPerSecond / gw.load.requestsPerSecond, 2)}×`,
      signedMs(gw.load.p50 - direct.load.p50),
      signedMs(gw.load.p99 - direct.load.p99),
    ]);
  }
  out.push(
    table(
      ['Scenario', 'direct req/s', 'gateway req/s', 'ratio (direct ÷ gateway)', 'Δ p50 ms', 'Δ p99 ms'],
      overheadRows,
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('');

  out.push('## Where the CPU went (% of one core, measured phase)');
  out.push('');
  out.push(
    table(
      ['Scenario', 'Via', 'gateway', 'applications', 'postgres', 'redis', 'load generator', 'other'],
      results.map((r) => [
        r.scenario.label,
        r.scenario.target,
        pct(r.cpu.gateway),
        pct(r.cpu.applications),
        pct(r.cpu.postgres),
        pct(r.cpu.redis),
        pct(r.cpu.loader),
        pct(r.cpu.other),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('');

  out.push('## Notes');
  out.push('');
  for (const pair of pairs) {
    const r = results.find((x) => x.scenario.pair === pair)!;
    out.push(
      `- ${r.scenario.label}: \`GET ${r.scenario.route}\`${r.scenario.note ? ` (${r.scenario.note})` : ''}`,
    );
  }
  out.push(
    "- req/s is autocannon's mean of per-second counts; latencies are whole milliseconds and cover 2xx responses only. " +
      '"direct" calls the applications service with the internal headers the gateway would add; the gateway adds a Redis rate-limit ' +
      'hit, a token lookup in Postgres and an HTTP hop.',
  );
  out.push(
    '- CPU: "postgres" is the backends of the benchmark database plus Postgres processes that exited meanwhile ' +
      '(parallel workers); "other" is the rest of the machine\'s busy time (kernel, other people\'s work).',
  );
  const bad = failures(results);
  if (bad.length > 0) {
    out.push('');
    out.push(
      `**WARNING: ${bad.length} scenario(s) had non-2xx responses or connection errors; their figures are not valid:** ` +
        bad
          .map(
            (r) =>
              `${r.scenario.label} via ${r.scenario.target} (${JSON.stringify(r.load.statusCodes)}, ${r.load.errors} errors)`,
          )
          .join('; '),
    );
  }
  out.push('');
  return out.join('\n');
}
