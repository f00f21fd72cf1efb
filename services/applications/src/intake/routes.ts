import type { FastifyInstance } from 'fastify';
import { readAttributes, requireAdmin, type ServiceRuntime } from '@npq/service-kit';
import { serializeApplication } from '../applications/serializer';
import { intakeApplication } from './service';
import { validateIntake } from './validation';

export function intakeRoutes(app: FastifyInstance, runtime: ServiceRuntime): void {
  app.post('/admin/v1/npq-applications', async (req, reply) => {
    requireAdmin(req);
    const input = validateIntake(readAttributes(req.body)!);
    const { view, events } = await intakeApplication(req.em, runtime.naming, input);
    await runtime.readYourWrites.publishAndWait(events);
    return reply.status(201).send({ data: serializeApplication(view) });
  });
}
