import { spawn } from 'node:child_process';
import path from 'node:path';

// The CI slice of the chaos suite (a service kill, a NATS restart, a Postgres outage) as part of the test
// suite: `pnpm chaos --ci` in a child process, so the system runs as real processes on private infrastructure
// exactly as `pnpm chaos` runs it. It builds dist/ first when it is missing or stale.
jest.setTimeout(8 * 60_000);

it('holds every invariant through a service kill, a NATS restart and a Postgres outage', async () => {
  const testDir = path.resolve(__dirname, '..');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(path.join(testDir, 'node_modules', '.bin', 'tsx'), ['chaos/run.ts', '--ci'], {
      cwd: testDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (c) => resolve({ code: c, output: out }));
  });
  // The whole report on failure: which invariant, in which experiment, with its first problems.
  if (code !== 0) throw new Error(`pnpm chaos --ci exited with ${code}:\n${output.slice(-6000)}`);
  expect(output).toMatch(/\| Postgres 15 s outage +\|.*\| all \d+ +\|/);
  expect(output).toMatch(/\| NATS restart +\|.*\| all \d+ +\|/);
});
