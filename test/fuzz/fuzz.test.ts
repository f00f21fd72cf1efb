import fc from 'fast-check';
import {
  describeOutcome,
  envelopeProblem,
  fuzzSettings,
  FuzzHarness,
  serverErrorProblem,
  type FuzzOutcome,
} from './fuzz-harness';

/**
 * The bounded, seeded slice of the HTTP fuzzer that runs with every test run (the long run, 20,000 requests
 * by default, is `pnpm fuzz`: fuzz/run-long.ts). Requests are generated from the OpenAPI document (every
 * operation, with real and garbage ids, odd queries, headers and tokens of every scope, valid-ish and
 * mutated bodies), plus unknown routes and raw-socket protocol abuse, and sent over real HTTP to the
 * gateway. Each property stops at its first failure and shrinks it to a minimal reproducer.
 */
const { runs, seed, path } = fuzzSettings(2000);

let harness: FuzzHarness;
beforeAll(async () => {
  harness = await FuzzHarness.start();
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

/**
 * Runs `runs` generated requests (fast-check's seed `seed + offset`, so the two properties see different
 * requests) and fails on the first whose outcome `problem` describes, shrunk. The message names the
 * environment that replays it: the same request is generated again (the data it meets may differ).
 */
async function everyRequest(
  name: string,
  offset: number,
  problem: (o: FuzzOutcome) => string | undefined,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(harness.arbitrary(), async (request) => {
      const outcome = await harness.send(request);
      const found = problem(outcome);
      if (found) throw new Error(`${found}\n${describeOutcome(outcome, harness.context)}`);
    }),
    {
      seed: seed + offset,
      numRuns: runs,
      ...(path ? { path } : {}),
      // The thrown message holds the answer and the server's log lines for the shrunk request.
      includeErrorInReport: true,
      reporter: (details) => {
        if (!details.failed) return;
        throw new Error(
          [
            `${name}: failed after ${details.numRuns} requests, shrunk ${details.numShrinks} times.`,
            `Replay: FUZZ_SEED=${seed} FUZZ_PATH=${details.counterexamplePath} npx jest fuzz/fuzz.test.ts -t '${name}'`,
            '',
            fc.defaultReportMessage(details),
          ].join('\n'),
        );
      },
    },
  );
}

const NO_5XX = 'no request gets a 5xx (or no answer at all)';
const ENVELOPES = 'every error answer is in one of the two DfE error envelopes';

describe(`HTTP fuzzing through the gateway on a real socket (${runs} requests per property, seed ${seed})`, () => {
  it(NO_5XX, () => everyRequest(NO_5XX, 0, serverErrorProblem), 600_000);

  it(ENVELOPES, () => everyRequest(ENVELOPES, 1, envelopeProblem), 600_000);

  it('leaves the gateway and every service ready', async () => {
    expect(await harness.readiness()).toEqual({
      gateway: 200,
      applications: 200,
      training: 200,
      finance: 200,
    });
  });
});
