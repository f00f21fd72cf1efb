import { setTimeout as sleep } from 'node:timers/promises';
import { isClockFrozen, now, runWithClock, today } from '../src/clock';

const FROZEN = new Date('2022-01-10T10:42:00.789Z');

function expectRealClock(): void {
  const before = Date.now();
  const n = now().getTime();
  const after = Date.now();
  expect(n).toBeGreaterThanOrEqual(before);
  expect(n).toBeLessThanOrEqual(after);
  expect(isClockFrozen()).toBe(false);
}

describe('clock', () => {
  it('is the real clock outside runWithClock', () => {
    expectRealClock();
    expect(today()).toBe(new Date().toISOString().slice(0, 10));
  });

  it('freezes now() and today() inside, truncated to whole seconds', () => {
    const seen = runWithClock(FROZEN, () => ({
      now: now().toISOString(),
      today: today(),
      frozen: isClockFrozen(),
    }));
    expect(seen).toEqual({ now: '2022-01-10T10:42:00.000Z', today: '2022-01-10', frozen: true });
  });

  it('today() is the UTC calendar date of the frozen time', () => {
    expect(runWithClock(new Date('2022-01-10T23:30:00-02:00'), today)).toBe('2022-01-11');
  });

  it('returns what the function returns (including a promise)', async () => {
    expect(runWithClock(FROZEN, () => 42)).toBe(42);
    await expect(runWithClock(FROZEN, async () => now().getTime())).resolves.toBe(
      Date.parse('2022-01-10T10:42:00Z'),
    );
  });

  it('stays frozen across awaits, timers and microtasks', async () => {
    const seen = await runWithClock(FROZEN, async () => {
      const times: string[] = [now().toISOString()];
      await sleep(20);
      times.push(now().toISOString());
      await Promise.resolve();
      times.push(await new Promise<string>((resolve) => setImmediate(() => resolve(now().toISOString()))));
      times.push(await Promise.all([1, 2].map(async () => now().toISOString())).then((a) => a.join('|')));
      return times;
    });
    expect(seen).toEqual([
      '2022-01-10T10:42:00.000Z',
      '2022-01-10T10:42:00.000Z',
      '2022-01-10T10:42:00.000Z',
      '2022-01-10T10:42:00.000Z|2022-01-10T10:42:00.000Z',
    ]);
    expectRealClock();
  });

  it('is the real clock again once the function has returned or thrown', () => {
    runWithClock(FROZEN, () => now());
    expectRealClock();
    expect(() =>
      runWithClock(FROZEN, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expectRealClock();
  });

  it('runs with the real clock when no time is given', () => {
    const frozen = runWithClock(undefined, () => isClockFrozen());
    expect(frozen).toBe(false);
  });

  it('nests: an inner time overrides, an inner undefined keeps the outer time', () => {
    const inner = new Date('2030-06-15T08:00:00Z');
    const seen = runWithClock(FROZEN, () => [
      now().toISOString(),
      runWithClock(inner, () => now().toISOString()),
      runWithClock(undefined, () => now().toISOString()),
      now().toISOString(),
    ]);
    expect(seen).toEqual([
      '2022-01-10T10:42:00.000Z',
      '2030-06-15T08:00:00.000Z',
      '2022-01-10T10:42:00.000Z',
      '2022-01-10T10:42:00.000Z',
    ]);
  });

  it('keeps concurrent contexts apart', async () => {
    const a = new Date('2021-01-01T00:00:00Z');
    const b = new Date('2025-05-05T05:05:05Z');
    const run = (d: Date, delay: number) =>
      runWithClock(d, async () => {
        await sleep(delay);
        return now().toISOString();
      });
    const results = await Promise.all([run(a, 30), run(b, 5), run(a, 10)]);
    expect(results).toEqual([a.toISOString(), b.toISOString(), a.toISOString()]);
  });

  it('hands out copies: mutating a returned Date does not move the clock', () => {
    runWithClock(FROZEN, () => {
      const d = now();
      d.setUTCFullYear(1999);
      expect(now().toISOString()).toBe('2022-01-10T10:42:00.000Z');
    });
  });

  it('is not affected by mutating the Date passed in', () => {
    const input = new Date('2022-01-10T10:42:00Z');
    runWithClock(input, () => {
      input.setUTCFullYear(1999);
      expect(now().toISOString()).toBe('2022-01-10T10:42:00.000Z');
    });
  });
});
