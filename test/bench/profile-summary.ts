/**
 * Summarises a V8 .cpuprofile (from BENCH_PROFILE): self time by function and by package, so that a
 * profile can be quoted in docs/performance.md. Usage: `tsx bench/profile-summary.ts <file> [top]`.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const top = Number(topArg ?? 25);
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/services/')) return `npq:${/\/services\/([^/]+)/.exec(url)?.[1]}`;
  if (url.includes('/packages/')) return `npq:${/\/packages\/([^/]+)/.exec(url)?.[1]}`;
  return url.startsWith('node:') ? 'node' : url === '' ? '(vm)' : 'other';
}

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${where(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const pkg = where(f.url) === '(vm)' ? f.functionName || '(vm)' : where(f.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nBy package (self time):\n`);
for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top))
  process.stdout.write(`${pct(v)}  ${k}\n`);
process.stdout.write('\nBy function (self time):\n');
for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  process.stdout.write(`${pct(v)}  ${k}\n`);
