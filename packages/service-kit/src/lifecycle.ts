import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

export type Closer = { name: string; close: () => Promise<unknown> };

/**
 * Runs closers in order, each at most once, logging (not throwing) failures so one stuck dependency
 * cannot keep the others open.
 */
export async function closeAll(closers: Closer[], logger: Logger): Promise<void> {
  for (const closer of closers) {
    try {
      await closer.close();
    } catch (err) {
      logger.error({ err, closer: closer.name }, 'error while closing');
    }
  }
}

/**
 * On SIGTERM/SIGINT (or an uncaught error), drain in order, typically: stop accepting HTTP and finish
 * in-flight requests, stop consumers and workers after their current message or job, stop the relay,
 * then close database, Redis and NATS. A second signal or the delay forces the exit.
 */
export function closeOnSignal(closers: Closer[], logger: Logger, delayMs = 15_000): void {
  closeWithGrace({ delay: delayMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an uncaught error');
    else logger.info({ signal }, 'shutting down');
    await closeAll(closers, logger);
  });
}
