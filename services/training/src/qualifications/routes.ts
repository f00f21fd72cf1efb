import type { FastifyInstance, FastifyRequest } from 'fastify';
import { courseByIdentifier } from '@npq/contracts';
import { assertFilterShape, requireScope, type Query } from '@npq/service-kit';

interface Row {
  award_date: string;
  course_identifier: string;
}

/**
 * The Teacher Record Service's pull (reference-and-finance §3.6): the passed outcomes of every person with
 * that TRN, whichever provider, newest award first. Unlike DfE, a pass whose declaration's current
 * outcome is `voided` is left out (the pass was retracted); the same qualification and date is listed once.
 */
export function qualificationRoutes(app: FastifyInstance): void {
  const handler = async (req: FastifyRequest<{ Params: { trn: string } }>) => {
    requireScope(req, 'teacher_record_service');
    assertFilterShape(req.query as Query);
    const trn = req.params.trn;
    const rows: Row[] = await req.em.execute(
      `select distinct to_char(o.completion_date, 'YYYY-MM-DD') as award_date, o.course_identifier
       from training.outcomes o
       join training.applications a on a.id = o.application_id
       join training.people p on p.id = a.participant_id
       where p.trn = ? and o.state = 'passed'
         and (select l.state from training.outcomes l where l.declaration_id = o.declaration_id
              order by l.created_at desc, l.seq desc limit 1) <> 'voided'
       order by award_date desc, o.course_identifier
       limit 1000`,
      [trn],
    );
    return {
      data: {
        trn,
        qualifications: rows.map((r) => ({
          award_date: r.award_date,
          npq_type: courseByIdentifier(r.course_identifier)?.shortCode ?? '',
        })),
      },
    };
  };
  app.get('/api/teacher-record-service/v1/qualifications/:trn', handler);
  // DfE serves the same pull under this path too.
  app.get('/api/teaching-record-system/v1/qualifications/:trn', handler);
}
