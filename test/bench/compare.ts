/**
 * `pnpm bench --compare <git-ref>`: before/after of a change in one command, on the same machine minutes
 * apart. Checks the ref out into a detached worktree ($TMPDIR/npq-bench-compare/<sha>, kept for next time),
 * installs it from the local pnpm store and builds it, then runs this tree's harness four times, ordered
 * ref, this tree, this tree, ref (same data, same bare baselines, same settings; any other flags such as
 * --quick are passed on). Writes results/compare-<sha>-{1,2}.{md,json}, results/compare-HEAD-{1,2}.* and
 * results/compare-<sha>-vs-HEAD.md: per scenario, each pair's req/s and this tree's ratio to the ref with
 * the order cancelled. "slower" marks a ratio below 0.9.
 *
 * The harness's seed SQL is this tree's: a ref with a different applications schema cannot be compared
 * this way (run `pnpm bench` in a checkout of it instead).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JsonRow } from './results';

const testDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(testDir, '..');
const resultsDir = path.join(testDir, 'bench', 'results');
const log = (line: string) => process.stderr.write(`[bench --compare] ${line}\n`);

function sh(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

export async function compare(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--compare');
  const ref = argv[at + 1];
  if (!ref || ref.startsWith('--')) throw new Error('usage: pnpm bench --compare <git-ref> [--quick]');
  const reportOnly = argv.includes('--report-only');
  const passOn = argv.filter((a, i) => i !== at && i !== at + 1 && a !== '--report-only');
  const sha = (await sh('git', ['rev-parse', '--short', `${ref}^{commit}`], repoRoot)).trim();
  // Outside the repository, so that lint, tsc, knip and jest never see a second copy of the code.
  const worktree = path.join(os.tmpdir(), 'npq-bench-compare', sha);
  // A-B-B-A: the second half of a run is faster (the bare baseline, the same code in both halves, moved by
  // up to 25% on a quiet machine: docs/performance.md), so a single pair favours whichever build runs
  // second. Each build runs once first and once second; the geometric mean of the two pairs' ratios cancels
  // the position.
  const runs: [string, string][] = [
    [`compare-${sha}-1`, worktree],
    ['compare-HEAD-1', repoRoot],
    ['compare-HEAD-2', repoRoot],
    [`compare-${sha}-2`, worktree],
  ];
  if (reportOnly) return writeReport(ref, sha, runs);
  if (!existsSync(worktree)) {
    mkdirSync(path.dirname(worktree), { recursive: true });
    log(`checking ${ref} (${sha}) out into ${path.relative(repoRoot, worktree)}`);
    await sh('git', ['worktree', 'add', '--detach', worktree, sha], repoRoot);
  }
  log('installing (offline, from the local store) and building the ref');
  await sh('pnpm', ['install', '--frozen-lockfile', '--offline'], worktree);
  await sh('pnpm', ['-w', 'build'], worktree);

  for (const [name, root] of runs) {
    log(`benchmarking ${name.startsWith('compare-HEAD') ? 'this tree' : `${ref} (${sha})`} (${name})`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [...process.execArgv, path.join(__dirname, 'run.ts'), ...passOn],
        {
          cwd: testDir,
          env: { ...process.env, BENCH_SYSTEM_ROOT: root, BENCH_RESULTS_NAME: name },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`bench run ${name} exited with ${code}`)),
      );
    });
  }

  writeReport(ref, sha, runs);
}

interface BenchJson {
  scenarios: JsonRow[];
  event_latency_relay_path?: {
    label: string;
    commitToApplied: { consumer: string; p50: number; p99: number }[];
  }[];
  outbox_drain?: { relaySeconds: number; appliedSeconds: number } | null;
  dqt_pushes?: { pushesPerSecond: number } | null;
  statement_cutoff?: { seconds: number } | null;
  payment_run?: { seconds: number; jobSeconds: number } | null;
}

/** The events and workers figures of one run, by name; `higher` says which way is better. */
function figuresOf(json: BenchJson): Map<string, { value: number; higher: boolean }> {
  const figures = new Map<string, { value: number; higher: boolean }>();
  const lower = (name: string, value: number | undefined) =>
    value !== undefined && value > 0 && figures.set(name, { value, higher: false });
  for (const load of json.event_latency_relay_path ?? []) {
    for (const c of load.commitToApplied) {
      lower(`Event commit → applied, ${load.label}, ${c.consumer}: p50 ms`, c.p50);
      lower(`Event commit → applied, ${load.label}, ${c.consumer}: p99 ms`, c.p99);
    }
  }
  lower('Outbox backlog: relay published, s', json.outbox_drain?.relaySeconds);
  lower('Outbox backlog: all applied, s', json.outbox_drain?.appliedSeconds);
  if (json.dqt_pushes)
    figures.set('DQT pushes per s', { value: json.dqt_pushes.pushesPerSecond, higher: true });
  lower('Statement cut-off, s', json.statement_cutoff?.seconds);
  lower('Payment run: authorise → paid, s', json.payment_run?.seconds);
  lower('Payment run: job, s', json.payment_run?.jobSeconds);
  return figures;
}

/**
 * This tree's figure over the ref's, as the geometric mean of the two pairs (this tree second, then first),
 * oriented so that above 1 is better for this tree whichever way the figure is better; and its verdict.
 */
function orderCancelled(
  runs: { refFirst: number; headSecond: number; headFirst: number; refSecond: number },
  higherIsBetter: boolean,
): { ratio: number; verdict: 'slower' | 'same' | 'faster' } {
  const pair = (head: number, ref: number) => (higherIsBetter ? head / ref : ref / head);
  const ratio = Math.sqrt(pair(runs.headSecond, runs.refFirst) * pair(runs.headFirst, runs.refSecond));
  return { ratio, verdict: ratio < 0.9 ? 'slower' : ratio > 1.1 ? 'faster' : 'same' };
}

/** Writes results/compare-<sha>-vs-HEAD.md from the four runs' JSON (`--report-only` rewrites it alone). */
function writeReport(ref: string, sha: string, runs: [string, string][]): void {
  const [refFirst, headSecond, headFirst, refSecond] = runs.map(
    ([name]) => JSON.parse(readFileSync(path.join(resultsDir, `${name}.json`), 'utf8')) as BenchJson,
  ) as [BenchJson, BenchJson, BenchJson, BenchJson];
  const keyOf = (r: JsonRow) => `${r.scenario}|${r.via}|${r.connections}`;
  const byKey = (json: BenchJson) => new Map(json.scenarios.map((r) => [keyOf(r), r]));
  const [r1s, h1s, h2s, r2s] = [refFirst, headSecond, headFirst, refSecond].map(byKey) as [
    Map<string, JsonRow>,
    Map<string, JsonRow>,
    Map<string, JsonRow>,
    Map<string, JsonRow>,
  ];
  const cpu = (r: JsonRow | undefined) =>
    r?.cpu_ms_per_request
      ? Object.entries(r.cpu_ms_per_request)
          .filter(([service]) => service !== 'bare')
          .map(([service, v]) => `${service} ${v.toFixed(1)}`)
          .join(' · ')
      : '';
  const lines = [
    `# Bench compare: ${ref} (${sha}) → this tree`,
    '',
    `Four runs, ordered ${ref}, this tree, this tree, ${ref}. "Ratio" is this tree's req/s over ${ref}'s, the`,
    'geometric mean of the two pairs (this tree second, then first), which cancels the order effect. The same',
    'build moves by up to 30% between runs, so ratios within ±10% are noise; "slower" marks a ratio below 0.9.',
    '',
    `| Scenario | Via | conns | ${ref} → this tree (req/s) | this tree → ${ref} (req/s) | ratio | CPU ms/req per service, ${ref} / this tree (second pair) | verdict |`,
    '| --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  let slower = 0;
  for (const [key, h1] of h1s) {
    const r1 = r1s.get(key);
    const h2 = h2s.get(key);
    const r2 = r2s.get(key);
    if (!r1 || !h2 || !r2 || h1.via === 'bare') continue;
    const { ratio, verdict } = orderCancelled(
      { refFirst: r1.req_per_s, headSecond: h1.req_per_s, headFirst: h2.req_per_s, refSecond: r2.req_per_s },
      true,
    );
    if (verdict === 'slower') slower++;
    lines.push(
      `| ${h1.scenario} | ${h1.via} | ${h1.connections} | ${r1.req_per_s.toFixed(0)} → ${h1.req_per_s.toFixed(0)} | ${h2.req_per_s.toFixed(0)} → ${r2.req_per_s.toFixed(0)} | ${ratio.toFixed(2)}× | ${cpu(r2)} / ${cpu(h2)} | ${verdict} |`,
    );
  }

  const [f1, g1, g2, f2] = [refFirst, headSecond, headFirst, refSecond].map(figuresOf) as [
    ReturnType<typeof figuresOf>,
    ReturnType<typeof figuresOf>,
    ReturnType<typeof figuresOf>,
    ReturnType<typeof figuresOf>,
  ];
  const figureLines: string[] = [];
  for (const [name, h1] of g1) {
    const r1 = f1.get(name);
    const h2 = g2.get(name);
    const r2 = f2.get(name);
    if (!r1 || !h2 || !r2) continue;
    const { ratio, verdict } = orderCancelled(
      { refFirst: r1.value, headSecond: h1.value, headFirst: h2.value, refSecond: r2.value },
      h1.higher,
    );
    if (verdict === 'slower') slower++;
    const n = (v: number) => v.toFixed(v < 10 ? 1 : 0);
    figureLines.push(
      `| ${name} | ${n(r1.value)} → ${n(h1.value)} | ${n(h2.value)} → ${n(r2.value)} | ${ratio.toFixed(2)}× | ${verdict} |`,
    );
  }
  if (figureLines.length > 0) {
    lines.push(
      '',
      `Events and workers ("ratio" above 1: this tree is better, whichever way the figure is better):`,
      '',
      `| Figure | ${ref} → this tree | this tree → ${ref} | ratio | verdict |`,
      '| --- | ---: | ---: | ---: | --- |',
      ...figureLines,
    );
  }
  lines.push('', slower === 0 ? 'Bench no slower.' : `${slower} figure(s) slower by more than 10%.`, '');
  const report = lines.join('\n');
  writeFileSync(path.join(resultsDir, `compare-${sha}-vs-HEAD.md`), report);
  process.stdout.write(`${report}\n`);
}
