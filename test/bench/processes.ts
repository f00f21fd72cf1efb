import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion, feeding `input` on stdin; rejects with its stderr when it exits non-zero.
 * The child is tracked by `group` while it runs, so Ctrl-C stops it too.
 */
export function run(
  group: ProcessGroup,
  command: string,
  args: string[],
  options: SpawnOptions & { input?: string } = {},
): Promise<RunResult> {
  const { input, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = group.track(
      spawn(command, args, {
        ...spawnOptions,
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        detached: true,
      }),
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${path.basename(command)} ${args.join(' ').slice(0, 200)} exited with ${code ?? signal}\n${stderr.trim()}`,
          ),
        );
    });
    if (input !== undefined) {
      // A child that exits without reading all of its input is reported by its exit code, not by EPIPE.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input);
    }
  });
}

/**
 * Every child process the benchmark starts. Each runs in its own process group (detached), so stopping it
 * also stops anything it spawned; `stopAll` sends SIGTERM, then SIGKILL to whatever is still alive.
 */
export class ProcessGroup {
  private readonly children = new Set<ChildProcess>();
  /** Set once stopAll starts: servers exiting from then on are expected. */
  private stopping = false;

  constructor(readonly logDir: string) {}

  track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** A long-running server; stdout and stderr go to `<logDir>/<name>.log`. */
  startServer(
    name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    cwd: string,
    execArgv: string[] = [],
  ): ChildProcess {
    mkdirSync(this.logDir, { recursive: true });
    const log = createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'w' });
    const child = this.track(
      spawn(process.execPath, [...execArgv, script], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.on('exit', (code, signal) => {
      if (!this.stopping)
        process.stderr.write(
          `!! ${name} exited unexpectedly (${code ?? signal}); see ${log.path as string}\n`,
        );
    });
    return child;
  }

  logPath(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  async stopAll(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const alive = [...this.children].filter((c) => c.exitCode === null && c.signalCode === null);
    if (alive.length === 0) return;
    const exited = alive.map(
      (c) =>
        new Promise<void>((resolve) =>
          c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()),
        ),
    );
    for (const c of alive) signalGroup(c, 'SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), graceMs).unref(),
    );
    if ((await Promise.race([Promise.all(exited), timeout])) === 'timeout') {
      for (const c of alive) signalGroup(c, 'SIGKILL');
      await Promise.race([Promise.all(exited), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    }
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the child's whole process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Polls `url` until it answers 200, the process dies, or the timeout passes. */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  logPath: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`process exited before ${url} answered; see ${logPath}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last}); see ${logPath}`);
}
