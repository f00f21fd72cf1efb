import { randomUUID } from 'node:crypto';
import { EVENT_CATALOGUE, type EventEnvelope, type EventName, type EventPayloads } from '@npq/contracts';
import { SEED_DELIVERY_PARTNERS } from '@npq/finance';
import type { ApiClient, ApiResponse } from '@npq/test-kit';
import { AMBITION, createAcceptedApplication } from './fixtures';
import { eventually } from './eventually';
import type { System } from './system';

/** A seeded delivery partner partnered with every provider in every cohort. */
export const EVERYWHERE_PARTNER = SEED_DELIVERY_PARTNERS[0]!;

export const at = (date: string) => ({ headers: { 'x-with-server-date': date } });

export const declarationBody = (attributes: Record<string, unknown>) => ({ data: { type: 'participant-declaration', attributes } });

export const errors = (...items: [string, string][]) => ({ errors: items.map(([title, detail]) => ({ title, detail })) });

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
export function startedAttributes(participantId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
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

/** Creates a delivery partner (admin) with partnerships; returns its id. */
export async function createPartner(
  system: System,
  name: string,
  partnerships: { lead_provider_id: string; cohort: string; cohort_suffix?: string }[],
): Promise<string> {
  const res = await system.admin.post('/admin/v1/delivery-partners', { data: { type: 'delivery-partner', attributes: { name } } });
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
export async function statementFor(system: System, leadProviderId: string, cohort: string, year: number, month: string) {
  const rows = await adminStatements(system, leadProviderId, cohort.slice(0, 4));
  const found = rows.find(
    (s) => s.attributes.year === String(year) && s.attributes.month === month && s.attributes.cohort_suffix === cohort.slice(4),
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
  return res.body.data.attributes as { as_of: string; statements_marked_payable: number; declarations_marked_payable: number };
}

/** Authorises payment (202) and waits for the in-process payment run to mark the statement paid. */
export async function authoriseAndPay(system: System, statementId: string, serverDate: string) {
  const res = await system.admin.post(`/admin/v1/statements/${statementId}/authorise-payment`, undefined, at(serverDate));
  if (res.status !== 202) throw new Error(`authorise failed: ${res.status} ${res.text}`);
  return eventually(
    () => system.admin.get(`/admin/v1/statements/${statementId}`),
    (r) => r.body.data.attributes.state === 'paid',
    10_000,
  );
}

/**
 * Publishes a real event envelope on the system's stream, as its producing service would, and waits until
 * finance confirms it applied it. For events whose producing endpoint is not built yet (training's
 * withdraw) and for situations no endpoint can create (an application transferred to another provider).
 */
export async function publishEvent<N extends EventName>(
  system: System,
  name: N,
  aggregateId: string,
  aggregateVersion: number,
  data: EventPayloads[N],
): Promise<EventEnvelope<N>> {
  const { messaging, naming } = system.services.finance.runtime;
  const envelope: EventEnvelope<N> = {
    id: randomUUID(),
    name,
    version: EVENT_CATALOGUE[name].version,
    producer: EVENT_CATALOGUE[name].producer,
    occurredAt: new Date().toISOString(),
    aggregateId,
    aggregateVersion,
    data,
  };
  const confirmed = new Promise<void>((resolve) => {
    const sub = messaging.nc.subscribe(naming.ackSubject(envelope.id), {
      callback: (_err, msg) => {
        if (new TextDecoder().decode(msg.data) === 'finance') {
          sub.unsubscribe();
          resolve();
        }
      },
    });
  });
  await messaging.nc.flush();
  await messaging.js.publish(naming.subjectFor(name), new TextEncoder().encode(JSON.stringify(envelope)), { msgID: envelope.id });
  await Promise.race([
    confirmed,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`finance did not apply ${name} in time`)), 5000)),
  ]);
  return envelope;
}

/** Withdraws an enrolment the way training announces it (`enrolment.training-status-changed`). */
export async function publishWithdrawal(
  system: System,
  p: { applicationId: string; participantId: string },
  changedAt: string,
  leadProviderId: string = AMBITION.id,
  version = 2,
) {
  return publishEvent(system, 'enrolment.training-status-changed', p.applicationId, version, {
    applicationId: p.applicationId,
    participantId: p.participantId,
    leadProviderId,
    trainingStatus: 'withdrawn',
    reason: 'personal-reason-other',
    changedAt,
  });
}

/**
 * Moves an application to another provider the only way this platform can: an application event with a
 * newer version (DfE transfers applications between providers by hand). Finance then shows the previous
 * provider's declarations to the new one, read-only.
 */
export async function transferApplication(
  system: System,
  application: { id: string; attributes: Record<string, any> },
  toLeadProviderId: string,
) {
  const a = application.attributes;
  return publishEvent(system, 'application.accepted', application.id, 1000, {
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
  });
}

/** An outcome as training records it (`outcome.recorded`), e.g. one posted later through the outcomes endpoint. */
export async function publishOutcome(
  system: System,
  d: { id: string; attributes: Record<string, any> },
  state: 'passed' | 'failed' | 'voided',
  createdAt: string,
) {
  const outcomeId = randomUUID();
  return publishEvent(system, 'outcome.recorded', outcomeId, 1, {
    outcomeId,
    declarationId: d.id,
    applicationId: d.attributes.application_id,
    participantId: d.attributes.participant_id,
    leadProviderId: AMBITION.id,
    courseIdentifier: d.attributes.course_identifier,
    state,
    completionDate: d.attributes.declaration_date.slice(0, 10),
    createdAt,
  });
}
