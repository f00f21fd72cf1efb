import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used so far (user + system) by processes, read from /proc (Linux only; elsewhere every value
 * is undefined and the report leaves the CPU columns out). Used to show where the CPU went during a run.
 */
const CLOCK_TICKS = 100; // USER_HZ: 100 on every mainstream Linux build

interface Stat {
  comm: string;
  ppid: number;
  seconds: number;
  /** CPU of its children that have exited (and been waited for). */
  childrenSeconds: number;
}

function readStat(pid: number | string): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split at the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // After comm: state is field 3 of proc(5), so ppid (4) is at 1, utime (14) and stime (15) at 11 and
    // 12, cutime (16) and cstime (17) at 13 and 14.
    const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const childrenSeconds = (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
    const ppid = Number(fields[1]);
    return Number.isFinite(seconds) && Number.isFinite(childrenSeconds)
      ? { comm, ppid, seconds, childrenSeconds }
      : undefined;
  } catch {
    return undefined;
  }
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function processCpuSeconds(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : readStat(pid)?.seconds;
}

/** Every process with this name, e.g. `redis-server`. */
export function cpuSecondsByName(name: string): number | undefined {
  let total = 0;
  let found = false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat?.comm === name) {
      total += stat.seconds;
      found = true;
    }
  }
  return found ? total : undefined;
}

/** Busy CPU seconds of the whole machine, all cores together (/proc/stat: everything but idle and iowait). */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [label, ...fields] = line.trim().split(/\s+/);
    if (label !== 'cpu') return undefined;
    const ticks = fields.slice(0, 8).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Postgres work for one database: its live backends (matched on the process title, `postgres: 15/main:
 * <user> <database> <client> <state>`) plus every Postgres process that exited meanwhile, read from the
 * postmaster's children time. The second part is what catches parallel workers, which live for one query
 * only (and, on a shared machine, backends of other databases that disconnect during the run).
 */
export function postgresCpuSeconds(database: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const title = ` ${database} `; // the spaces avoid prefix matches (npq_bench vs npq_bench_2)
  let live = 0;
  let exited = 0;
  let found = false;
  const postgresPids = new Set<number>();
  const stats: Stat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat?.comm !== 'postgres') continue;
    postgresPids.add(Number(entry));
    stats.push(stat);
    if (commandLine(entry).includes(title)) {
      live += stat.seconds;
      found = true;
    }
  }
  for (const stat of stats) {
    if (!postgresPids.has(stat.ppid)) exited += stat.childrenSeconds; // the postmaster
  }
  return found ? live + exited : undefined;
}
