import { sleep, type Cluster } from './cluster';
import type { DqtReceiver } from './dqt-receiver';

export interface ExperimentContext {
  cluster: Cluster;
  dqt: DqtReceiver;
  log: (line: string) => void;
}

export interface Experiment {
  name: string;
  /** Part of the short CI slice (`--ci`). */
  ci: boolean;
  /** False for the baseline: nothing is injected, so there is nothing to recover from. */
  fault: boolean;
  /** Injects the fault and returns once it is over (a killed process is restarted by the runner). */
  inject(ctx: ExperimentContext): Promise<void>;
}

/** kill -9 of one process; it stays dead for `downMs`, then the runner restarts it. */
function kill(
  name: string,
  options: { ci?: boolean; downMs?: number; whenDqtInFlight?: boolean } = {},
): Experiment {
  return {
    name: `kill -9 ${name}`,
    ci: options.ci ?? false,
    fault: true,
    async inject({ cluster, dqt, log }) {
      if (options.whenDqtInFlight) {
        // Catch a DQT request in flight, so the re-send path is exercised (docs/operations.md "DQT pushes").
        const caught = await dqt.waitForInFlight(30_000);
        log(
          caught
            ? '  a DQT push is in flight: killing now'
            : '  no DQT push in flight within 30 s; killing anyway',
        );
      }
      await cluster.process(name).signal('SIGKILL');
      await sleep(options.downMs ?? 3_000);
    },
  };
}

export const EXPERIMENTS: Experiment[] = [
  {
    name: 'baseline (no fault)',
    ci: false,
    fault: false,
    async inject() {
      await sleep(15_000);
    },
  },
  kill('gateway-1'),
  kill('applications-1'),
  kill('training-1', { ci: true }),
  kill('finance-1'),
  kill('applications-worker-1'),
  kill('training-worker-1', { whenDqtInFlight: true }),
  kill('finance-worker-1'),
  {
    name: 'NATS restart',
    ci: true,
    fault: true,
    async inject({ cluster }) {
      await cluster.nats.stop();
      await sleep(5_000);
      await cluster.nats.start();
    },
  },
  {
    name: 'Redis restart with data loss',
    ci: false,
    fault: true,
    async inject({ cluster }) {
      // The private Redis keeps nothing on disk: it comes back empty (schedules, queues, limits gone).
      await cluster.redis.kill();
      await sleep(8_000);
      await cluster.redis.start();
    },
  },
  {
    name: 'Postgres fast restart',
    ci: false,
    fault: true,
    async inject({ cluster }) {
      await cluster.postgres.stop();
      await cluster.postgres.start();
    },
  },
  {
    name: 'Postgres 15 s outage',
    ci: true,
    fault: true,
    async inject({ cluster }) {
      await cluster.postgres.stop();
      await sleep(15_000);
      await cluster.postgres.start();
    },
  },
];
