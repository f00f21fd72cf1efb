import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { COHORTS } from '@npq/contracts';
import { audit } from '../audit';
import { GatewayError } from '../gateway/client';
import type { StatementState } from '../gateway/types';
import { pageNumber, pagination, param, UUID } from '../pagination';
import { page, renderError, setFlash } from '../views/render';
import { paymentsChart, progressOf } from './chart';

const STATES: StatementState[] = ['open', 'payable', 'paid'];
const PER_PAGE = 50;
const DECLARATIONS_PER_PAGE = 50;
const COHORT_YEARS = [...new Set(COHORTS.map((c) => String(c.startYear)))];

function statementId(req: FastifyRequest): string | undefined {
  const id = (req.params as { id: string }).id;
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

function providerNames(providers: { id: string; attributes: { name: string } }[]): Record<string, string> {
  return Object.fromEntries(providers.map((p) => [p.id, p.attributes.name]));
}

/** Page 2: statements, their money, their declarations, and authorising their payment (docs/console.md). */
export function statementRoutes(app: FastifyInstance): void {
  app.get('/statements', async (req, reply) => {
    const api = req.consoleSession!.api;
    const query = req.query as Record<string, unknown>;
    const leadProviderId = param(query, 'lead_provider_id');
    const cohort = param(query, 'cohort');
    const stateParam = param(query, 'state');
    const state = STATES.find((s) => s === stateParam);
    const current = pageNumber(query.page);
    const [providers, statements] = await Promise.all([
      api.leadProviders(),
      api.statements(
        {
          leadProviderId: leadProviderId && UUID.test(leadProviderId) ? leadProviderId : undefined,
          cohort: cohort && COHORT_YEARS.includes(cohort) ? cohort : undefined,
          state,
        },
        { page: current, perPage: PER_PAGE },
      ),
    ]);
    return page(req, reply, 'statements/index.njk', {
      title: 'Statements',
      providers,
      names: providerNames(providers),
      cohorts: COHORT_YEARS,
      states: STATES,
      filter: { leadProviderId, cohort, state },
      statements: statements.map((s) => ({ ...s, progress: progressOf(s.attributes) })),
      pagination: pagination(
        '/statements',
        { lead_provider_id: leadProviderId, cohort, state },
        current,
        statements.length === PER_PAGE,
      ),
    });
  });

  app.get('/statements/:id', async (req, reply) => {
    const id = statementId(req);
    if (!id) return renderError(req, reply, 404);
    const api = req.consoleSession!.api;
    const declarationsPage = pageNumber((req.query as Record<string, unknown>).declarations_page);
    const statement = await api.statement(id);
    const a = statement.attributes;
    const [breakdown, providers, cohortStatements, declarations] = await Promise.all([
      api.statementBreakdown(id),
      api.leadProviders(),
      api.cohortStatements(a.lead_provider_id, a.cohort),
      api.statementDeclarations(id, { page: declarationsPage, perPage: DECLARATIONS_PER_PAGE }),
    ]);
    const sameCohort = cohortStatements.filter((s) => s.attributes.cohort_suffix === a.cohort_suffix);
    const chart = paymentsChart(
      sameCohort.map((s) => ({
        id: s.id,
        month: s.attributes.month,
        year: s.attributes.year,
        total: s.attributes.total_payment,
        state: s.attributes.state,
      })),
      id,
    );
    const progress = progressOf(a);
    return page(req, reply, 'statements/show.njk', {
      title: `Statement ${a.month} ${a.year}`,
      statement,
      breakdown,
      providerName: providerNames(providers)[a.lead_provider_id] ?? a.lead_provider_id,
      chart,
      progress,
      canAuthorise: a.output_fee && progress === 'payable',
      declarations,
      declarationsPagination: pagination(
        `/statements/${id}`,
        {},
        declarationsPage,
        declarations.length === DECLARATIONS_PER_PAGE,
        'declarations_page',
      ),
    });
  });

  /** What the page's script polls while a payment is on its way (JSON; the page works without it). */
  app.get('/statements/:id/progress', async (req, reply) => {
    const id = statementId(req);
    if (!id) return renderError(req, reply, 404);
    const statement = await req.consoleSession!.api.statement(id);
    return reply.send({ state: statement.attributes.state, progress: progressOf(statement.attributes) });
  });

  app.get('/statements/:id/declarations.csv', async (req, reply) => {
    const id = statementId(req);
    if (!id) return renderError(req, reply, 404);
    const csv = await req.consoleSession!.api.statementDeclarationsCsv(id);
    audit(req, 'statement.export-declarations', { statement_id: id });
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="statement-${id}.csv"`)
      .send(csv);
  });

  app.get('/statements/:id/authorise', async (req, reply) => {
    const id = statementId(req);
    if (!id) return renderError(req, reply, 404);
    const api = req.consoleSession!.api;
    const [statement, providers] = await Promise.all([api.statement(id), api.leadProviders()]);
    return page(req, reply, 'statements/authorise.njk', {
      title: 'Authorise payment',
      statement,
      providerName: providerNames(providers)[statement.attributes.lead_provider_id],
      progress: progressOf(statement.attributes),
      // One key per confirmation page: submitting it twice authorises once (docs/operations.md, "Idempotency-Key").
      idempotencyKey: randomUUID(),
    });
  });

  app.post('/statements/:id/authorise', async (req, reply) => {
    const id = statementId(req);
    if (!id) return renderError(req, reply, 404);
    const body = req.body as Record<string, unknown>;
    const key =
      typeof body.idempotency_key === 'string' && UUID.test(body.idempotency_key)
        ? body.idempotency_key
        : randomUUID();
    try {
      await req.consoleSession!.api.authorisePayment(id, key);
    } catch (err) {
      if (err instanceof GatewayError && (err.status === 422 || err.status === 409)) {
        audit(req, 'statement.authorise-payment', { statement_id: id }, 'refused', { status: err.status });
        await setFlash(req, { kind: 'important', title: 'Payment not authorised', text: err.message });
        return reply.redirect(`/statements/${id}`, 303);
      }
      audit(req, 'statement.authorise-payment', { statement_id: id }, 'failed', {
        status: err instanceof GatewayError ? err.status : undefined,
      });
      throw err;
    }
    audit(req, 'statement.authorise-payment', { statement_id: id });
    await setFlash(req, {
      kind: 'success',
      title: 'Payment authorised',
      text: 'The payment run marks the statement paid, its payable declarations paid and its clawbacks clawed back.',
    });
    return reply.redirect(`/statements/${id}`, 303);
  });
}
