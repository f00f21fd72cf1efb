import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  freePort,
  startPrivateNats,
  startPrivatePostgres,
  startPrivateRedis,
  type PrivateServer,
} from '@npq/test-kit';
import { run, ProcessGroup } from '../bench/processes';

export const NAMESPACE = 'chaos';
export const ADMIN_TOKEN = 'chaos-admin-token';
const INTERNAL_SECRET = 'chaos-internal-secret';
/** Short DQT timeout, so a push interrupted by a kill is re-sent after 5 s + the 30 s lease (docs/operations.md). */
export const DQT_TIMEOUT_MS = 5000;
export const READ_YOUR_WRITES_TIMEOUT_MS = 2000;

export type Role =
  | 'gateway'
  | 'applications'
  | 'training'
  | 'finance'
  | 'applications-worker'
  | 'training-worker'
  | 'finance-worker';

const SERVICES = ['applications', 'training', 'finance'] as const;

interface Spec {
  name: string;
  role: Role;
  script: string;
  env: NodeJS.ProcessEnv;
  /** Where readiness is probed (every process has one: workers through WORKER_HTTP_PORT). */
  readyUrl: string;
}

/** One process of the system: started, killed (SIGKILL), restarted with the same ports and environment. */
export class SystemProcess {
  child: ChildProcess | undefined;
  constructor(
    readonly spec: Spec,
    private readonly logDir: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  start(): void {
    mkdirSync(this.logDir, { recursive: true });
    const log = createWriteStream(path.join(this.logDir, `${this.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [this.spec.script], {
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.child = child;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, signal);
    } catch {
      child.kill(signal);
    }
    await exited;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.name} exited before it was ready; see ${this.logDir}`);
      try {
        const res = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
        last = `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(250);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms (${last})`);
  }

  /** 200 from its readiness probe right now. */
  async isReady(): Promise<boolean> {
    try {
      const res = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ClusterOptions {
  repoRoot: string;
  logDir: string;
  /** Replicas of each service and each worker (the gateways are always two). */
  replicas: number;
  dqtUrl: string;
}

/**
 * The whole platform as real processes (built `dist/` entry points) on private Postgres, Redis and NATS:
 * two gateways, `replicas` of each service and worker. Gateway i talks to replica i mod `replicas`.
 */
export class Cluster {
  readonly processes: SystemProcess[] = [];
  readonly gatewayUrls: string[] = [];
  private readonly group: ProcessGroup;

  private constructor(
    readonly options: ClusterOptions,
    readonly postgres: PrivateServer,
    readonly redis: PrivateServer,
    readonly nats: PrivateServer,
  ) {
    this.group = new ProcessGroup(options.logDir);
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const [postgres, redis, nats] = await Promise.all([
      startPrivatePostgres(),
      startPrivateRedis(),
      startPrivateNats(),
    ]);
    const cluster = new Cluster(options, postgres, redis, nats);
    await cluster.prepare();
    return cluster;
  }

  get databaseUrl(): string {
    return this.postgres.url.replace(/\/postgres$/, '/npq');
  }

  private dist(service: string, file: string): string {
    return path.join(this.options.repoRoot, 'services', service, 'dist', file);
  }

  private baseEnv(): NodeJS.ProcessEnv {
    // Only what the platform reads: none of the caller's NPQ_/GATEWAY_/… variables leak in.
    const env: NodeJS.ProcessEnv = {};
    for (const key of ['PATH', 'HOME', 'TZ', 'LANG']) if (process.env[key]) env[key] = process.env[key];
    return {
      ...env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redis.url,
      NATS_URL: this.nats.url,
      NPQ_NAMESPACE: NAMESPACE,
      NPQ_ADMIN_TOKEN: ADMIN_TOKEN,
      INTERNAL_API_SECRET: INTERNAL_SECRET,
      SANDBOX: 'true',
      RATE_LIMIT_MAX: '100000000',
      GATEWAY_MAX_IN_FLIGHT_PER_TOKEN: '256',
      SERVICE_HOST: '127.0.0.1',
      GATEWAY_HOST: '127.0.0.1',
      DQT_API_URL: this.options.dqtUrl,
      DQT_TIMEOUT_MS: String(DQT_TIMEOUT_MS),
      READ_YOUR_WRITES_TIMEOUT_MS: String(READ_YOUR_WRITES_TIMEOUT_MS),
      // Two cores and a dozen processes: a loaded machine must not look like a stuck event loop.
      NPQ_MAX_EVENT_LOOP_DELAY_MS: '0',
    };
  }

  /** Migrates and seeds, then defines (and starts) every process. */
  private async prepare(): Promise<void> {
    const env = this.baseEnv();
    for (const svc of ['gateway', ...SERVICES]) {
      await run(this.group, process.execPath, [this.dist(svc, 'db.js'), 'migrate'], { env });
    }
    await run(this.group, process.execPath, [this.dist('gateway', 'seed.js')], { env });
    await run(this.group, process.execPath, [this.dist('finance', 'seed.js')], { env });

    const { replicas, logDir } = this.options;
    const servicePorts = new Map<string, number>();
    for (const svc of SERVICES) {
      for (let r = 1; r <= replicas; r++) {
        const port = await freePort();
        servicePorts.set(`${svc}-${r}`, port);
        const portVar = `${svc.toUpperCase()}_PORT`;
        this.processes.push(
          new SystemProcess(
            {
              name: `${svc}-${r}`,
              role: svc,
              script: this.dist(svc, 'server.js'),
              env: { ...env, [portVar]: String(port) },
              readyUrl: `http://127.0.0.1:${port}/health/ready`,
            },
            logDir,
          ),
        );
        const workerPort = await freePort();
        this.processes.push(
          new SystemProcess(
            {
              name: `${svc}-worker-${r}`,
              role: `${svc}-worker`,
              script: this.dist(svc, 'worker.js'),
              env: { ...env, WORKER_HTTP_PORT: String(workerPort) },
              readyUrl: `http://127.0.0.1:${workerPort}/health/ready`,
            },
            logDir,
          ),
        );
      }
    }
    for (let g = 1; g <= 2; g++) {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const replica = ((g - 1) % replicas) + 1;
      const upstream = (svc: string) => `http://127.0.0.1:${servicePorts.get(`${svc}-${replica}`)}`;
      this.gatewayUrls.push(`http://127.0.0.1:${port}`);
      this.processes.push(
        new SystemProcess(
          {
            name: `gateway-${g}`,
            role: 'gateway',
            script: this.dist('gateway', 'server.js'),
            env: {
              ...env,
              GATEWAY_PORT: String(port),
              GATEWAY_METRICS_PORT: String(metricsPort),
              APPLICATIONS_URL: upstream('applications'),
              TRAINING_URL: upstream('training'),
              FINANCE_URL: upstream('finance'),
            },
            readyUrl: `http://127.0.0.1:${metricsPort}/health/ready`,
          },
          logDir,
        ),
      );
    }
    for (const p of this.processes) p.start();
    await Promise.all(this.processes.map((p) => p.waitReady()));
  }

  process(name: string): SystemProcess {
    const found = this.processes.find((p) => p.name === name);
    if (!found) throw new Error(`no process ${name}`);
    return found;
  }

  /** Every process alive and answering ready. */
  async allReady(): Promise<boolean> {
    const states = await Promise.all(this.processes.map((p) => p.isReady()));
    return states.every(Boolean);
  }

  /** Restarts whatever died (a crashed process is the orchestrator's job, as in Kubernetes). */
  reviveDead(): string[] {
    const revived: string[] = [];
    for (const p of this.processes) {
      if (!p.alive) {
        p.start();
        revived.push(p.name);
      }
    }
    return revived;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.processes.map(async (p) => {
        const timer = setTimeout(() => void p.signal('SIGKILL'), 10_000);
        await p.signal('SIGTERM');
        clearTimeout(timer);
      }),
    );
    await this.group.stopAll();
    await Promise.all([this.postgres.destroy(), this.redis.destroy(), this.nats.destroy()]);
  }
}

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the workspace when a `dist/` is missing or older than its `src/` (never test stale code). */
export async function ensureBuilt(repoRoot: string, log: (line: string) => void): Promise<void> {
  const roots = [
    ...['gateway', ...SERVICES].map((s) => path.join(repoRoot, 'services', s)),
    ...['contracts', 'service-kit', 'test-kit'].map((p) => path.join(repoRoot, 'packages', p)),
  ];
  const stale = roots.filter((root) => {
    const dist = path.join(root, 'dist');
    return !existsSync(dist) || newestMtime(path.join(root, 'src')) > newestMtime(dist);
  });
  if (stale.length === 0) return;
  log(`building (dist/ missing or stale in ${stale.map((r) => path.relative(repoRoot, r)).join(', ')})`);
  const group = new ProcessGroup(path.join(repoRoot, '.run'));
  await run(group, 'pnpm', ['-w', 'build'], { cwd: repoRoot });
}
