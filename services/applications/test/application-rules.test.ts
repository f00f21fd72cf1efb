import { cohortByIdentifier, type Cohort } from '@npq/contracts';
import {
  checkChangeFundedPlace,
  checkReject,
  decideAccept,
  eligibleForDfeFunding,
  ineligibleForFundingReason,
  isFundable,
  isPreviouslyFunded,
  MESSAGES,
  needsRejectingOnAccept,
  sameCourse,
  type AcceptTarget,
  type FundingHistoryEntry,
} from '../src/applications/rules';
import { linesOf } from './errors';

const cohort = (identifier: string): Cohort => {
  const found = cohortByIdentifier(identifier);
  if (!found) throw new Error(`no cohort ${identifier}`);
  return found;
};
const CAPPED = cohort('2025a');
const FULL = cohort('2023a');
const ZERO = cohort('2026a');

const pending: AcceptTarget = {
  status: 'pending',
  courseIdentifier: 'npq-senior-leadership',
  eligibleForFunding: true,
};

describe('accept', () => {
  it('takes the asked-for schedule and, in a capped cohort, the funded place', () => {
    expect(
      decideAccept(
        pending,
        CAPPED,
        { fundedPlace: true, scheduleIdentifier: 'npq-leadership-autumn' },
        false,
        '2025-09-10',
      ),
    ).toEqual({ scheduleIdentifier: 'npq-leadership-autumn', fundedPlace: true });
  });

  it("falls back to the course's default schedule for the date; other cohorts keep their funded place", () => {
    expect(
      decideAccept(
        pending,
        FULL,
        { fundedPlace: undefined, scheduleIdentifier: undefined },
        false,
        '2023-09-10',
      ),
    ).toEqual({ scheduleIdentifier: 'npq-leadership-autumn' });
    // A blank identifier is not "given" (Ruby's present?).
    expect(
      decideAccept(pending, CAPPED, { fundedPlace: false, scheduleIdentifier: '  ' }, false, '2024-07-01'),
    ).toEqual({ scheduleIdentifier: 'npq-leadership-spring', fundedPlace: false });
  });

  it('reports every failing check in order, grouped by attribute', () => {
    const accepted = { ...pending, status: 'accepted' as const };
    expect(
      linesOf(() =>
        decideAccept(
          accepted,
          CAPPED,
          { fundedPlace: 'true', scheduleIdentifier: 'nope' },
          true,
          '2025-09-10',
        ),
      ),
    ).toEqual([
      `funded_place: ${MESSAGES.fundedPlaceInclusion}`,
      `application: ${MESSAGES.alreadyAccepted}`,
      `application: ${MESSAGES.anotherAccepted}`,
      `schedule_identifier: ${MESSAGES.scheduleNotFound}`,
    ]);
    expect(
      linesOf(() =>
        decideAccept(
          { ...pending, status: 'rejected' },
          ZERO,
          { fundedPlace: null, scheduleIdentifier: null },
          false,
          '2026-05-01',
        ),
      ),
    ).toEqual([
      `funded_place: ${MESSAGES.fundedPlaceUnfunded}`,
      `application: ${MESSAGES.cannotChangeFromRejected}`,
    ]);
  });

  it('checks eligibility for a funded place only while nothing else failed', () => {
    const ineligible = { ...pending, eligibleForFunding: false };
    const request = { fundedPlace: true, scheduleIdentifier: undefined };
    expect(linesOf(() => decideAccept(ineligible, CAPPED, request, false, '2025-09-10'))).toEqual([
      `application: ${MESSAGES.notEligibleForFundedPlace}`,
    ]);
    expect(linesOf(() => decideAccept(ineligible, CAPPED, request, true, '2025-09-10'))).toEqual([
      `application: ${MESSAGES.anotherAccepted}`,
    ]);
    // Outside capped cohorts a funded place is not asked about at all.
    expect(decideAccept(ineligible, FULL, request, false, '2023-09-10').fundedPlace).toBeUndefined();
  });

  it('checks the schedule suits the course only while nothing else failed', () => {
    const wrongGroup = { fundedPlace: true, scheduleIdentifier: 'npq-specialist-autumn' };
    expect(linesOf(() => decideAccept(pending, CAPPED, wrongGroup, false, '2025-09-10'))).toEqual([
      `schedule_identifier: ${MESSAGES.scheduleInvalidForCourse}`,
    ]);
    expect(linesOf(() => decideAccept(pending, CAPPED, wrongGroup, true, '2025-09-10'))).toEqual([
      `application: ${MESSAGES.anotherAccepted}`,
    ]);
    // A value that is not a string names no schedule.
    expect(
      linesOf(() =>
        decideAccept(pending, CAPPED, { fundedPlace: true, scheduleIdentifier: 7 }, false, '2025-09-10'),
      ),
    ).toEqual([`schedule_identifier: ${MESSAGES.scheduleNotFound}`]);
  });

  it('rejects every other application on accept except one already rejected for that reason', () => {
    expect(needsRejectingOnAccept({ status: 'pending', reasonForRejection: null })).toBe(true);
    expect(needsRejectingOnAccept({ status: 'accepted', reasonForRejection: null })).toBe(true);
    expect(needsRejectingOnAccept({ status: 'rejected', reasonForRejection: 'rejected_by_provider' })).toBe(
      true,
    );
    expect(
      needsRejectingOnAccept({
        status: 'rejected',
        reasonForRejection: 'other_application_in_this_cohort_accepted',
      }),
    ).toBe(false);
  });
});

describe('reject', () => {
  it('refuses a rejected application and one with live declarations, both reported', () => {
    expect(() => checkReject('pending', false)).not.toThrow();
    expect(() => checkReject('accepted', false)).not.toThrow();
    expect(linesOf(() => checkReject('rejected', true))).toEqual([
      `application: ${MESSAGES.alreadyRejected}`,
      `application: ${MESSAGES.rejectWithDeclarations}`,
    ]);
  });
});

describe('change funded place', () => {
  const accepted = { status: 'accepted' as const, eligibleForFunding: true };

  it('allows a boolean on an accepted application in a capped cohort without live declarations', () => {
    expect(() => checkChangeFundedPlace(accepted, CAPPED, false, false)).not.toThrow();
    expect(() => checkChangeFundedPlace(accepted, CAPPED, true, false)).not.toThrow();
  });

  it('reports its checks in order; the cohort check only while nothing else failed', () => {
    expect(
      linesOf(() =>
        checkChangeFundedPlace({ status: 'pending', eligibleForFunding: false }, FULL, 'false', true),
      ),
    ).toEqual([
      `funded_place: ${MESSAGES.fundedPlaceInclusion}`,
      `application: ${MESSAGES.changeNotAccepted}`,
      // Ruby truthiness: the string "false" asks for a place.
      `application: ${MESSAGES.changeNotEligible}`,
      `application: ${MESSAGES.changeWithDeclarations}`,
    ]);
    expect(linesOf(() => checkChangeFundedPlace(accepted, FULL, true, false))).toEqual([
      `application: ${MESSAGES.changeNotCapped}`,
    ]);
    expect(linesOf(() => checkChangeFundedPlace(accepted, CAPPED, false, true))).toEqual([
      `application: ${MESSAGES.changeWithDeclarations}`,
    ]);
  });

  it('does not ask an ineligible person about funding when no place is asked for', () => {
    expect(() =>
      checkChangeFundedPlace({ status: 'accepted', eligibleForFunding: false }, CAPPED, false, false),
    ).not.toThrow();
  });
});

describe('funding eligibility', () => {
  const other = (o: Partial<FundingHistoryEntry>): FundingHistoryEntry => ({
    id: 'other',
    courseIdentifier: 'npq-senior-leadership',
    status: 'accepted',
    eligibleForFunding: true,
    fundedPlace: null,
    ...o,
  });
  const app = { id: 'this', courseIdentifier: 'npq-senior-leadership' };

  it('previously funded: another accepted, eligible application for the course whose place is not refused', () => {
    expect(isPreviouslyFunded(app, [other({})])).toBe(true);
    expect(isPreviouslyFunded(app, [other({ fundedPlace: true })])).toBe(true);
    expect(isPreviouslyFunded(app, [other({ fundedPlace: false })])).toBe(false);
    expect(isPreviouslyFunded(app, [other({ status: 'pending' })])).toBe(false);
    expect(isPreviouslyFunded(app, [other({ eligibleForFunding: false })])).toBe(false);
    expect(isPreviouslyFunded(app, [other({ courseIdentifier: 'npq-headship' })])).toBe(false);
    // The application itself never counts.
    expect(isPreviouslyFunded(app, [other({ id: 'this' })])).toBe(false);
  });

  it('counts ASO and EHCO as one course', () => {
    expect(sameCourse('npq-additional-support-offer', 'npq-early-headship-coaching-offer')).toBe(true);
    expect(sameCourse('npq-headship', 'npq-early-headship-coaching-offer')).toBe(false);
    expect(
      isPreviouslyFunded({ id: 'this', courseIdentifier: 'npq-additional-support-offer' }, [
        other({ courseIdentifier: 'npq-early-headship-coaching-offer' }),
      ]),
    ).toBe(true);
  });

  it('shows a previously funded person as not eligible unless policy marked them funded', () => {
    const base = { previouslyFunded: false, fundingEligibilityStatusCode: null, eligibleForFunding: true };
    expect(eligibleForDfeFunding(base)).toBe(true);
    expect(eligibleForDfeFunding({ ...base, eligibleForFunding: false })).toBe(false);
    expect(eligibleForDfeFunding({ ...base, previouslyFunded: true })).toBe(false);
    expect(
      eligibleForDfeFunding({
        ...base,
        previouslyFunded: true,
        fundingEligibilityStatusCode: 'marked_funded_by_policy',
      }),
    ).toBe(true);
  });

  it('gives previously funded as the reason before the registration’s own eligibility', () => {
    expect(ineligibleForFundingReason({ previouslyFunded: true, eligibleForFunding: false })).toBe(
      'previously-funded',
    );
    expect(ineligibleForFundingReason({ previouslyFunded: false, eligibleForFunding: false })).toBe(
      'establishment-ineligible',
    );
    expect(ineligibleForFundingReason({ previouslyFunded: false, eligibleForFunding: true })).toBeNull();
  });

  it('is fundable when eligible and the funded place is not refused', () => {
    expect(isFundable(true, null)).toBe(true);
    expect(isFundable(true, true)).toBe(true);
    expect(isFundable(true, false)).toBe(false);
    expect(isFundable(false, true)).toBe(false);
  });
});
