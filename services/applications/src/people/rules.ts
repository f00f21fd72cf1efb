import type { ApplicationStatus } from '@npq/contracts';
import { unprocessable, type ApiError } from '@npq/service-kit';
import { sameCourse } from '../applications/rules';
import type { Person } from './entity';

export const EMAIL_FORMAT = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const TRN_FORMAT = /^\d{7}$/;

/**
 * A person's identity attributes: PATCH /admin/v1/participants/{id} takes only them; an intake for an existing
 * participant may send them too, and they change that person exactly as the PATCH would.
 */
export const IDENTITY_ATTRIBUTES = [
  'full_name',
  'email',
  'teacher_reference_number',
  'teacher_reference_number_validated',
] as const;

export const EMAIL_TAKEN = unprocessable([
  { title: 'email', detail: "The '#/email' is already used by another participant" },
]);

/** DfE's `participant_id :changed` message, for a retired participant id used in a write. */
export function participantReplaced(person: Pick<Person, 'id' | 'retiredIntoId'>): ApiError {
  return unprocessable([
    {
      title: 'participant_id',
      detail: `The participant_id '${person.id}' has been replaced with '${person.retiredIntoId}'.`,
    },
  ]);
}

/**
 * The identity attributes a request sent, read and format-checked; a key left out (`undefined`) keeps the
 * person's value. `email: null` and `trn: null` clear it.
 */
export interface IdentityChange {
  fullName?: string;
  email?: string | null;
  trn?: string | null;
  trnVerified?: boolean;
}

export type Identity = Pick<Person, 'fullName' | 'email' | 'trn' | 'trnVerified' | 'previousNames'>;

/**
 * What an identity change makes of a person (docs/domain.md, "People"): `null` when every value sent equals
 * the person's (nothing changes, nothing is emitted). A new name keeps the old one in `previous_names`; a new
 * TRN starts unvalidated unless validation is sent. Throws the 422 for a validated TRN without a TRN.
 */
export function planIdentityChange(person: Identity, change: IdentityChange): Identity | null {
  const trn = change.trn === undefined ? person.trn : change.trn;
  const trnVerified =
    change.trnVerified === undefined ? person.trnVerified && trn === person.trn : change.trnVerified;
  if (trnVerified && !trn) {
    throw unprocessable([
      {
        title: 'teacher_reference_number_validated',
        detail: "A TRN can only be validated when '#/teacher_reference_number' is given",
      },
    ]);
  }
  const fullName = change.fullName ?? person.fullName;
  const email = change.email === undefined ? person.email : change.email;
  const changed =
    fullName !== person.fullName ||
    email !== person.email ||
    trn !== person.trn ||
    trnVerified !== person.trnVerified;
  if (!changed) return null;
  const previousNames =
    fullName !== person.fullName
      ? [...person.previousNames.filter((n) => n !== person.fullName), person.fullName]
      : person.previousNames;
  return { fullName, email, trn, trnVerified, previousNames };
}

/** Whether the change gives the person an address another active person may hold (case-insensitively). */
export function takesNewEmail(
  person: Pick<Person, 'email'>,
  change: IdentityChange,
): change is { email: string } {
  return !!change.email && change.email.toLowerCase() !== person.email?.toLowerCase();
}

/** An application as the merge check sees it. */
export interface MergeCandidate {
  courseIdentifier: string;
  cohortIdentifier: string;
  status: ApplicationStatus;
  trainingStatus: string | null;
}

function liveAccepted(a: MergeCandidate): boolean {
  return a.status === 'accepted' && a.trainingStatus !== 'withdrawn';
}

/**
 * The first accepted, not withdrawn application of the retired person that clashes with one of the kept
 * person's (same course, ASO and EHCO as one, same cohort): a merge would leave one person accepted twice
 * (docs/domain.md, "Merging people"). `undefined` when the merge may go ahead.
 */
export function mergeClash(
  retired: readonly MergeCandidate[],
  kept: readonly MergeCandidate[],
): MergeCandidate | undefined {
  const keptLive = kept.filter(liveAccepted);
  return retired
    .filter(liveAccepted)
    .find((a) =>
      keptLive.some(
        (b) =>
          b.cohortIdentifier === a.cohortIdentifier && sameCourse(a.courseIdentifier, b.courseIdentifier),
      ),
    );
}
