import { LEAD_PROVIDERS } from '@npq/contracts';
import { sandboxId } from '@npq/service-kit';

/**
 * The sandbox dataset (docs/sandbox.md): the same book of work for every lead provider, written as a
 * timeline of API calls the seeder makes through the services' own commands. Every resource a step creates
 * gets its id from the step's seed key (`<lead provider id>/<person>/<step>`), so the ids are the same on
 * every machine and every run.
 */

/**
 * Bump with any change to the dataset; the reset reports it. A database seeded with an older version keeps
 * that data until the provider is reset (the start only seeds providers whose dataset is missing).
 */
export const SANDBOX_DATASET_VERSION = '1';

export interface SandboxPerson {
  /** Short name, unique within a provider's dataset; part of every seed key. */
  key: string;
  cohort: string;
  course: string;
  eligibleForFunding: boolean;
  /** What the dataset does with the person, for docs/sandbox.md and the tests. */
  story: string;
}

/** The people of every provider's dataset. */
export const SANDBOX_PEOPLE = [
  // Pending applications, to accept or reject.
  p('pending-capped', '2025a', 'npq-headship', true, 'pending; capped cohort, accept with funded_place'),
  p(
    'pending-capped-ineligible',
    '2024a',
    'npq-leading-teaching',
    false,
    'pending; not eligible for funding, so funded_place true is refused',
  ),
  p(
    'pending-full',
    '2023a',
    'npq-senior-leadership',
    true,
    'pending; fully funded cohort, accept without funded_place',
  ),
  p('pending-autumn', '2025b', 'npq-leading-behaviour-culture', true, 'pending; 2025b, capped'),
  p(
    'pending-zero',
    '2026a',
    'npq-leading-teaching-development',
    true,
    'pending; zero-funding cohort, accept with funded_place false',
  ),
  p('pending-2026', '2026b', 'npq-executive-leadership', true, 'pending; 2026b, capped'),
  p(
    'two-providers',
    '2025a',
    'npq-senior-leadership',
    true,
    'pending here and at the next lead provider (accepting one rejects the other)',
  ),
  p('rejected', '2025a', 'npq-leading-teaching', true, 'rejected by the provider'),
  // Accepted participants.
  p('active', '2025a', 'npq-headship', true, 'active; started and retained-1 paid, retained-2 payable'),
  p(
    'clawed-back',
    '2025a',
    'npq-senior-leadership',
    true,
    'active; started paid, then voided and clawed back',
  ),
  p('deferred', '2025a', 'npq-leading-teaching', true, 'deferred (parental-leave); started paid'),
  p('withdrawn', '2025a', 'npq-leading-behaviour-culture', true, 'withdrawn; started paid'),
  p(
    'awaiting-clawback',
    '2025a',
    'npq-executive-leadership',
    true,
    'active; started paid, voided since: awaiting clawback',
  ),
  p('eligible', '2025b', 'npq-headship', true, 'active; started eligible on an open statement'),
  p('voided', '2025b', 'npq-senior-leadership', true, 'active; started, voided while eligible'),
  p(
    'not-funded',
    '2025a',
    'npq-leading-teaching-development',
    false,
    'active, no funded place; started stays submitted',
  ),
  p(
    'passed',
    '2023a',
    'npq-headship',
    true,
    'completed with outcome passed (2023 cohort, all paid or payable)',
  ),
  p(
    'failed',
    '2023a',
    'npq-senior-leadership',
    true,
    'completed with outcome failed, then passed through POST outcomes',
  ),
  p(
    'zero-funded',
    '2026a',
    'npq-headship',
    true,
    'accepted in the zero-funding cohort (funded_place false); its schedule opens in 2027',
  ),
  p('capped-2024', '2024a', 'npq-headship', true, 'accepted in 2024a; started paid'),
  // A merge: `merged` is retired into `kept`; its id answers 410 on the participant endpoints.
  p('kept', '2025a', 'npq-leading-literacy', true, 'keeps the merged participant’s applications'),
  p(
    'merged',
    '2025a',
    'npq-early-years-leadership',
    true,
    'retired into kept (410 on GET participants/npq/{id})',
  ),
] as const satisfies readonly SandboxPerson[];

function p(
  key: string,
  cohort: string,
  course: string,
  eligibleForFunding: boolean,
  story: string,
): SandboxPerson {
  return { key, cohort, course, eligibleForFunding, story };
}

export type SandboxPersonKey = (typeof SANDBOX_PEOPLE)[number]['key'];

/** The seed key of one step of one provider's dataset. */
export function seedKey(leadProviderId: string, person: string, step: string): string {
  return `${leadProviderId}/${person}/${step}`;
}

/** The participant id of a dataset person (created by its first intake). */
export function sandboxParticipantId(leadProviderId: string, person: SandboxPersonKey): string {
  return sandboxId(seedKey(leadProviderId, person, 'intake'), 'participant');
}

/** The id of a dataset person's application at its own provider. */
export function sandboxApplicationId(leadProviderId: string, person: SandboxPersonKey): string {
  return sandboxId(seedKey(leadProviderId, person, 'intake'), 'application');
}

/** The `two-providers` person's application at the next lead provider. */
export function sandboxSecondApplicationId(leadProviderId: string): string {
  return sandboxId(seedKey(leadProviderId, 'two-providers', 'intake-second'), 'application');
}

/** The id of a declaration step (`started`, `retained-1`, …) of a dataset person. */
export function sandboxDeclarationId(leadProviderId: string, person: SandboxPersonKey, type: string): string {
  return sandboxId(seedKey(leadProviderId, person, `declare-${type}`), 'declaration');
}

/** The lead provider after `leadProviderId` (in reference order, wrapping): where `two-providers` applies too. */
export function nextLeadProvider(leadProviderId: string): string {
  const i = LEAD_PROVIDERS.findIndex((lp) => lp.id === leadProviderId);
  return LEAD_PROVIDERS[(i + 1) % LEAD_PROVIDERS.length]!.id;
}

/** Every person id of a provider's dataset (its purge deletes them; they belong to no other dataset). */
export function sandboxPeopleIds(leadProviderId: string): string[] {
  return SANDBOX_PEOPLE.map((person) => sandboxParticipantId(leadProviderId, person.key));
}
