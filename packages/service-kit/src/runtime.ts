import type { ServiceName } from '@npq/contracts';
import type { Config } from './config';
import { EventConsumer, type EventHandlers } from './consumer';
import { createLogger, type Logger } from './logger';
import { connectMessaging, Naming, type Messaging } from './messaging';
import { createOrm, type MikroORM, type OrmSettings } from './orm';
import { OutboxRelay } from './outbox';
import { ReadYourWrites } from './read-your-writes';
import type { Closer } from './lifecycle';
import { createHttpApp, type HealthCheck, type HttpApp } from './http';
import { Registry } from './metrics';
import { enableSandboxIds } from './sandbox-ids';
import { addInternalOpsRoutes, type InternalOpsOptions } from './internal-ops';

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
  /** The process's Prometheus registry (served on /metrics by the service's HTTP app). */
  metrics: Registry;
  /**
   * Readiness checks (Postgres, NATS, and the event consumer once created). Read at every readiness
   * request, so a check added after the HTTP app was built still counts.
   */
  healthChecks: Record<string, HealthCheck>;
  /**
   * The handlers of the process's event consumer, once created (`createConsumer`): an operator's redrive of
   * a parked message goes through them (internal-ops.ts).
   */
  eventHandlers?: EventHandlers;
}

export interface RuntimeOptions {
  service: ServiceName;
  config: Config;
  ormSettings: OrmSettings;
  logger?: Logger;
}

export async function createServiceRuntime(options: RuntimeOptions): Promise<ServiceRuntime> {
  const { service, config } = options;
  // Deterministic ids for the sandbox seeder's requests (docs/sandbox.md); never outside the sandbox.
  enableSandboxIds(config.SANDBOX);
  const logger = options.logger ?? createLogger(service, config.LOG_LEVEL);
  const naming = new Naming(config.NPQ_NAMESPACE);
  const orm = await createOrm(options.ormSettings);
  const messaging = await connectMessaging(config.NATS_URL, naming, service, config.NPQ_STREAM_REPLICAS);
  const metrics = new Registry();
  const relay = new OutboxRelay({ orm, js: messaging.js, logger, pollMs: config.OUTBOX_POLL_MS });
  const readYourWrites = new ReadYourWrites(
    messaging,
    relay,
    config.READ_YOUR_WRITES_TIMEOUT_MS,
    logger,
    metrics,
  );
  const healthChecks: Record<string, HealthCheck> = {
    postgres: () => orm.em.fork().execute('select 1'),
    nats: async () => {
      if (messaging.nc.isClosed()) throw new Error('connection closed');
      await messaging.nc.flush();
    },
  };
  return { service, config, logger, orm, messaging, naming, relay, readYourWrites, metrics, healthChecks };
}

/** The service's durable consumer of the events it handles; readiness reports whether it is consuming. */
export function createConsumer(runtime: ServiceRuntime, handlers: EventHandlers): EventConsumer {
  const consumer = new EventConsumer({
    orm: runtime.orm,
    messaging: runtime.messaging,
    consumer: runtime.service,
    handlers,
    logger: runtime.logger,
    metrics: runtime.metrics,
  });
  runtime.healthChecks.consumer = () => consumer.healthCheck();
  runtime.eventHandlers = handlers;
  return consumer;
}

/** Health checks of the service: Postgres, NATS and (once created) its event consumer. */
export function runtimeHealthChecks(runtime: ServiceRuntime): Record<string, HealthCheck> {
  return runtime.healthChecks;
}

/** Closers for the runtime's own resources, in the order they must close. */
export function runtimeClosers(runtime: ServiceRuntime): Closer[] {
  return [
    { name: 'outbox relay', close: () => runtime.relay.stop() },
    { name: 'nats', close: () => runtime.messaging.nc.drain() },
    { name: 'orm', close: () => runtime.orm.close() },
  ];
}

/**
 * A service's HTTP app: internal credential required, request ORM fork, health checks on its runtime, and
 * the kit's internal operator routes (status, parked messages; internal-ops.ts).
 */
export function createServiceHttpApp(runtime: ServiceRuntime, ops: InternalOpsOptions = {}): HttpApp {
  const http = createHttpApp({
    logger: runtime.logger,
    bodyLimit: runtime.config.BODY_LIMIT_BYTES,
    internalSecret: runtime.config.INTERNAL_API_SECRET,
    orm: runtime.orm,
    healthChecks: runtimeHealthChecks(runtime),
    maxEventLoopDelayMs: runtime.config.NPQ_MAX_EVENT_LOOP_DELAY_MS,
    metrics: runtime.metrics,
  });
  addInternalOpsRoutes(http.app, runtime, ops);
  return http;
}
