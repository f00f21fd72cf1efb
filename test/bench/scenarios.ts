import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { cpuSecondsByName, machineBusySeconds, postgresCpuSeconds, processCpuSeconds } from './cpu';
import type { LoadResult, LoadSpec } from './load';
import type { ProcessGroup } from './processes';

export type Target = 'gateway' | 'direct' | 'bare';

/** One measured route, through the gateway or straight to the applications service. */
export interface Scenario {
  /** Pairs a gateway scenario with its direct twin. */
  pair: string;
  label: string;
  /** The route as a provider would write it. */
  route: string;
  target: Target;
  origin: string;
  paths: string[];
  headers: Record<string, string>;
  /** Shown under the table (e.g. how many rows a filter matches). */
  note?: string;
}

/** CPU use during the measured run, in % of one core (undefined where /proc is unavailable). */
export interface CpuShare {
  gateway?: number;
  applications?: number;
  bare?: number;
  /** Postgres backends connected to the benchmark database, and its parallel workers. */
  postgres?: number;
  /** The whole Redis server (the gateway's rate-limit counters). */
  redis?: number;
  loader: number;
  /**
   * Everything else the machine did meanwhile (the kernel, other people's builds and tests): busy CPU of
   * the whole machine minus the five above. High values mean noisy figures.
   */
  other?: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  load: LoadResult;
  cpu: CpuShare;
}

export interface Pids {
  gateway?: number;
  applications?: number;
  training?: number;
  finance?: number;
  bare?: number;
}

/** What to sample CPU time of: the two servers and the Postgres backends of this database. */
export interface Watched extends Pids {
  database: string;
}

function percent(before: number | undefined, after: number | undefined, seconds: number): number | undefined {
  return before === undefined || after === undefined ? undefined : ((after - before) / seconds) * 100;
}

/**
 * Runs one scenario in a separate load-generator process (load.ts, under the same tsx loader as this
 * process) and samples the servers' CPU time from the start of its measured phase to its end.
 */
export function runScenario(
  group: ProcessGroup,
  scenario: Scenario,
  load: Pick<LoadSpec, 'connections' | 'warmupS' | 'durationS'>,
  watched: Watched,
  cwd: string,
): Promise<ScenarioResult> {
  const { database, ...pids } = watched;
  const spec: LoadSpec = {
    origin: scenario.origin,
    paths: scenario.paths,
    headers: scenario.headers,
    ...load,
  };
  const child = group.track(
    spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'load.ts')], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    }),
  );
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  let start:
    | {
        at: number;
        gateway?: number;
        applications?: number;
        bare?: number;
        postgres?: number;
        redis?: number;
        machine?: number;
      }
    | undefined;
  let result: LoadResult | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { phase?: string } | LoadResult;
    if ('phase' in message) {
      start = {
        at: Date.now(),
        gateway: processCpuSeconds(pids.gateway),
        applications: processCpuSeconds(pids.applications),
        bare: processCpuSeconds(pids.bare),
        postgres: postgresCpuSeconds(database),
        redis: cpuSecondsByName('redis-server'),
        machine: machineBusySeconds(),
      };
    } else {
      result = message as LoadResult;
    }
  });
  child.stdin!.on('error', () => undefined); // reported by the exit code instead
  child.stdin!.end(JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 || !result || !start) {
        reject(
          new Error(
            `load generator for "${scenario.label}" exited with ${code ?? signal}\n${Buffer.concat(stderr).toString('utf8').trim()}`,
          ),
        );
        return;
      }
      const seconds = result.durationS || (Date.now() - start.at) / 1000;
      const cpu: CpuShare = {
        gateway: percent(start.gateway, processCpuSeconds(pids.gateway), seconds),
        applications: percent(start.applications, processCpuSeconds(pids.applications), seconds),
        bare: percent(start.bare, processCpuSeconds(pids.bare), seconds),
        postgres: percent(start.postgres, postgresCpuSeconds(database), seconds),
        redis: percent(start.redis, cpuSecondsByName('redis-server'), seconds),
        loader: (result.loaderCpuSeconds / seconds) * 100,
      };
      const machine = percent(start.machine, machineBusySeconds(), seconds);
      if (machine !== undefined) {
        const ours =
          (cpu.gateway ?? 0) +
          (cpu.applications ?? 0) +
          (cpu.bare ?? 0) +
          (cpu.postgres ?? 0) +
          (cpu.redis ?? 0) +
          cpu.loader;
        cpu.other = Math.max(0, machine - ours);
      }
      resolve({ scenario, load: result, cpu });
    });
  });
}
