import type { AddressInfo } from 'node:net';
import { buildGateway, gatewayOrmSettings, Sandbox, seedGateway } from '@npq/gateway';
import { applicationsService } from '@npq/applications';
import { trainingService } from '@npq/training';
import { financeService, seedFinance, startFinanceWorkers, type FinanceWorkers } from '@npq/finance';
import { LEAD_PROVIDERS } from '@npq/contracts';
import {
  createWebhookDeliveryService,
  internalResourceFetcher,
  webhooksService,
  type DeliveryWorkerOptions,
  type WebhookDeliveryService,
} from '@npq/webhooks';
import {
  connectMessaging,
  createConsumer,
  createLogger,
  createOrm,
  createRedis,
  createServiceRuntime,
  deleteStream,
  loadConfig,
  loggerOptions,
  migrateUp,
  type Config,
  type EventConsumer,
  type HttpApp,
  type Logger,
  type MikroORM,
  type ServiceDefinition,
  type ServiceRuntime,
} from '@npq/service-kit';
import {
  ApiClient,
  createTestDatabase,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  testNamespace,
  type Inject,
  type TestDatabase,
} from '@npq/test-kit';
import type { Redis } from 'ioredis';
import pino from 'pino';

export const ADMIN_TOKEN = 'test-admin-token';

export interface RunningService {
  definition: ServiceDefinition;
  runtime: ServiceRuntime;
  http: HttpApp;
  consumer: EventConsumer;
  url: string;
}

export interface System {
  config: Config;
  db: TestDatabase;
  gateway: HttpApp;
  /** `http://127.0.0.1:<port>` when started with `listen` (the gateway on a real socket), else undefined. */
  gatewayUrl: string | undefined;
  gatewayOrm: MikroORM;
  redis: Redis;
  services: Record<'applications' | 'training' | 'finance', RunningService>;
  /** Bootstrap token per lead provider id. */
  tokens: Record<string, string>;
  /** A client with no credentials. */
  anonymous: ApiClient;
  admin: ApiClient;
  /** A client authenticated as the given lead provider (default: the first one). */
  provider(leadProviderId?: string): ApiClient;
  inject: Inject;
  /** Finance (issue 5): the statement worker's queues and processors, when started with `financeWorker`. */
  financeWorkers?: FinanceWorkers;
  /** The sandbox dataset (docs/sandbox.md), when started with `sandbox` (needs SANDBOX true). */
  sandbox?: Sandbox;
  /** Webhooks (docs/webhooks.md): the service and its in-process delivery worker, when started with `webhooks`. */
  webhooks?: RunningService & { delivery: WebhookDeliveryService };
  /** Another gateway replica on the same database, Redis prefix and services (config may differ). */
  startGateway(config?: SystemOptions['config']): Promise<{ client: ApiClient; close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface SystemOptions {
  config?: Partial<Record<keyof Config, string | number | boolean>>;
  /** Services to leave stopped (to test what happens when a consumer is down). */
  without?: ('applications' | 'training' | 'finance')[];
  /**
   * Finance (issue 5): run the finance statement worker (payment runs, cut-off jobs) in-process on the
   * finance service's runtime. No daily schedule and no cut-off on start, so tests control time.
   */
  financeWorker?: boolean;
  /**
   * Also make the gateway listen on a real port (127.0.0.1, chosen by the OS; see `gatewayUrl`), for tests
   * whose defects only show on a socket (malformed request lines, odd encodings, oversized headers).
   */
  listen?: boolean;
  /**
   * Receives every JSON log line of every process (at `config.LOG_LEVEL`) instead of stdout, so a test can
   * tie a server-side error to the request that caused it (lines carry the request's `reqId`).
   */
  logSink?: (line: string) => void;
  /**
   * Seed the sandbox dataset for every lead provider before answering (docs/sandbox.md), as the start
   * script does. Implies `financeWorker` (its payment runs pay the seeded statements).
   */
  sandbox?: boolean;
  /**
   * Webhooks (docs/webhooks.md): start the webhooks service and its delivery worker in-process (the
   * worker's options, e.g. a short backoff, may be overridden).
   */
  webhooks?: boolean | Partial<DeliveryWorkerOptions>;
}

const DEFINITIONS = { applications: applicationsService, training: trainingService, finance: financeService };

type LoggerFactory = (service: string, level: string) => Logger;

function loggerFactory(sink: SystemOptions['logSink']): LoggerFactory {
  if (!sink) return createLogger;
  // The kit's options (redaction, serializers) with another destination: pino writes each line synchronously.
  return (service, level) => pino(loggerOptions(service, level), { write: sink });
}

async function startService(
  definition: ServiceDefinition,
  config: Config,
  makeLogger: LoggerFactory,
): Promise<RunningService> {
  const logger = makeLogger(definition.service, config.LOG_LEVEL);
  const runtime = await createServiceRuntime({
    service: definition.service,
    config,
    ormSettings: definition.ormSettings(config),
    logger,
  });
  await migrateUp(runtime.orm);
  const http = await definition.buildApp(runtime);
  const consumer = createConsumer(runtime, definition.handlers);
  await consumer.start();
  runtime.relay.start();
  await http.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = http.app.server.address() as AddressInfo;
  return { definition, runtime, http, consumer, url: `http://127.0.0.1:${port}` };
}

async function stopService(s: RunningService): Promise<void> {
  await s.http.app.close();
  await s.consumer.stop();
  await s.runtime.relay.stop();
  await s.runtime.messaging.nc.drain();
  await s.runtime.orm.close(true);
}

/**
 * The whole platform in one process, on a database, stream and Redis prefix of its own: every service
 * listening on a real port (the gateway proxies over real HTTP), consumers and relays running. Tests talk
 * to the gateway exactly as a provider or a DfE operator would.
 */
export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const db = await createTestDatabase();
  const namespace = testNamespace();
  const baseConfigInput = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    NATS_URL: TEST_NATS_URL,
    NPQ_NAMESPACE: namespace,
    NPQ_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SANDBOX: true,
    RATE_LIMIT_MAX: 100_000,
    // Every test file's requests come from one address and run concurrently on purpose; the limits that
    // would get in their way have tests of their own (gateway-limits.test.ts).
    RATE_LIMIT_AUTH_FAILURES_MAX: 100_000,
    GATEWAY_MAX_IN_FLIGHT_PER_TOKEN: 1000,
    // Everything runs in one process here; load shedding is tested on its own.
    NPQ_MAX_EVENT_LOOP_DELAY_MS: 0,
    READ_YOUR_WRITES_TIMEOUT_MS: 5000,
    OUTBOX_POLL_MS: 100,
    ...options.config,
  };
  const baseConfig = loadConfig({}, baseConfigInput);

  const names = (['applications', 'training', 'finance'] as const).filter(
    (n) => !options.without?.includes(n),
  );
  const makeLogger = loggerFactory(options.logSink);
  const started = await Promise.all(names.map((n) => startService(DEFINITIONS[n], baseConfig, makeLogger)));
  const services = Object.fromEntries(started.map((s) => [s.definition.service, s])) as System['services'];

  // --- finance (issue 5): seed contracts, statements and delivery partners after finance's migrations; ---
  // --- optionally run the statement worker in-process.                                                 ---
  let financeWorkers: FinanceWorkers | undefined;
  let financeWorkerRedis: Redis | undefined;
  if (services.finance) {
    await seedFinance(services.finance.runtime.orm);
    if (options.financeWorker || options.sandbox) {
      financeWorkerRedis = createRedis(TEST_REDIS_URL, 'finance-worker-test');
      financeWorkers = await startFinanceWorkers(services.finance.runtime, financeWorkerRedis, {
        schedule: false,
        runCutoffOnStart: false,
      });
    }
  }
  // --- end finance ---

  // --- webhooks (docs/webhooks.md): the service and an in-process delivery worker ---
  let webhooks: System['webhooks'];
  let webhooksRedis: Redis | undefined;
  if (options.webhooks) {
    const running = await startService(webhooksService, baseConfig, makeLogger);
    webhooksRedis = createRedis(TEST_REDIS_URL, 'webhooks-worker-test');
    // The owning services listen on ports of their own here: the worker reads resources from them.
    const fetchResource = internalResourceFetcher(
      {
        applications: services.applications?.url ?? 'http://127.0.0.1:9',
        training: services.training?.url ?? 'http://127.0.0.1:9',
        finance: services.finance?.url ?? 'http://127.0.0.1:9',
      },
      baseConfig.INTERNAL_API_SECRET,
      2000,
    );
    const delivery = createWebhookDeliveryService(running.runtime, webhooksRedis, {
      fetchResource,
      ...(options.webhooks === true ? {} : options.webhooks),
    });
    delivery.start();
    webhooks = { ...running, delivery };
  }

  const gatewayOrm = await createOrm(gatewayOrmSettings(db.url));
  await migrateUp(gatewayOrm);
  const seeded = await seedGateway(gatewayOrm, baseConfig);
  const redis = createRedis(TEST_REDIS_URL, 'gateway-test');
  const unreachable = 'http://127.0.0.1:9';
  const makeGateway = async (config: Config) => {
    const app = await buildGateway({
      config,
      logger: makeLogger('gateway', config.LOG_LEVEL),
      orm: gatewayOrm,
      redis,
      keyPrefix: `npq_${namespace}`,
      upstreams: {
        applications: services.applications?.url ?? unreachable,
        training: services.training?.url ?? unreachable,
        finance: services.finance?.url ?? unreachable,
        webhooks: webhooks?.url ?? unreachable,
      },
    });
    await app.app.ready();
    return app;
  };
  const injectInto =
    (http: HttpApp): Inject =>
    async (req) => {
      const res = await http.app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: req.headers,
        ...(req.payload !== undefined ? { payload: req.payload } : {}),
      });
      return { statusCode: res.statusCode, headers: res.headers, body: res.body };
    };
  const gateway = await makeGateway(baseConfig);
  const inject = injectInto(gateway);
  let gatewayUrl: string | undefined;
  if (options.listen) {
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    gatewayUrl = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  }
  const extraGateways: HttpApp[] = [];
  const tokens = Object.fromEntries(
    seeded.flatMap((t) => (t.token === null ? [] : [[t.leadProviderId, t.token] as const])),
  );
  const anonymous = new ApiClient(inject);
  let sandbox: Sandbox | undefined;
  if (options.sandbox) {
    sandbox = new Sandbox({
      config: baseConfig,
      logger: makeLogger('sandbox', baseConfig.LOG_LEVEL),
      upstreams: {
        applications: services.applications.url,
        training: services.training.url,
        finance: services.finance.url,
        ...(webhooks ? { webhooks: webhooks.url } : {}),
      },
    });
    await sandbox.seedAll();
  }

  return {
    config: baseConfig,
    db,
    gateway,
    gatewayUrl,
    gatewayOrm,
    redis,
    services,
    tokens,
    anonymous,
    admin: anonymous.withToken(ADMIN_TOKEN),
    provider: (leadProviderId = LEAD_PROVIDERS[0].id) => anonymous.withToken(tokens[leadProviderId]),
    inject,
    financeWorkers,
    sandbox,
    webhooks,
    startGateway: async (overrides = {}) => {
      const config = loadConfig({}, { ...baseConfigInput, ...overrides });
      const replica = await makeGateway(config);
      extraGateways.push(replica);
      return { client: new ApiClient(injectInto(replica)), close: () => replica.app.close() };
    },
    close: async () => {
      await Promise.all(extraGateways.map((g) => g.app.close()));
      await gateway.app.close();
      // finance (issue 5): stop the in-process statement worker before its runtime closes.
      await financeWorkers?.close();
      await financeWorkerRedis?.quit();
      if (webhooks) {
        await webhooks.delivery.stop();
        await webhooksRedis?.quit();
        await stopService(webhooks);
      }
      await Promise.all(started.map(stopService));
      const anyRuntime = started[0]?.runtime;
      if (anyRuntime) {
        const m = await connectMessaging(TEST_NATS_URL, anyRuntime.naming, 'cleanup');
        await deleteStream(m.jsm, anyRuntime.naming);
        await m.nc.drain();
      }
      const keys = await redis.keys(`npq_${namespace}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await gatewayOrm.close(true);
      await db.drop();
    },
  };
}
