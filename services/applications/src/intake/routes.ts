import type { FastifyInstance } from 'fastify';
import { readAttributes, requireAdmin, runIdempotent, type ServiceRuntime } from '@npq/service-kit';
import { serializeApplication } from '../applications/serializer';
import { intakeApplication } from './commands';
import { validateIntake } from './validation';

export function intakeRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  // Retry-safe with an Idempotency-Key (docs/operations.md): a retried intake never makes a second application.
  app.post('/admin/v1/npq-applications', async (req, reply) => {
    requireAdmin(req);
    return runIdempotent(req, reply, runtime, async (em) => {
      const input = validateIntake(readAttributes(req.body)!);
      const { view, events } = await intakeApplication(em, runtime.naming, input);
      return { status: 201, body: { data: serializeApplication(view) }, events };
    });
  });
}
