import { readFileSync } from 'node:fs';

/** Resident set size of a process in MiB, from /proc (undefined elsewhere or once it has exited). */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples the RSS of named processes every `everyMs` and keeps each one's idle figure (the first sample
 * taken with `idle()`) and the highest figure seen while under load (between `load()` and `stop()`).
 */
export class RssSampler {
  readonly idleMiB = new Map<string, number>();
  readonly peakMiB = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: () => Map<string, number | undefined>) {}

  idle(): void {
    for (const [name, pid] of this.pids()) {
      const rss = rssMiB(pid);
      if (rss !== undefined) this.idleMiB.set(name, rss);
    }
  }

  load(everyMs = 500): void {
    this.timer ??= setInterval(() => {
      for (const [name, pid] of this.pids()) {
        const rss = rssMiB(pid);
        if (rss !== undefined) this.peakMiB.set(name, Math.max(this.peakMiB.get(name) ?? 0, rss));
      }
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
