import type { ServiceName } from '@npq/contracts';
import type { Config } from './config';
import { EventConsumer, type EventHandlers } from './consumer';
import { createLogger, type Logger } from './logger';
import { connectMessaging, Naming, type Messaging } from './messaging';
import { createOrm, type MikroORM, type OrmSettings } from './orm';
import { OutboxRelay } from './outbox';
import { ReadYourWrites } from './read-your-writes';
import type { Closer } from './lifecycle';
import { createHttpApp, type HttpApp } from './http';

/** What every service process holds: config, logger, database, messaging, its outbox relay. */
export interface ServiceRuntime {
  service: ServiceName;
  config: Config;
  logger: Logger;
  orm: MikroORM;
  messaging: Messaging;
  naming: Naming;
  relay: OutboxRelay;
  readYourWrites: ReadYourWrites;
}

export interface RuntimeOptions {
  service: ServiceName;
  config: Config;
  ormSettings: OrmSettings;
  logger?: Logger;
}

export async function createServiceRuntime(options: RuntimeOptions): Promise<ServiceRuntime> {
  const { service, config } = options;
  const logger = options.logger ?? createLogger(service, config.LOG_LEVEL);
  const naming = new Naming(config.NPQ_NAMESPACE);
  const orm = await createOrm(options.ormSettings);
  const messaging = await connectMessaging(config.NATS_URL, naming, service);
  const relay = new OutboxRelay({ orm, js: messaging.js, logger, pollMs: config.OUTBOX_POLL_MS });
  const readYourWrites = new ReadYourWrites(messaging, relay, config.READ_YOUR_WRITES_TIMEOUT_MS, logger);
  return { service, config, logger, orm, messaging, naming, relay, readYourWrites };
}

/** The service's durable consumer of the events it handles. */
export function createConsumer(runtime: ServiceRuntime, handlers: EventHandlers): EventConsumer {
  return new EventConsumer({
    orm: runtime.orm,
    messaging: runtime.messaging,
    consumer: runtime.service,
    handlers,
    logger: runtime.logger,
  });
}

/** Health checks shared by the services: Postgres and NATS. */
export function runtimeHealthChecks(runtime: ServiceRuntime): Record<string, () => Promise<unknown>> {
  return {
    postgres: () => runtime.orm.em.fork().execute('select 1'),
    nats: async () => {
      if (runtime.messaging.nc.isClosed()) throw new Error('connection closed');
      await runtime.messaging.nc.flush();
    },
  };
}

/** Closers for the runtime's own resources, in the order they must close. */
export function runtimeClosers(runtime: ServiceRuntime): Closer[] {
  return [
    { name: 'outbox relay', close: () => runtime.relay.stop() },
    { name: 'nats', close: () => runtime.messaging.nc.drain() },
    { name: 'orm', close: () => runtime.orm.close() },
  ];
}

/** A service's HTTP app: internal credential required, request ORM fork, health checks on its runtime. */
export function createServiceHttpApp(runtime: ServiceRuntime): HttpApp {
  return createHttpApp({
    logger: runtime.logger,
    bodyLimit: runtime.config.BODY_LIMIT_BYTES,
    internalSecret: runtime.config.INTERNAL_API_SECRET,
    orm: runtime.orm,
    healthChecks: runtimeHealthChecks(runtime),
    maxEventLoopDelayMs: runtime.config.NPQ_MAX_EVENT_LOOP_DELAY_MS,
  });
}
