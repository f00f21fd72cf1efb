/**
 * `pnpm bench --compare <git-ref>`: before/after of a change in one command, on the same machine minutes
 * apart. Checks the ref out into a detached worktree ($TMPDIR/npq-bench-compare/<sha>, kept for next time),
 * installs it from the local pnpm store and builds it, then runs this tree's harness twice: against the
 * ref's build and against this tree's build (same data, same bare baselines, same settings; any other
 * flags such as --quick are passed on). Writes results/compare-<sha>.{md,json} and results/compare-HEAD.*,
 * and prints, per scenario, both runs' ratio to its bare baseline (what is comparable across runs on a
 * busy machine) and p99. "slower" marks a ratio more than 10% below the ref's.
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

function rowsOf(name: string): JsonRow[] {
  return (JSON.parse(readFileSync(path.join(resultsDir, `${name}.json`), 'utf8')) as { scenarios: JsonRow[] })
    .scenarios;
}

export async function compare(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--compare');
  const ref = argv[at + 1];
  if (!ref || ref.startsWith('--')) throw new Error('usage: pnpm bench --compare <git-ref> [--quick]');
  const passOn = argv.filter((_, i) => i !== at && i !== at + 1);
  const sha = (await sh('git', ['rev-parse', '--short', `${ref}^{commit}`], repoRoot)).trim();
  // Outside the repository, so that lint, tsc, knip and jest never see a second copy of the code.
  const worktree = path.join(os.tmpdir(), 'npq-bench-compare', sha);
  if (!existsSync(worktree)) {
    mkdirSync(path.dirname(worktree), { recursive: true });
    log(`checking ${ref} (${sha}) out into ${path.relative(repoRoot, worktree)}`);
    await sh('git', ['worktree', 'add', '--detach', worktree, sha], repoRoot);
  }
  log('installing (offline, from the local store) and building the ref');
  await sh('pnpm', ['install', '--frozen-lockfile', '--offline'], worktree);
  await sh('pnpm', ['-w', 'build'], worktree);

  const runs: [string, string][] = [
    [`compare-${sha}`, worktree],
    ['compare-HEAD', repoRoot],
  ];
  for (const [name, root] of runs) {
    log(`benchmarking ${name === 'compare-HEAD' ? 'this tree' : `${ref} (${sha})`}`);
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

  const before = new Map(rowsOf(`compare-${sha}`).map((r) => [`${r.scenario}|${r.via}|${r.connections}`, r]));
  const lines = [
    `# Bench compare: ${ref} (${sha}) → this tree`,
    '',
    'Ratios are to the bare baseline measured in the same run; on a shared machine they, not absolute figures, are comparable.',
    '',
    '| Scenario | Via | conns | ratio before | ratio after | p99 before ms | p99 after ms | verdict |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  let slower = 0;
  for (const r of rowsOf('compare-HEAD')) {
    const b = before.get(`${r.scenario}|${r.via}|${r.connections}`);
    if (!b || r.via === 'bare') continue;
    const rb = b.ratio ?? b.req_per_s;
    const ra = r.ratio ?? r.req_per_s;
    const verdict = ra < rb * 0.9 ? 'slower' : ra > rb * 1.1 ? 'faster' : 'same';
    if (verdict === 'slower') slower++;
    lines.push(
      `| ${r.scenario} | ${r.via} | ${r.connections} | ${b.ratio?.toFixed(2) ?? `${b.req_per_s.toFixed(0)} req/s`} | ${r.ratio?.toFixed(2) ?? `${r.req_per_s.toFixed(0)} req/s`} | ${b.p99_ms.toFixed(1)} | ${r.p99_ms.toFixed(1)} | ${verdict} |`,
    );
  }
  lines.push('', slower === 0 ? 'Bench no slower.' : `${slower} scenario(s) slower by more than 10%.`, '');
  const report = lines.join('\n');
  writeFileSync(path.join(resultsDir, `compare-${sha}-vs-HEAD.md`), report);
  process.stdout.write(`${report}\n`);
}
