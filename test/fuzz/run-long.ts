/**
 * The long fuzz run (`pnpm fuzz`; FUZZ_RUNS, default 20,000, and FUZZ_SEED): every generated request is
 * sent, nothing stops at the first failure. Prints the count by status, then every distinct class of 5xx
 * (or missing answer) and of answers outside DfE's error envelopes, each with a shrunk reproducer (fast-check
 * replays the first occurrence from its seed and path and shrinks it), and the errors the processes logged
 * outside requests. Exits 1 when anything was found, so it can gate a scheduled job.
 */
import fc from 'fast-check';
import {
  describeOutcome,
  elide,
  envelopeProblem,
  fuzzSettings,
  FuzzHarness,
  serverErrorProblem,
  type FuzzOutcome,
} from './fuzz-harness';
import type { FuzzRequest } from './request-generators';

interface Occurrence {
  index: number;
  outcome: FuzzOutcome;
}

interface FailureClass {
  key: string;
  count: number;
  operations: Map<string, number>;
  tags: Map<string, number>;
  first: Occurrence;
}

const SHRINK_TIME_LIMIT_MS = Number(process.env.FUZZ_SHRINK_MS ?? 60_000);

/** Ids, numbers and quoted values vary per request; the rest of a message names the defect. */
function normalise(message: string): string {
  return elide(
    message
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
      .replace(/"[^"]*"/g, '"…"')
      .replace(/'[^']*'/g, "'…'")
      .replace(/\d+/g, 'N'),
    200,
  );
}

/**
 * A database error's message is the SQL (which varies with the data), then ` - ` and PostgreSQL's reason
 * (which names the defect), perhaps with more ` - detail: ...` lines: only the reasons are kept.
 */
function withoutSql(error: string): string {
  const match = /^(\w+): \s*(select|insert|update|delete|with)\b([\s\S]*)$/i.exec(error);
  if (!match) return error;
  const reasons = match[3]!
    .split('\n')
    .filter((line) => line.includes(' - '))
    .map((line) => line.slice(line.lastIndexOf(' - ') + 3).trim());
  return `${match[1]!} (${match[2]!.toLowerCase()}): ${reasons.join('; ')}`;
}

/** What a 5xx or missing answer is, as precisely as the logs allow. */
function serverErrorClass(o: FuzzOutcome): string {
  const logged = o.serverErrors[0];
  if (logged) {
    const where = logged.where ? ` (at ${logged.where.replace(/:\d+:\d+\)?$/, '')})` : '';
    return `${o.response.status} from ${logged.service}: ${normalise(withoutSql(logged.error ?? logged.msg))}${where}`;
  }
  if (o.response.status === 0) return `no response: ${normalise(o.response.failure ?? '')}`;
  return `${o.response.status} with no server log: ${normalise(o.response.body)}`;
}

/** What is wrong with an error answer's shape (the problem is already free of varying parts). */
function envelopeClass(o: FuzzOutcome, problem: string): string {
  return `${o.response.status}: ${problem}`;
}

function add(classes: Map<string, FailureClass>, key: string, occurrence: Occurrence): void {
  const c = classes.get(key) ?? { key, count: 0, operations: new Map(), tags: new Map(), first: occurrence };
  c.count++;
  const op = occurrence.outcome.request.operation;
  c.operations.set(op, (c.operations.get(op) ?? 0) + 1);
  for (const t of occurrence.outcome.request.tags) c.tags.set(t, (c.tags.get(t) ?? 0) + 1);
  classes.set(key, c);
}

const top = (m: Map<string, number>, n: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');

async function main(): Promise<void> {
  const { runs, seed } = fuzzSettings(20_000);
  const started = Date.now();
  const harness = await FuzzHarness.start();
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`fuzzing ${runs} requests, seed ${seed} (system up and seeded in ${Date.now() - started} ms)`);

  const arbitrary = harness.arbitrary();
  const byStatus = new Map<string, number>();
  // Per operation, how often it got each status: shows which operations the fuzzer gets past validation.
  const byOperation = new Map<string, Map<string, number>>();
  const serverErrors = new Map<string, FailureClass>();
  const envelopes = new Map<string, FailureClass>();
  let index = 0;
  const sendStarted = Date.now();
  // A property that never fails: fast-check generates and we record, so run i is replayable as path "i".
  await fc.check(
    fc.asyncProperty(arbitrary, async (request) => {
      const outcome = await harness.send(request);
      const status = String(outcome.response.status);
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const ops = byOperation.get(request.operation) ?? new Map<string, number>();
      ops.set(status, (ops.get(status) ?? 0) + 1);
      byOperation.set(request.operation, ops);
      if (serverErrorProblem(outcome)) add(serverErrors, serverErrorClass(outcome), { index, outcome });
      const envelope = envelopeProblem(outcome);
      if (envelope) add(envelopes, envelopeClass(outcome, envelope), { index, outcome });
      index++;
      if (index % 1000 === 0)
        log(`  ${index} requests, ${Math.round((index * 1000) / (Date.now() - sendStarted))}/s`);
      return true;
    }),
    { seed, numRuns: runs },
  );
  const seconds = (Date.now() - sendStarted) / 1000;

  log(`\n=== ${index} requests in ${seconds.toFixed(0)} s (seed ${seed}) ===`);
  log('count by status:');
  for (const [status, count] of [...byStatus.entries()].sort())
    log(`  ${status === '0' ? 'no response' : status}: ${count}`);
  log('count by operation and status:');
  for (const [op, statuses] of [...byOperation.entries()].sort())
    log(
      `  ${op}: ${[...statuses.entries()]
        .sort()
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );

  const report = async (
    title: string,
    classes: Map<string, FailureClass>,
    classify: (o: FuzzOutcome) => string | undefined,
  ) => {
    const total = [...classes.values()].reduce((n, c) => n + c.count, 0);
    log(`\n=== ${title}: ${total} responses in ${classes.size} classes ===`);
    for (const c of [...classes.values()].sort((a, b) => b.count - a.count)) {
      log(`\n--- ${c.key}`);
      log(`    ${c.count} responses; operations: ${top(c.operations, 6)}`);
      log(`    frequent tags: ${top(c.tags, 8)}`);
      const shrunk = await shrink(harness, arbitrary, seed, c.first.index, (o) => classify(o) === c.key);
      if (shrunk) {
        log(`    shrunk reproducer (replay: FUZZ_SEED=${seed} FUZZ_PATH=${shrunk.path}):`);
        log(indent(describeOutcome(shrunk.outcome, harness.context), 6));
      } else {
        // Earlier requests changed the data it needs (a merged participant, say): the original stands.
        log(
          `    reproducer as first seen (FUZZ_SEED=${seed} FUZZ_PATH=${c.first.index}; a replay no longer fails):`,
        );
        log(indent(describeOutcome(c.first.outcome, harness.context), 6));
      }
    }
  };
  await report('5xx or no response (property: no request gets a 5xx)', serverErrors, (o) =>
    serverErrorProblem(o) ? serverErrorClass(o) : undefined,
  );
  await report("error answers outside DfE's envelopes (property: error envelopes)", envelopes, (o) => {
    const p = envelopeProblem(o);
    return p ? envelopeClass(o, p) : undefined;
  });

  const background = new Map<string, number>();
  for (const e of harness.backgroundErrors) {
    const key = `${e.service}: ${e.msg}${e.error ? ` — ${normalise(e.error)}` : ''}${e.where ? ` at ${e.where}` : ''}`;
    background.set(key, (background.get(key) ?? 0) + 1);
  }
  log(`\n=== errors logged outside requests: ${harness.backgroundErrors.length} ===`);
  for (const [key, n] of background) log(`  ×${n} ${key}`);

  const ready = await harness.readiness();
  log(`\n=== readiness after the run: ${JSON.stringify(ready)} ===`);
  await harness.close();
  const healthy = Object.values(ready).every((s) => s === 200);
  process.exitCode = serverErrors.size > 0 || envelopes.size > 0 || !healthy ? 1 : 0;
}

function indent(s: string, n: number): string {
  return s
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');
}

/**
 * Replays run `index` of the seeded run and lets fast-check shrink it while the answer stays in the same
 * class. Requests change the data, so a replay may not fail the same way: then undefined.
 */
async function shrink(
  harness: FuzzHarness,
  arbitrary: fc.Arbitrary<FuzzRequest>,
  seed: number,
  index: number,
  sameClass: (o: FuzzOutcome) => boolean,
): Promise<{ outcome: FuzzOutcome; path: string } | undefined> {
  let last: FuzzOutcome | undefined;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (request) => {
      const outcome = await harness.send(request);
      if (!sameClass(outcome)) return true;
      last = outcome;
      return false;
    }),
    { seed, path: String(index), plugins: [fc.interruptAfterTimeLimit(SHRINK_TIME_LIMIT_MS)] },
  );
  return last && details.counterexamplePath ? { outcome: last, path: details.counterexamplePath } : undefined;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
