import {
  createServiceHttpApp,
  createQueue,
  createRequestPathRedis,
  logQueueErrors,
  type HttpApp,
  type Queue,
  type ServiceRuntime,
} from '@npq/service-kit';
import type { Redis } from 'ioredis';
import { adminDeclarationRoutes, declarationRoutes } from './declarations/routes';
import { deliveryPartnerRoutes } from './delivery-partners/routes';
import { CUTOFF_QUEUE, PAYMENT_QUEUE, type PaymentJobData } from './jobs/queues';
import { StatementRepository } from './statements/repository';
import { sandboxRoutes } from './sandbox/routes';
import { adminStatementRoutes, statementRoutes } from './statements/routes';

/** The finance service's HTTP API (never listens; server.ts does). */
export function buildFinanceApp(runtime: ServiceRuntime): HttpApp {
  // The status page's figures (docs/operations.md, "System status"): the statement queues and what is due.
  const http = createServiceHttpApp(runtime, {
    queues: [CUTOFF_QUEUE, PAYMENT_QUEUE],
    status: async (em) => ({ statements_due: await new StatementRepository(em).countDue() }),
  });
  // Authorising a payment queues the payment run for the worker; the connection opens on first use. It is on
  // the request path, so it fails fast while Redis is unreachable (no offline queue, short timeouts) and logs
  // through pino: the authorisation stands and the worker's payment sweep queues it later
  // (docs/operations.md).
  let redis: Redis | undefined;
  let paymentQueue: Queue<PaymentJobData> | undefined;
  const queue = () => {
    redis ??= createRequestPathRedis(runtime.config.REDIS_URL, 'finance', runtime.logger, 1000);
    if (!paymentQueue) {
      paymentQueue = createQueue<PaymentJobData>(PAYMENT_QUEUE, {
        connection: redis,
        prefix: runtime.naming.queuePrefix,
      });
      logQueueErrors(runtime.logger, [paymentQueue]);
    }
    return paymentQueue;
  };
  http.app.addHook('onClose', async () => {
    await paymentQueue?.close();
    await redis?.quit();
  });

  declarationRoutes(http.app, runtime);
  adminDeclarationRoutes(http.app);
  statementRoutes(http.app);
  adminStatementRoutes(http.app, { runtime, paymentQueue: queue });
  deliveryPartnerRoutes(http.app, runtime);
  sandboxRoutes(http.app, { runtime, paymentQueue: queue });
  return http;
}
