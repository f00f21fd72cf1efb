import type { TrainingStatus } from '@npq/contracts';

const later = (a: Date, b: Date | undefined): Date => (b && b.getTime() > a.getTime() ? b : a);

/**
 * A participant's `updated_at` (docs/domain.md, "Participants"): the latest of the person's own significant
 * update, the applications counted (every application of the person, whichever provider and status) and
 * their participant id changes.
 */
export function participantUpdatedAt(p: {
  significantlyUpdatedAt: Date;
  applications: { updatedAt: Date }[];
  idChanges: { updatedAt: Date }[];
}): Date {
  let updatedAt = p.significantlyUpdatedAt;
  for (const a of p.applications) updatedAt = later(updatedAt, a.updatedAt);
  for (const c of p.idChanges) updatedAt = later(updatedAt, c.updatedAt);
  return updatedAt;
}

/**
 * The withdrawal or deferral an enrolment shows: only while it is in that status, the latest such change
 * the provider recorded (`states` latest first), with its reason and time.
 */
export function shownState(
  trainingStatus: TrainingStatus,
  state: 'withdrawn' | 'deferred',
  states: { state: string; reason: string | null; createdAt: Date }[],
): { reason: string | null; date: Date } | null {
  if (trainingStatus !== state) return null;
  const latest = states.find((s) => s.state === state);
  return latest ? { reason: latest.reason, date: latest.createdAt } : null;
}

/** The TRN a provider sees: only once it has been validated. */
export function shownTrn(person: { trn: string | null; trnVerified: boolean }): string | null {
  return person.trnVerified ? person.trn : null;
}
