import { createHash } from 'node:crypto';
import { addCalendarDays, cohortByIdentifier, LEAD_PROVIDERS } from '@npq/contracts';
import { SEED_DELIVERY_PARTNER_ID } from './partners';
import {
  nextLeadProvider,
  SANDBOX_PEOPLE,
  sandboxApplicationId,
  sandboxDeclarationId,
  sandboxParticipantId,
  seedKey,
  type SandboxPersonKey,
} from './dataset';
import { UpstreamError, type UpstreamClient } from './upstream';

/**
 * Writes the sandbox dataset (docs/sandbox.md) through the services' own commands, so every service keeps
 * its own data and projections exactly as it would for real traffic. The timeline runs in date order, each
 * moment for every provider being seeded at once (the statement cut-off is global, so no provider may run
 * ahead of another past a cut-off). Dates are fixed, except the last moment's, which is the real today: the
 * eligible declarations and the awaiting clawback must sit on a statement that is still open.
 */

type Person = (typeof SANDBOX_PEOPLE)[number];

const person = (key: SandboxPersonKey): Person => SANDBOX_PEOPLE.find((x) => x.key === key)!;

/** What one step does for one provider. */
type Step = (ctx: ProviderContext) => Promise<void>;

interface ProviderContext {
  leadProviderId: string;
  client: UpstreamClient;
  at: string;
}

interface Moment {
  /** RFC 3339, or 'today' (the real clock). */
  at: string;
  steps: Step[];
  /** Pays, for every provider, the output statement of `cohort` that took the declarations made on `madeOn`. */
  pay?: { cohort: string; madeOn: string }[];
  /** Runs the statement cut-off as of this date (global, as the finance worker's daily run). */
  cutoff?: string;
}

const ACCEPTED_2025A: SandboxPersonKey[] = [
  'active',
  'clawed-back',
  'deferred',
  'withdrawn',
  'awaiting-clawback',
  'not-funded',
  'kept',
  'merged',
];
const STARTED_2025A: SandboxPersonKey[] = [
  'active',
  'clawed-back',
  'deferred',
  'withdrawn',
  'awaiting-clawback',
  'not-funded',
];

function at(date: string): string {
  return `${date}T09:00:00Z`;
}

export const SANDBOX_TIMELINE: Moment[] = [
  {
    at: at('2023-06-01'),
    steps: ['pending-full', 'passed', 'failed'].map((k) => intake(k)),
  },
  { at: at('2023-09-15'), steps: [accept('passed'), accept('failed')] },
  {
    at: at('2023-10-15'),
    steps: [declare('passed', 'started', '2023-10-10'), declare('failed', 'started', '2023-10-10')],
  },
  {
    at: at('2024-06-01'),
    steps: [intake('pending-capped-ineligible'), intake('capped-2024')],
  },
  // One after the other: both record an outcome at the same clock, and the outcomes list breaks that tie by
  // insertion order, so in parallel a re-seed could list them the other way round.
  { at: at('2024-07-15'), steps: [declare('passed', 'completed', '2024-07-10', true)] },
  { at: at('2024-07-15'), steps: [declare('failed', 'completed', '2024-07-10', false)] },
  { at: at('2024-09-01'), steps: [outcome('failed', 'passed', '2024-08-30')] },
  { at: at('2024-09-15'), steps: [accept('capped-2024')] },
  { at: at('2024-10-15'), steps: [declare('capped-2024', 'started', '2024-10-10')] },
  {
    at: at('2025-06-01'),
    steps: [
      ...(['pending-capped', 'rejected', ...ACCEPTED_2025A] as SandboxPersonKey[]).map((k) => intake(k)),
      intake('two-providers'),
    ],
  },
  { at: at('2025-06-02'), steps: [intakeAtNextProvider] },
  {
    at: at('2025-09-01'),
    steps: (['pending-autumn', 'eligible', 'voided'] as SandboxPersonKey[]).map((k) => intake(k)),
  },
  { at: at('2025-09-10'), steps: [reject('rejected')] },
  {
    at: at('2025-09-15'),
    steps: [...ACCEPTED_2025A.map((k) => accept(k)), accept('eligible'), accept('voided')],
  },
  { at: at('2025-10-15'), steps: STARTED_2025A.map((k) => declare(k, 'started', '2025-10-10')) },
  {
    at: at('2025-11-26'),
    steps: [],
    pay: [
      { cohort: '2023a', madeOn: '2023-10-15' },
      { cohort: '2024a', madeOn: '2024-10-15' },
      { cohort: '2025a', madeOn: '2025-10-15' },
    ],
  },
  {
    at: at('2026-01-15'),
    steps: [
      voidDeclaration('clawed-back', 'started'),
      declare('active', 'retained-1', '2026-01-10'),
      trainingAction('deferred', 'defer', { reason: 'parental-leave' }),
      trainingAction('withdrawn', 'withdraw', { reason: 'personal-reason-moving-school' }),
      merge('merged', 'kept'),
    ],
  },
  { at: at('2026-01-16'), steps: [], pay: [{ cohort: '2025a', madeOn: '2026-01-15' }] },
  {
    at: at('2026-05-01'),
    steps: [intake('pending-zero'), intake('zero-funded'), intake('pending-2026')],
  },
  { at: at('2026-05-15'), steps: [accept('zero-funded')] },
  { at: at('2026-04-15'), steps: [declare('active', 'retained-2', '2026-04-10')] },
  {
    at: 'today',
    steps: [declare('voided', 'started', 'yesterday'), voidDeclaration('awaiting-clawback', 'started')],
  },
  { at: 'today', steps: [voidDeclaration('voided', 'started')] },
  // Last, alone: its declaration marks the dataset complete (completionMarker).
  { at: 'today', steps: [declare('eligible', 'started', 'yesterday')], cutoff: 'today' },
].sort((a, b) =>
  a.at === b.at ? 0 : a.at === 'today' ? 1 : b.at === 'today' ? -1 : a.at.localeCompare(b.at),
);

/** The last step's declaration: when it exists, the provider's dataset is complete (see isSeeded). */
export function completionMarker(leadProviderId: string): string {
  return sandboxDeclarationId(leadProviderId, 'eligible', 'started');
}

// ---------------------------------------------------------------------------------------------------------
// Steps

const FIRST_NAMES = [
  'Amara',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Finn',
  'Grace',
  'Hamza',
  'Isla',
  'Jonah',
  'Kemi',
];
const LAST_NAMES = [
  'Okafor',
  'Hughes',
  'Patel',
  'Nowak',
  'Byrne',
  'Sato',
  'Evans',
  'Khan',
  'Moreau',
  'Lindqvist',
];

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A stable, plausible identity for a dataset person (no real person's). */
function identityOf(leadProviderId: string, key: string) {
  const h = digest(`${leadProviderId}/${key}`);
  const first = FIRST_NAMES[h[0]! % FIRST_NAMES.length]!;
  const last = LAST_NAMES[h[1]! % LAST_NAMES.length]!;
  const provider = LEAD_PROVIDERS.findIndex((lp) => lp.id === leadProviderId) + 1;
  return {
    full_name: `${first} ${last}`,
    email: `${key}.lp${provider}@sandbox.example.com`,
    // 7 digits, never starting with 0, stable per person.
    teacher_reference_number: String(1_000_000 + (h.readUInt32BE(2) % 9_000_000)),
    teacher_reference_number_validated: true,
  };
}

function intakeAttributes(leadProviderId: string, p: Person, forProvider = leadProviderId) {
  const cohort = cohortByIdentifier(p.cohort)!;
  return {
    lead_provider_id: forProvider,
    course_identifier: p.course,
    cohort: String(cohort.startYear),
    cohort_suffix: cohort.suffix,
    ...identityOf(leadProviderId, p.key),
    eligible_for_funding: p.eligibleForFunding,
    targeted_delivery_funding_eligibility: false,
    funding_choice: p.eligibleForFunding ? null : 'self',
    school_urn: '100000',
    school_ukprn: '10000000',
    private_childcare_provider_urn: null,
    works_in_school: true,
    employer_name: null,
    employment_role: null,
    headteacher_status: 'no',
    teacher_catchment: 'england',
    teacher_catchment_country: 'United Kingdom of Great Britain and Northern Ireland',
    teacher_catchment_iso_country_code: 'GBR',
    itt_provider: null,
    lead_mentor: false,
    works_as_senco: null,
    senco_start_date: null,
  };
}

function intake(key: SandboxPersonKey): Step {
  return async ({ leadProviderId, client, at }) => {
    await client.call('applications', 'POST', '/admin/v1/npq-applications', {
      at,
      seed: seedKey(leadProviderId, key, 'intake'),
      body: { data: { type: 'npq_application', attributes: intakeAttributes(leadProviderId, person(key)) } },
    });
  };
}

/** The `two-providers` person applies to the next provider as well (same course and cohort). */
async function intakeAtNextProvider({ leadProviderId, client, at }: ProviderContext): Promise<void> {
  await intakeSecondApplication(client, leadProviderId, at);
}

/** Also used by a reset of the next provider, which deletes this application with the rest of its data. */
export async function intakeSecondApplication(
  client: UpstreamClient,
  leadProviderId: string,
  at: string,
): Promise<void> {
  const p = person('two-providers');
  await client.call('applications', 'POST', '/admin/v1/npq-applications', {
    at,
    seed: seedKey(leadProviderId, 'two-providers', 'intake-second'),
    body: {
      data: {
        type: 'npq_application',
        attributes: {
          ...intakeAttributes(leadProviderId, p, nextLeadProvider(leadProviderId)),
          participant_id: sandboxParticipantId(leadProviderId, 'two-providers'),
        },
      },
    },
  });
}

function accept(key: SandboxPersonKey): Step {
  return async ({ leadProviderId, client, at }) => {
    const p = person(key);
    const funding = cohortByIdentifier(p.cohort)!.funding;
    const attributes =
      funding === 'zero'
        ? { funded_place: false }
        : funding === 'capped'
          ? { funded_place: p.eligibleForFunding }
          : null;
    await client.call(
      'applications',
      'POST',
      `/api/v3/npq-applications/${sandboxApplicationId(leadProviderId, key)}/accept`,
      {
        as: leadProviderId,
        at,
        // A fully funded cohort takes no funded_place: the accept has no body at all.
        body: attributes ? { data: { type: 'npq-application-accept', attributes } } : undefined,
      },
    );
  };
}

function reject(key: SandboxPersonKey): Step {
  return async ({ leadProviderId, client, at }) => {
    await client.call(
      'applications',
      'POST',
      `/api/v3/npq-applications/${sandboxApplicationId(leadProviderId, key)}/reject`,
      {
        as: leadProviderId,
        at,
      },
    );
  };
}

function declare(key: SandboxPersonKey, type: string, date: string, hasPassed?: boolean): Step {
  return async ({ leadProviderId, client, at }) => {
    const p = person(key);
    // `yesterday`: 10:00 UTC the day before the moment, so a reset on the same day writes the same date.
    const day = date === 'yesterday' ? addCalendarDays(at.slice(0, 10), -1) : date;
    const declarationDate = `${day}T10:00:00Z`;
    await client.call('finance', 'POST', '/api/v3/participant-declarations', {
      as: leadProviderId,
      at,
      seed: seedKey(leadProviderId, key, `declare-${type}`),
      body: {
        data: {
          type: 'participant-declaration',
          attributes: {
            participant_id: sandboxParticipantId(leadProviderId, key),
            declaration_type: type,
            declaration_date: declarationDate,
            course_identifier: p.course,
            delivery_partner_id: SEED_DELIVERY_PARTNER_ID,
            ...(hasPassed === undefined ? {} : { has_passed: hasPassed }),
          },
        },
      },
    });
  };
}

function voidDeclaration(key: SandboxPersonKey, type: string): Step {
  return async ({ leadProviderId, client, at }) => {
    const id = sandboxDeclarationId(leadProviderId, key, type);
    await client.call('finance', 'PUT', `/api/v3/participant-declarations/${id}/void`, {
      as: leadProviderId,
      at,
    });
  };
}

function outcome(key: SandboxPersonKey, state: 'passed' | 'failed', completionDate: string): Step {
  return async ({ leadProviderId, client, at }) => {
    await client.call(
      'training',
      'POST',
      `/api/v3/participants/npq/${sandboxParticipantId(leadProviderId, key)}/outcomes`,
      {
        as: leadProviderId,
        at,
        seed: seedKey(leadProviderId, key, `outcome-${state}`),
        body: {
          data: {
            type: 'npq-outcome-confirmation',
            attributes: { course_identifier: person(key).course, state, completion_date: completionDate },
          },
        },
      },
    );
  };
}

function trainingAction(
  key: SandboxPersonKey,
  action: 'defer' | 'withdraw',
  attributes: Record<string, unknown>,
): Step {
  return async ({ leadProviderId, client, at }) => {
    await client.call(
      'training',
      'PUT',
      `/api/v3/participants/npq/${sandboxParticipantId(leadProviderId, key)}/${action}`,
      {
        as: leadProviderId,
        at,
        body: {
          data: {
            type: `participant-${action}`,
            attributes: { ...attributes, course_identifier: person(key).course },
          },
        },
      },
    );
  };
}

function merge(retired: SandboxPersonKey, kept: SandboxPersonKey): Step {
  return async ({ leadProviderId, client, at }) => {
    await client.call(
      'applications',
      'POST',
      `/admin/v1/participants/${sandboxParticipantId(leadProviderId, retired)}/merge`,
      {
        at,
        body: {
          data: {
            type: 'participant-merge',
            attributes: { into_participant_id: sandboxParticipantId(leadProviderId, kept) },
          },
        },
      },
    );
  };
}

// ---------------------------------------------------------------------------------------------------------
// Statements

interface AdminStatement {
  id: string;
  attributes: { cohort_suffix: string; cut_off_date: string; output_fee: boolean; state: string };
}

/** The output statement a declaration made on `madeOn` went to: the first with a cut-off on or after it. */
async function statementFor(
  client: UpstreamClient,
  leadProviderId: string,
  cohortIdentifier: string,
  madeOn: string,
): Promise<AdminStatement> {
  const cohort = cohortByIdentifier(cohortIdentifier)!;
  const res = await client.call<{ data: AdminStatement[] }>(
    'finance',
    'GET',
    `/admin/v1/statements?filter[lead_provider_id]=${leadProviderId}&filter[cohort]=${cohort.startYear}&page[per_page]=100`,
  );
  const day = madeOn.slice(0, 10);
  const found = res.data
    .filter(
      (s) =>
        s.attributes.cohort_suffix === cohort.suffix &&
        s.attributes.output_fee &&
        s.attributes.cut_off_date >= day,
    )
    .sort((a, b) => a.attributes.cut_off_date.localeCompare(b.attributes.cut_off_date))[0];
  if (!found) throw new Error(`no ${cohortIdentifier} output statement after ${day} for ${leadProviderId}`);
  return found;
}

async function runCutoff(client: UpstreamClient, asOf: string): Promise<void> {
  await client.call('finance', 'POST', '/admin/v1/finance/statement-cutoffs', {
    at: at(asOf),
    body: { data: { type: 'statement-cutoff', attributes: { as_of: asOf } } },
  });
}

/** Authorises payment and waits for the finance worker's payment run to mark the statement paid. */
async function pay(
  client: UpstreamClient,
  statementId: string,
  on: string,
  timeoutMs: number,
): Promise<void> {
  const current = await client.call<{ data: AdminStatement }>(
    'finance',
    'GET',
    `/admin/v1/statements/${statementId}`,
  );
  if (current.data.attributes.state !== 'paid') {
    try {
      await client.call('finance', 'POST', `/admin/v1/statements/${statementId}/authorise-payment`, {
        at: at(on),
      });
    } catch (err) {
      // Already authorised (a seed interrupted while waiting): the worker pays it all the same.
      if (!(err instanceof UpstreamError && err.status === 422)) throw err;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.call<{ data: AdminStatement }>(
      'finance',
      'GET',
      `/admin/v1/statements/${statementId}`,
    );
    if (res.data.attributes.state === 'paid') return;
    if (Date.now() > deadline) {
      throw new Error(
        `statement ${statementId} was not paid within ${timeoutMs} ms: is the finance worker running?`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------------------

export interface SeedOptions {
  /** The real "today" (`YYYY-MM-DD`) for the last moment; default the clock's. */
  today?: string;
  /** How long to wait for each payment run (the finance worker); default 30 s. */
  paymentTimeoutMs?: number;
}

/** Seeds the dataset for the given providers (already purged: nothing of their dataset exists). */
export async function runTimeline(
  client: UpstreamClient,
  leadProviderIds: string[],
  options: SeedOptions = {},
): Promise<void> {
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const nowAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const moment of SANDBOX_TIMELINE) {
    const momentAt = moment.at === 'today' ? nowAt : moment.at;
    await Promise.all(
      leadProviderIds.map(async (leadProviderId) => {
        // A moment's steps are independent of each other (a step that needs another is in a later moment).
        await Promise.all(moment.steps.map((step) => step({ leadProviderId, client, at: momentAt })));
      }),
    );
    if (moment.pay) {
      const day = momentAt.slice(0, 10);
      const targets = await Promise.all(
        leadProviderIds.flatMap((lp) => moment.pay!.map((p) => statementFor(client, lp, p.cohort, p.madeOn))),
      );
      // One cut-off the day after the latest of these cut-off dates (it is global, as the daily run).
      const asOf = addCalendarDays(
        targets
          .map((s) => s.attributes.cut_off_date)
          .sort()
          .at(-1)!,
        1,
      );
      await runCutoff(client, asOf > day ? asOf : day);
      await Promise.all(
        targets.map((s) => pay(client, s.id, asOf > day ? asOf : day, options.paymentTimeoutMs ?? 30_000)),
      );
    }
    if (moment.cutoff) await runCutoff(client, moment.cutoff === 'today' ? today : moment.cutoff);
  }
}

/** Whether a provider's dataset is there in full (its last declaration exists). */
export async function isSeeded(client: UpstreamClient, leadProviderId: string): Promise<boolean> {
  try {
    await client.call(
      'finance',
      'GET',
      `/api/v3/participant-declarations/${completionMarker(leadProviderId)}`,
      {
        as: leadProviderId,
      },
    );
    return true;
  } catch (err) {
    if (err instanceof UpstreamError && err.status === 404) return false;
    throw err;
  }
}
