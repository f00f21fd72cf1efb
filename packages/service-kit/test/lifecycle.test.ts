import pino from 'pino';
import { closeAll, type Closer } from '../src/lifecycle';
import { loggerOptions } from '../src/logger';

function capture(): { logger: pino.Logger; lines: () => Record<string, any>[] } {
  const chunks: string[] = [];
  const logger = pino(loggerOptions('kit-test', 'info'), { write: (c: string) => void chunks.push(c) });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, any>),
  };
}

describe('closeAll', () => {
  it('runs the closers in order, each once, waiting for each to finish', async () => {
    const { logger } = capture();
    const events: string[] = [];
    const closer = (name: string, ms: number): Closer => ({
      name,
      close: async () => {
        events.push(`${name}:start`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`${name}:end`);
      },
    });
    await closeAll([closer('http', 20), closer('workers', 1), closer('db', 5)], logger);
    expect(events).toEqual(['http:start', 'http:end', 'workers:start', 'workers:end', 'db:start', 'db:end']);
  });

  it('continues after a closer throws or rejects, and logs each failure with its name', async () => {
    const { logger, lines } = capture();
    const closed: string[] = [];
    await expect(
      closeAll(
        [
          { name: 'a', close: async () => void closed.push('a') },
          {
            name: 'b',
            close: async () => {
              throw new Error('b failed');
            },
          },
          { name: 'c', close: () => Promise.reject(new Error('c failed')) },
          { name: 'd', close: async () => void closed.push('d') },
        ],
        logger,
      ),
    ).resolves.toBeUndefined();
    expect(closed).toEqual(['a', 'd']);
    const errors = lines().filter((l) => l.level === 50);
    expect(errors.map((l): unknown[] => [l.closer, l.err.message, l.msg])).toEqual([
      ['b', 'b failed', 'error while closing'],
      ['c', 'c failed', 'error while closing'],
    ]);
  });

  it('does nothing with no closers', async () => {
    const { logger, lines } = capture();
    await closeAll([], logger);
    expect(lines()).toEqual([]);
  });
});
