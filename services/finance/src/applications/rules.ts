import { cohortByIdentifier, type Cohort } from '@npq/contracts';

/**
 * Finance's rules about an application it keeps (docs/domain.md#funding-of-a-declaration): whether declarations on it are
 * paid for, and whether it is inside England.
 */

/**
 * Finance's `eligible_for_dfe_funding?` and `fundable?` (docs/domain.md#funding-of-a-declaration). The applications service's
 * snapshot carries its own `eligibleForDfeFunding`/`fundable`, but "previously funded" changes when another
 * application of the person is accepted or rejected without an event about this one, so finance recomputes
 * it from its projection. `funding_eligibility_status_code = marked_funded_by_policy` (the only override) is
 * not in the snapshot and cannot be set in this platform, so a previously funded application is never
 * eligible here.
 */
export function isFundable(a: {
  previouslyFunded: boolean;
  eligibleForFunding: boolean;
  fundedPlace: boolean | null;
}): boolean {
  return !a.previouslyFunded && a.eligibleForFunding && a.fundedPlace !== false;
}

/**
 * DfE's `Application#inside_catchment?`: working in England, or (before 2024) at a school whose URN
 * starts with 1.
 */
export function insideCatchment(application: {
  teacherCatchment: string | null;
  cohortStartYear: number;
  schoolUrn: string | null;
}): boolean {
  if (application.teacherCatchment === 'england') return true;
  return application.cohortStartYear < 2024 && (application.schoolUrn ?? '').startsWith('1');
}

/** A cohort finance stored or was sent: always one of @npq/contracts' (anything else is a bug, not input). */
export function cohortOrFail(identifier: string): Cohort {
  const cohort = cohortByIdentifier(identifier);
  if (!cohort) throw new Error(`unknown cohort ${identifier}`);
  return cohort;
}

/**
 * Application snapshots are applied in aggregate-version order (docs/domain.md#what-finance-keeps): an older
 * or repeated snapshot changes nothing.
 */
export function isNewerSnapshot(stored: { version: number } | null, incomingVersion: number): boolean {
  return stored === null || stored.version < incomingVersion;
}

/**
 * After acceptance training owns schedule, cohort and funded place (change-schedule): an application
 * snapshot older than the last enrolment change does not overwrite them (docs/domain.md#what-finance-keeps).
 */
export function keepsPlacement(
  stored: { placementChangedAt: Date | null },
  snapshotUpdatedAt: Date,
): boolean {
  return stored.placementChangedAt !== null && stored.placementChangedAt > snapshotUpdatedAt;
}
