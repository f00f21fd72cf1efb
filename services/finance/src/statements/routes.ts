import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { consumersOf, isStatementState, STATEMENT_STATES } from '@npq/contracts';
import {
  badRequest,
  isUuid,
  isValidDateOnly,
  list,
  ListQuery,
  notFound,
  readAdminAttributes,
  requireAdmin,
  runIdempotent,
  unprocessable,
  type Queue,
  type ServiceRuntime,
} from '@npq/service-kit';
import { paymentJobId, type PaymentJobData } from '../jobs/queues';
import { statementDeclarations } from '../declarations/repository';
import { calculateStatements, statementAdjustments } from '../payments/repository';
import { breakdownStatement, itemAmount } from '../payments/rules';
import { authorisePayment, runStatementCutoff } from './commands';
import { StatementRepository, type StatementView } from './repository';
import {
  serializeAdminStatement,
  serializeBreakdown,
  serializeStatement,
  serializeStatementDeclaration,
  statementDeclarationsCsv,
} from './serializer';

/** GET /api/v3/statements[/{id}]: the caller's output-fee statements only (others are invisible: 404). */
export function statementRoutes(app: FastifyInstance): void {
  app.get('/api/v3/statements', async (req) => {
    const q = ListQuery.forProvider(req);
    const cohorts = q.cohorts();
    const updatedSince = q.date('updated_since');
    const { limit, offset } = q.page();
    const rows = await new StatementRepository(req.em).listForProvider({
      leadProviderId: q.leadProviderId,
      cohorts,
      updatedSince,
      limit,
      offset,
    });
    return list(rows.map(serializeStatement));
  });

  app.get<{ Params: { id: string } }>('/api/v3/statements/:id', async (req) => {
    // DfE applies the list's opening and filters to the show lookup as well.
    const q = ListQuery.forProvider(req);
    const cohorts = q.cohorts();
    const updatedSince = q.date('updated_since');
    if (!isUuid(req.params.id)) throw notFound();
    const row = await new StatementRepository(req.em).findForProvider(
      req.params.id.toLowerCase(),
      q.leadProviderId,
      { cohorts, updatedSince },
    );
    if (!row) throw notFound();
    return { data: serializeStatement(row) };
  });
}

/** Longest an authorisation waits to queue its payment run before leaving it to the payment sweep. */
const QUEUE_DEADLINE_MS = 2000;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  // A late failure of the abandoned command must not become an unhandled rejection.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export interface AdminStatementDeps {
  runtime: ServiceRuntime;
  /** Where authorised payments are queued for the worker. */
  paymentQueue: () => Queue<PaymentJobData>;
}

/** DfE operations on statements: read with the payment calculation, authorise payment, run the cut-off. */
export function adminStatementRoutes(app: FastifyInstance, deps: AdminStatementDeps): void {
  const withCalculation = async (em: Parameters<typeof calculateStatements>[0], rows: StatementView[]) => {
    const calculations = await calculateStatements(em, rows);
    return rows.map((s) => serializeAdminStatement(s, calculations.get(s.id)!));
  };

  app.get('/admin/v1/statements', async (req) => {
    const q = ListQuery.forAdmin(req);
    const { limit, offset } = q.page();
    const leadProviderId = q.scalar('lead_provider_id');
    const state = q.scalar('state');
    if (state !== undefined && !isStatementState(state)) {
      throw badRequest(`The filter '#/state' must be one of ${STATEMENT_STATES.join(', ')}`);
    }
    if (leadProviderId !== undefined && !isUuid(leadProviderId)) return list([]);
    const rows = await new StatementRepository(req.em).listAll({
      leadProviderId: leadProviderId?.toLowerCase(),
      cohorts: q.cohorts(),
      state,
      limit,
      offset,
    });
    return list(await withCalculation(req.em, rows));
  });

  app.get<{ Params: { id: string } }>('/admin/v1/statements/:id', async (req) => {
    requireAdmin(req);
    if (!isUuid(req.params.id)) throw notFound();
    const row = await new StatementRepository(req.em).findById(req.params.id.toLowerCase());
    if (!row) throw notFound();
    return { data: (await withCalculation(req.em, [row]))[0] };
  });

  /** The statement's total line by line (payments/rules.ts `breakdownStatement`; docs/operations.md). */
  app.get<{ Params: { id: string } }>('/admin/v1/statements/:id/breakdown', async (req) => {
    requireAdmin(req);
    if (!isUuid(req.params.id)) throw notFound();
    const row = await new StatementRepository(req.em).findById(req.params.id.toLowerCase());
    if (!row) throw notFound();
    const calculation = (await calculateStatements(req.em, [row])).get(row.id)!;
    const breakdown = breakdownStatement(calculation, await statementAdjustments(req.em, row.id));
    return { data: serializeBreakdown(row, breakdown) };
  });

  /** The statement's declarations: JSON pages, or every row as CSV with `Accept: text/csv`. */
  app.get<{ Params: { id: string } }>('/admin/v1/statements/:id/declarations', async (req, reply) => {
    const q = ListQuery.forAdmin(req);
    const page = q.page();
    if (!isUuid(req.params.id)) throw notFound();
    const row = await new StatementRepository(req.em).findById(req.params.id.toLowerCase());
    if (!row) throw notFound();
    const csv = /\btext\/csv\b/i.test(req.headers.accept ?? '');
    const [views, calculations] = await Promise.all([
      statementDeclarations(req.em, row.id, csv ? undefined : page),
      calculateStatements(req.em, [row]),
    ]);
    const perParticipant = new Map(
      calculations.get(row.id)!.courses.map((c) => [c.courseIdentifier, c.outputPerParticipant]),
    );
    const rows = views.map((d) =>
      serializeStatementDeclaration(d, itemAmount(perParticipant.get(d.courseIdentifier), d.itemState)),
    );
    if (!csv) return list(rows);
    return reply
      .type('text/csv')
      .header('content-disposition', `attachment; filename="statement-${row.id}.csv"`)
      .send(statementDeclarationsCsv(rows));
  });

  app.post<{ Params: { id: string } }>('/admin/v1/statements/:id/authorise-payment', async (req, reply) => {
    requireAdmin(req);
    if (!isUuid(req.params.id)) throw notFound();
    return runIdempotent(req, reply, deps.runtime, async (em) => {
      const statement = await authorisePayment(em, req.params.id.toLowerCase());
      return {
        status: 202,
        body: { data: (await withCalculation(em, [statement]))[0] },
        // After the commit. If Redis is unreachable the authorisation stands: the worker's payment sweep
        // (every minute) queues every authorised, unpaid statement (same job id, so never twice). Bounded,
        // since BullMQ waits for a connection that was never ready (docs/operations.md).
        afterCommit: async () => {
          try {
            await withDeadline(
              deps
                .paymentQueue()
                .add('payment-run', { statementId: statement.id }, { jobId: paymentJobId(statement.id) }),
              QUEUE_DEADLINE_MS,
            );
          } catch (err) {
            req.log.warn(
              { err, statementId: statement.id },
              'could not queue the payment run; the payment sweep will',
            );
          }
        },
      };
    });
  });

  app.post('/admin/v1/finance/statement-cutoffs', async (req, reply) => {
    requireAdmin(req);
    return runIdempotent(req, reply, deps.runtime, async (em) => {
      const attrs = readAdminAttributes(req.body, ['as_of']);
      const asOf = attrs.as_of;
      if (typeof asOf !== 'string' || !isValidDateOnly(asOf)) {
        throw unprocessable([
          { title: 'as_of', detail: "The '#/as_of' must be a date in the format YYYY-MM-DD" },
        ]);
      }
      const result = await runStatementCutoff(em, deps.runtime.naming, asOf);
      return {
        status: 200,
        body: {
          data: {
            id: randomUUID(),
            type: 'statement-cutoff',
            attributes: {
              as_of: asOf,
              statements_marked_payable: result.statementsMarkedPayable,
              declarations_marked_payable: result.declarationsMarkedPayable,
            },
          },
        },
        // Answer once applications and training have the declarations' new states (statement events have
        // no consumers to wait for; the relay publishes them).
        events: result.events.filter((e) => consumersOf(e.name).length > 0),
      };
    });
  });
}
