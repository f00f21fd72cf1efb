import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used so far (user + system) by processes, read from /proc (Linux only; elsewhere every value
 * is undefined and the report leaves the CPU columns out). Used to show where the CPU went during a run.
 */
const CLOCK_TICKS = 100; // USER_HZ: 100 on every mainstream Linux build

interface Stat {
  comm: string;
  seconds: number;
}

function readStat(pid: number | string): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split at the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // After comm: state is field 3 of the man page, so utime (14) and stime (15) are at 11 and 12 here.
    const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    return Number.isFinite(seconds) ? { comm, seconds } : undefined;
  } catch {
    return undefined;
  }
}

export function processCpuSeconds(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : readStat(pid)?.seconds;
}

/** Every process named `postgres` (the server and all its backends, whichever database they serve). */
export function postgresCpuSeconds(): number | undefined {
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
    if (stat?.comm === 'postgres') {
      total += stat.seconds;
      found = true;
    }
  }
  return found ? total : undefined;
}
