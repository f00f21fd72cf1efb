import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertFilterShape, requireScope, type Query } from '@npq/service-kit';
import { QualificationRepository } from './repository';
import { qualificationsOf } from './rules';

/** The Teacher Record Service's pull: a TRN's NPQ qualifications (rules.ts `qualificationsOf`). */
export function qualificationRoutes(app: FastifyInstance): void {
  const handler = async (req: FastifyRequest<{ Params: { trn: string } }>) => {
    requireScope(req, 'teacher_record_service');
    assertFilterShape(req.query as Query);
    const trn = req.params.trn;
    const qualifications = qualificationsOf(await new QualificationRepository(req.em).factsFor(trn));
    return {
      data: {
        trn,
        qualifications: qualifications.map((q) => ({ award_date: q.awardDate, npq_type: q.npqType })),
      },
    };
  };
  app.get('/api/teacher-record-service/v1/qualifications/:trn', handler);
  // DfE serves the same pull under this path too.
  app.get('/api/teaching-record-system/v1/qualifications/:trn', handler);
}
