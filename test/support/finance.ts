import { addCalendarDays } from '@npq/contracts';
import { SEED_DELIVERY_PARTNERS } from '@npq/finance';
import type { ApiClient, ApiResponse } from '@npq/test-kit';
import { CHURCH, createAcceptedApplication } from './fixtures';
import { eventually } from './eventually';
import { publishEvent } from './events';
import type { System } from './system';

/** A seeded delivery partner partnered with every provider in every cohort. */
export const EVERYWHERE_PARTNER = SEED_DELIVERY_PARTNERS[0]!;

export const at = (date: string) => ({ headers: { 'x-with-server-date': date } });

export const declarationBody = (attributes: Record<string, unknown>) => ({
  data: { type: 'participant-declaration', attributes },
});

export const errors = (...items: [string, string][]) => ({
  errors: items.map(([title, detail]) => ({ title, detail })),
});

/**
 * A participant with an accepted 2025a headship application at Ambition (by default), accepted on
 * 2025-09-15, so its schedule is npq-leadership-autumn 2025 (declarations from 2025-10-01) and its next
 * output-fee statement in mid-October 2025 is December 2025 (cut-off 2025-11-25).
 */
export async function acceptedParticipant(
  system: System,
  overrides: Record<string, unknown> = {},
  options: { accept?: Record<string, unknown>; at?: string } = {},
) {
  const app = await createAcceptedApplication(system, overrides, { at: '2025-09-15T10:00:00Z', ...options });
  return { application: app, participantId: app.attributes.participant_id as string, applicationId: app.id };
}

/** A valid started declaration for an accepted participant (override anything). */
export function startedAttributes(
  participantId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    participant_id: participantId,
    declaration_type: 'started',
    declaration_date: '2025-10-10T10:00:00Z',
    course_identifier: 'npq-headship',
    delivery_partner_id: EVERYWHERE_PARTNER.id,
    ...overrides,
  };
}

export async function declare(
  client: ApiClient,
  attributes: Record<string, unknown>,
  serverDate = '2025-10-15T09:00:00Z',
): Promise<ApiResponse> {
  return client.post('/api/v3/participant-declarations', declarationBody(attributes), at(serverDate));
}

/** Declares and expects 200; returns the declaration resource. */
export async function declareOk(client: ApiClient, attributes: Record<string, unknown>, serverDate?: string) {
  const res = await declare(client, attributes, serverDate);
  if (res.status !== 200) throw new Error(`declare failed: ${res.status} ${res.text}`);
  return res.body.data as { id: string; type: string; attributes: Record<string, any> };
}

export interface DeclareForOptions {
  /** Default `started`. */
  type?: string;
  /** RFC 3339; default 2025-10-10T10:00:00Z (autumn 2025 schedules start on 2025-10-01). */
  date?: string;
  /** Required on completed declarations of leadership and specialist courses (it records the outcome). */
  hasPassed?: boolean;
  /** The request's sandbox clock; default an hour after the declaration date. */
  at?: string;
}

/**
 * Declares for an accepted application (its participant and course) through POST
 * /api/v3/participant-declarations as `leadProviderId`, with EVERYWHERE_PARTNER; expects 200 and returns
 * the declaration resource. Answering 200 means training and applications have applied it.
 */
export async function declareFor(
  system: System,
  application: { attributes: Record<string, any> },
  leadProviderId: string,
  options: DeclareForOptions = {},
) {
  const date = options.date ?? '2025-10-10T10:00:00Z';
  const attributes = startedAttributes(application.attributes.participant_id, {
    course_identifier: application.attributes.course_identifier,
    declaration_type: options.type ?? 'started',
    declaration_date: date,
    ...(options.hasPassed === undefined ? {} : { has_passed: options.hasPassed }),
  });
  const serverDate =
    options.at ?? new Date(Date.parse(date) + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return declareOk(system.provider(leadProviderId), attributes, serverDate);
}

/** Voids a declaration as the provider that made it (PUT .../void); expects 200 and returns the resource. */
export async function voidOk(client: ApiClient, id: string, serverDate?: string) {
  const res = await client.put(
    `/api/v3/participant-declarations/${id}/void`,
    undefined,
    serverDate ? at(serverDate) : {},
  );
  if (res.status !== 200) throw new Error(`void failed: ${res.status} ${res.text}`);
  return res.body.data as { id: string; type: string; attributes: Record<string, any> };
}

/** Creates a delivery partner (admin) with partnerships; returns its id. */
export async function createPartner(
  system: System,
  name: string,
  partnerships: { lead_provider_id: string; cohort: string; cohort_suffix?: string }[],
): Promise<string> {
  const res = await system.admin.post('/admin/v1/delivery-partners', {
    data: { type: 'delivery-partner', attributes: { name } },
  });
  if (res.status !== 201) throw new Error(`create partner failed: ${res.status} ${res.text}`);
  for (const p of partnerships) {
    const link = await system.admin.post(`/admin/v1/delivery-partners/${res.body.data.id}/partnerships`, {
      data: { type: 'delivery-partnership', attributes: p },
    });
    if (link.status !== 201) throw new Error(`create partnership failed: ${link.status} ${link.text}`);
  }
  return res.body.data.id as string;
}

/** Admin statements of one provider and cohort (start year), with their calculations. */
export async function adminStatements(system: System, leadProviderId: string, cohort: string) {
  const res = await system.admin.get(
    `/admin/v1/statements?filter[lead_provider_id]=${leadProviderId}&filter[cohort]=${cohort}&page[per_page]=100`,
  );
  if (res.status !== 200) throw new Error(`admin statements failed: ${res.status} ${res.text}`);
  return res.body.data as { id: string; attributes: Record<string, any> }[];
}

/** The provider's statement for a cohort (identifier such as 2025a) and month. */
export async function statementFor(
  system: System,
  leadProviderId: string,
  cohort: string,
  year: number,
  month: string,
) {
  const rows = await adminStatements(system, leadProviderId, cohort.slice(0, 4));
  const found = rows.find(
    (s) =>
      s.attributes.year === String(year) &&
      s.attributes.month === month &&
      s.attributes.cohort_suffix === cohort.slice(4),
  );
  if (!found) throw new Error(`no ${month} ${year} statement for ${cohort}`);
  return found;
}

export async function runCutoff(system: System, asOf: string, serverDate?: string) {
  const res = await system.admin.post(
    '/admin/v1/finance/statement-cutoffs',
    { data: { type: 'statement-cutoff', attributes: { as_of: asOf } } },
    serverDate ? at(serverDate) : {},
  );
  if (res.status !== 200) throw new Error(`cut-off failed: ${res.status} ${res.text}`);
  return res.body.data.attributes as {
    as_of: string;
    statements_marked_payable: number;
    declarations_marked_payable: number;
  };
}

/** Authorises payment (202) and waits for the in-process payment run to mark the statement paid. */
export async function authoriseAndPay(system: System, statementId: string, serverDate: string) {
  const res = await system.admin.post(
    `/admin/v1/statements/${statementId}/authorise-payment`,
    undefined,
    at(serverDate),
  );
  if (res.status !== 202) throw new Error(`authorise failed: ${res.status} ${res.text}`);
  return eventually(
    () => system.admin.get(`/admin/v1/statements/${statementId}`),
    (r) => r.body.data.attributes.state === 'paid',
    10_000,
  );
}

/**
 * Pays an output-fee statement through the admin API (needs `startSystem({ financeWorker: true })`): the
 * cut-off the day after its cut-off date, then authorise-payment on that day. Returns that day.
 */
export async function payStatement(system: System, statementId: string): Promise<string> {
  const res = await system.admin.get(`/admin/v1/statements/${statementId}`);
  if (res.status !== 200) throw new Error(`admin statement failed: ${res.status} ${res.text}`);
  const dayAfter = addCalendarDays(res.body.data.attributes.cut_off_date as string, 1);
  await runCutoff(system, dayAfter);
  await authoriseAndPay(system, statementId, `${dayAfter}T09:00:00Z`);
  return dayAfter;
}

/**
 * A withdrawal recorded by ANOTHER provider, as training announces it (`enrolment.training-status-changed`).
 * No endpoint lets a provider withdraw another provider's participant (it happens after a transfer), so
 * this publishes the event; use the withdraw endpoint for a provider's own withdrawals.
 */
export async function publishWithdrawal(
  system: System,
  p: { applicationId: string; participantId: string },
  changedAt: string,
  leadProviderId: string,
) {
  return publishEvent(
    system,
    'enrolment.training-status-changed',
    { id: p.applicationId, version: 2 },
    {
      applicationId: p.applicationId,
      participantId: p.participantId,
      leadProviderId,
      trainingStatus: 'withdrawn',
      reason: 'personal-reason-other',
      changedAt,
    },
  );
}

/**
 * Moves an application to another provider the only way this platform can: an application event with a
 * newer version (DfE transfers applications between providers by hand; no endpoint does). Finance then
 * shows the previous provider's declarations to the new one, read-only; training lets the new provider
 * act on the participant.
 */
export async function transferApplication(
  system: System,
  application: { id: string; attributes: Record<string, any> },
  toLeadProviderId: string,
) {
  const a = application.attributes;
  return publishEvent(
    system,
    'application.accepted',
    { id: application.id, version: 1000 },
    {
      application: {
        applicationId: application.id,
        participantId: a.participant_id,
        leadProviderId: toLeadProviderId,
        courseIdentifier: a.course_identifier,
        cohortIdentifier: `${a.cohort}${a.cohort_suffix}`,
        status: 'accepted',
        reasonForRejection: null,
        scheduleIdentifier: a.schedule_identifier,
        fundedPlace: a.funded_place,
        eligibleForFunding: a.eligible_for_funding,
        eligibleForDfeFunding: a.eligible_for_funding,
        fundable: a.eligible_for_funding && a.funded_place !== false,
        targetedDeliveryFundingEligibility: a.targeted_delivery_funding_eligibility,
        teacherCatchment: 'england',
        schoolUrn: a.school_urn,
        acceptedAt: a.updated_at,
        createdAt: a.created_at,
        updatedAt: a.updated_at,
      },
      person: {
        participantId: a.participant_id,
        fullName: a.full_name,
        email: a.email,
        trn: a.teacher_reference_number,
        trnVerified: a.teacher_reference_number_validated,
        previousNames: [],
        retiredIntoParticipantId: null,
        createdAt: a.created_at,
        significantlyUpdatedAt: a.updated_at,
      },
    },
  );
}

/**
 * docs/domain.md's worked example ("Money"): Church, cohort 2024, specialist course. Two retained-1
 * declarations paid on March 2025's statement and then voided (clawed back on June's); ten started (the
 * first three with targeted delivery funding), the last four also retained-1, all on June's statement.
 * Returns every answer, so each test asserts what it is about.
 */
export async function seedWorkedExample(system: System) {
  const church = system.provider(CHURCH.id);
  const specialist = (overrides: Record<string, unknown> = {}) =>
    createAcceptedApplication(
      system,
      {
        lead_provider_id: CHURCH.id,
        cohort: '2024',
        course_identifier: 'npq-leading-teaching',
        ...overrides,
      },
      { at: '2024-09-15T10:00:00Z' },
    );
  const attributes = (participantId: string, overrides: Record<string, unknown>) =>
    startedAttributes(participantId, { course_identifier: 'npq-leading-teaching', ...overrides });
  const march = await statementFor(system, CHURCH.id, '2024a', 2025, 'March');
  const june = await statementFor(system, CHURCH.id, '2024a', 2025, 'June');

  const clawed: Awaited<ReturnType<typeof declareOk>>[] = [];
  for (let i = 0; i < 2; i++) {
    const app = await specialist();
    clawed.push(
      await declareOk(
        church,
        attributes(app.attributes.participant_id, {
          declaration_type: 'retained-1',
          declaration_date: '2025-02-01T10:00:00Z',
        }),
        '2025-02-10T09:00:00Z',
      ),
    );
  }
  await runCutoff(system, '2025-02-24');
  await authoriseAndPay(system, march.id, '2025-02-25T09:00:00Z');

  const starters: { started: Awaited<ReturnType<typeof declareOk>>; tdf: boolean; retained?: string }[] = [];
  for (let i = 0; i < 10; i++) {
    const tdf = i < 3;
    const app = await specialist({ targeted_delivery_funding_eligibility: tdf });
    const started = await declareOk(
      church,
      attributes(app.attributes.participant_id, { declaration_date: '2025-03-01T10:00:00Z' }),
      '2025-03-05T09:00:00Z',
    );
    const retained =
      i >= 6
        ? await declareOk(
            church,
            attributes(app.attributes.participant_id, {
              declaration_type: 'retained-1',
              declaration_date: '2025-04-01T10:00:00Z',
            }),
            '2025-04-02T09:00:00Z',
          )
        : undefined;
    starters.push({ started, tdf, ...(retained ? { retained: retained.id } : {}) });
  }
  const voids: ApiResponse[] = [];
  for (const d of clawed)
    voids.push(
      await church.put(
        `/api/v3/participant-declarations/${d.id}/void`,
        undefined,
        at('2025-04-10T09:00:00Z'),
      ),
    );
  return { march, june, clawed, starters, voids };
}
