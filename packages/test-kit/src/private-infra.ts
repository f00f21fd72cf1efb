import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Private Postgres, Redis and NATS servers for tests that inject faults (stop, crash, restart, lose data).
 * Each one runs as a child process of the test on a free port with its own data directory, so a test can
 * kill it without touching the machine's shared servers (5432, 6379, 4222), which must never be stopped.
 *
 * Every server has the same small API: `url`, `start()` (again, after `stop()`/`kill()`: same port, same
 * data unless the server keeps none), `stop()` (graceful), `kill()` (SIGKILL of the process group: a
 * crash), `restart()` and `destroy()` (stop and delete the data). A server left running when the test
 * process exits is killed.
 */
export interface PrivateServer {
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const live = new Set<ChildProcess>();
/** Data directories not destroyed yet: removed when the test process exits (e.g. after a timed-out afterAll). */
const dataDirs = new Set<string>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the whole process group (Postgres backends die with their postmaster).
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  /** Printed once the server accepts connections. */
  ready: RegExp;
  /** The graceful-stop signal. */
  stopSignal: NodeJS.Signals;
  spawnOptions?: Pick<SpawnOptions, 'uid' | 'gid' | 'env'>;
}

/** One server process: started, awaited until it logs that it is ready, stopped or killed on demand. */
class ManagedServer implements PrivateServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    readonly url: string,
    readonly port: number,
    private readonly spec: ProcessSpec,
    private readonly dataDir: string,
  ) {
    dataDirs.add(dataDir);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) return;
    installExitHook();
    this.output = '';
    const child = spawn(this.spec.command, this.spec.args, {
      ...this.spec.spawnOptions,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        killGroup(child, 'SIGKILL');
        reject(new Error(`${this.spec.name} did not start in time:\n${this.output}`));
      }, READY_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        // Keep the tail only: enough to explain a failure to start.
        this.output = (this.output + chunk.toString()).slice(-8000);
        if (this.spec.ready.test(this.output)) {
          cleanup();
          resolve();
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`${this.spec.name} exited (${String(code)}) before it was ready:\n${this.output}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        // Keep draining the pipes so a chatty server never blocks on a full one.
        child.stdout?.resume();
        child.stderr?.resume();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
    });
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    killGroup(this.child, this.spec.stopSignal);
    await this.exited;
  }

  async kill(): Promise<void> {
    if (!this.child) return;
    killGroup(this.child, 'SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dataDir, { recursive: true, force: true });
    dataDirs.delete(this.dataDir);
  }
}

async function tempDir(name: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `npq-${name}-`));
}

function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(root, versions[0], 'bin');
  throw new Error('PostgreSQL binaries not found: set PG_BIN_DIR (e.g. /usr/lib/postgresql/15/bin)');
}

/** Postgres refuses to run as root: as root, run it as the `postgres` system user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A private Postgres (initdb in a temporary directory, trust authentication, fsync off: a SIGKILL of the
 * server still loses nothing committed, only an OS crash would). `url` points at its `postgres` database.
 */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const bin = postgresBinDir();
  const base = await tempDir('pg');
  const dataDir = path.join(base, 'data');
  const user = postgresUser();
  if (user) await chown(base, user.uid, user.gid);
  const port = await freePort();
  execFileSync(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    { stdio: 'pipe', ...(user ?? {}) },
  );
  const server = new ManagedServer(
    `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    {
      name: 'postgres',
      command: path.join(bin, 'postgres'),
      args: [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        base,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=200',
      ],
      ready: /database system is ready to accept connections/,
      // SIGINT is Postgres' "fast" shutdown: sessions are ended, nothing committed is lost.
      stopSignal: 'SIGINT',
      ...(user ? { spawnOptions: user } : {}),
    },
    base,
  );
  await server.start();
  return server;
}

/** A private Redis without persistence: a restart (or `kill` + `start`) comes back empty, as after a lost node. */
export async function startPrivateRedis(): Promise<PrivateServer> {
  const dataDir = await tempDir('redis');
  const port = await freePort();
  const server = new ManagedServer(
    `redis://127.0.0.1:${port}`,
    port,
    {
      name: 'redis',
      command: 'redis-server',
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dataDir,
        '--daemonize',
        'no',
      ],
      ready: /Ready to accept connections/,
      stopSignal: 'SIGTERM',
    },
    dataDir,
  );
  await server.start();
  return server;
}

function natsServerBinary(): string {
  // Debian installs it in /usr/sbin, which a non-root PATH may lack.
  return existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
}

/** A private NATS with JetStream; its store survives `stop`/`kill` + `start`, like a restarted node. */
export async function startPrivateNats(): Promise<PrivateServer> {
  const base = await tempDir('nats');
  const storeDir = path.join(base, 'jetstream');
  await mkdir(storeDir, { recursive: true });
  const port = await freePort();
  const server = new ManagedServer(
    `nats://127.0.0.1:${port}`,
    port,
    {
      name: 'nats',
      command: natsServerBinary(),
      args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
      ready: /Server is ready/,
      stopSignal: 'SIGTERM',
    },
    base,
  );
  await server.start();
  return server;
}
