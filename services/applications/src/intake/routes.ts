import type { FastifyInstance } from 'fastify';
import { readAttributes, requireAdmin, type Naming } from '@npq/service-kit';
import { serializeApplication } from '../applications/serializer';
import { intakeApplication } from './service';
import { validateIntake } from './validation';

export function intakeRoutes(app: FastifyInstance, naming: Naming): void {
  app.post('/admin/v1/npq-applications', async (req, reply) => {
    requireAdmin(req);
    const input = validateIntake(readAttributes(req.body)!);
    const view = await intakeApplication(req.em, naming, input);
    return reply.status(201).send({ data: serializeApplication(view) });
  });
}
