import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HttpApp } from './http';
import { closeOnSignal, type Closer } from './lifecycle';

export type HealthCheck = () => Promise<unknown>;

export interface OpsRoutesOptions {
  healthChecks?: Record<string, HealthCheck> | undefined;
  registry: Registry;
  isDraining: () => boolean;
  /** Readiness names a failing check's error (internal ports) or only says it failed (public ports). */
  detailed: boolean;
  /** Serve `/metrics` here. */
  metrics: boolean;
}

const CHECK_TIMEOUT_MS = 2000;

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/health/live` (the process answers), `/health/ready` (every dependency answers within 2 s and the
 * process is not draining; 503 otherwise, naming the check) and `/metrics` (Prometheus text).
 */
export function addOpsRoutes(app: FastifyInstance, options: OpsRoutesOptions): void {
  app.get('/health/live', { logLevel: 'silent' }, async () => ({ status: 'ok' }));

  app.get('/health/ready', { logLevel: 'silent' }, async (_req, reply) => {
    const results: Record<string, string> = {};
    const draining = options.isDraining();
    let ok = !draining;
    for (const [name, check] of Object.entries(options.healthChecks ?? {})) {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        results[name] = 'ok';
      } catch (err) {
        ok = false;
        results[name] = options.detailed ? (err instanceof Error ? err.message : 'failed') : 'failed';
      }
    }
    return reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : draining ? 'draining' : 'unavailable', checks: results });
  });

  if (options.metrics) {
    app.get('/metrics', { logLevel: 'silent' }, async (_req, reply) => {
      return reply.type(options.registry.contentType).send(await options.registry.metrics());
    });
  }
}

export interface OpsServerOptions {
  logger: Logger;
  registry: Registry;
  healthChecks?: Record<string, HealthCheck>;
  isDraining?: () => boolean;
}

/**
 * A small HTTP server for probes and scrapes only, on a port of its own: the gateway's metrics stay off
 * the public port, and worker processes (which serve no API) still answer Kubernetes and Prometheus.
 */
export function createOpsServer(options: OpsServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'ops' }),
    disableRequestLogging: true,
  });
  addOpsRoutes(app as unknown as FastifyInstance, {
    healthChecks: options.healthChecks,
    registry: options.registry,
    isDraining: options.isDraining ?? (() => false),
    detailed: true,
    metrics: true,
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send({ error: 'Resource not found' });
  });
  return app as unknown as FastifyInstance;
}

export interface PublicServerOptions {
  http: HttpApp;
  logger: Logger;
  healthChecks: Record<string, HealthCheck>;
  host: string;
  port: number;
  /** Prometheus and the detailed readiness: never on the public port. */
  opsPort: number;
  /** Closed after both servers, in this order (Redis, the ORM, ...). */
  resources: Closer[];
}

/**
 * A public HTTP process beside its ops server (the gateway, the console): both listen, and on SIGTERM the
 * readiness turns 503 first, then the public port, the ops port and the resources close in that order.
 */
export async function servePublicWithOps(options: PublicServerOptions): Promise<void> {
  const { http, logger } = options;
  let draining = false;
  const ops = createOpsServer({
    logger,
    registry: http.metrics,
    healthChecks: options.healthChecks,
    isDraining: () => draining,
  });
  closeOnSignal(
    [
      {
        name: 'readiness',
        close: async () => {
          draining = true;
          http.markDraining();
        },
      },
      { name: 'http', close: () => http.app.close() },
      { name: 'ops', close: () => ops.close() },
      ...options.resources,
    ],
    logger,
  );
  await ops.listen({ host: options.host, port: options.opsPort });
  await http.app.listen({ host: options.host, port: options.port });
}
