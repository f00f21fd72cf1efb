import type { AddressInfo } from 'node:net';
import { buildConsole, consoleLoggerOptions } from '@npq/console';
import { createRedis, loadConfig, type Config, type HttpApp } from '@npq/service-kit';
import { TEST_REDIS_URL } from '@npq/test-kit';
import IORedis, { type Redis } from 'ioredis';
import pino from 'pino';
import type { System } from './system';

/** Debian's Chromium (`apt-get install -y chromium`; scripts/ensure-infra.sh installs it): no browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface RunningConsole {
  url: string;
  http: HttpApp;
  config: Config;
  /** Every JSON log line the console wrote (the audit lines among them). */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * The ops console in this process, listening on a real port, in front of the system's gateway (which must
 * listen: `startSystem({ listen: true })`), with the system's namespace, so its sessions and queue dashboard
 * are the system's.
 */
export async function startConsole(
  system: System,
  overrides: Partial<Record<keyof Config, string | number | boolean>> = {},
): Promise<RunningConsole> {
  if (!system.gatewayUrl)
    throw new Error('the console needs the gateway on a socket: startSystem({ listen: true })');
  const config = loadConfig(
    {},
    {
      NPQ_NAMESPACE: system.config.NPQ_NAMESPACE,
      REDIS_URL: TEST_REDIS_URL,
      CONSOLE_GATEWAY_URL: system.gatewayUrl,
      LOG_LEVEL: 'info',
      ...overrides,
    },
  );
  const logs: Record<string, unknown>[] = [];
  const logger = pino(consoleLoggerOptions(config.LOG_LEVEL), {
    write: (line: string) => {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  const redis: Redis = new IORedis(config.REDIS_URL, {
    connectionName: 'console-test',
    maxRetriesPerRequest: 1,
  });
  const queueConnection = createRedis(config.REDIS_URL, 'console-queues-test');
  const http = await buildConsole({ config, logger, redis, queueConnection });
  await http.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = http.app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    http,
    config,
    logs,
    close: async () => {
      await http.app.close();
      await queueConnection.quit();
      await redis.quit();
    },
  };
}
