import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { postgresCpuSeconds, processCpuSeconds } from './cpu';
import type { LoadResult, LoadSpec } from './load';
import type { ProcessGroup } from './processes';

export type Target = 'gateway' | 'direct';

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
  postgres?: number;
  loader: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  load: LoadResult;
  cpu: CpuShare;
}

export interface Pids {
  gateway?: number;
  applications?: number;
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
  pids: Pids,
  cwd: string,
): Promise<ScenarioResult> {
  const spec: LoadSpec = { origin: scenario.origin, paths: scenario.paths, headers: scenario.headers, ...load };
  const child = group.track(
    spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'load.ts')], { cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true }),
  );
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  let start: { at: number; gateway?: number; applications?: number; postgres?: number } | undefined;
  let result: LoadResult | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { phase?: string } | LoadResult;
    if ('phase' in message) {
      start = {
        at: Date.now(),
        gateway: processCpuSeconds(pids.gateway),
        applications: processCpuSeconds(pids.applications),
        postgres: postgresCpuSeconds(),
      };
    } else {
      result = message as LoadResult;
    }
  });
  child.stdin!.end(JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 || !result || !start) {
        reject(new Error(`load generator for "${scenario.label}" exited with ${code ?? signal}\n${Buffer.concat(stderr).toString('utf8').trim()}`));
        return;
      }
      const seconds = result.durationS || (Date.now() - start.at) / 1000;
      resolve({
        scenario,
        load: result,
        cpu: {
          gateway: percent(start.gateway, processCpuSeconds(pids.gateway), seconds),
          applications: percent(start.applications, processCpuSeconds(pids.applications), seconds),
          postgres: percent(start.postgres, postgresCpuSeconds(), seconds),
          loader: (result.loaderCpuSeconds / seconds) * 100,
        },
      });
    });
  });
}
