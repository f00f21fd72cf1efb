import { insideCatchment, isFundable } from '../src/applications/rules';
import { courseKey, ineligibleForFundingReason, upliftPaid } from '../src/declarations/rules';
import { monthName } from '../src/statements/serializer';
import { seedUuid } from '../src/seed';

describe('declaration rules helpers', () => {
  it('inside England: catchment england, or before 2024 a school URN starting with 1', () => {
    expect(insideCatchment({ teacherCatchment: 'england', cohortStartYear: 2025, schoolUrn: null })).toBe(
      true,
    );
    expect(insideCatchment({ teacherCatchment: 'another', cohortStartYear: 2023, schoolUrn: '100001' })).toBe(
      true,
    );
    expect(insideCatchment({ teacherCatchment: 'another', cohortStartYear: 2024, schoolUrn: '100001' })).toBe(
      false,
    );
    expect(
      insideCatchment({ teacherCatchment: 'scotland', cohortStartYear: 2022, schoolUrn: '200001' }),
    ).toBe(false);
  });

  it('fundable: eligible, not previously funded, funded place not false', () => {
    expect(isFundable({ previouslyFunded: false, eligibleForFunding: true, fundedPlace: null })).toBe(true);
    expect(isFundable({ previouslyFunded: false, eligibleForFunding: true, fundedPlace: false })).toBe(false);
    expect(isFundable({ previouslyFunded: true, eligibleForFunding: true, fundedPlace: true })).toBe(false);
    expect(isFundable({ previouslyFunded: false, eligibleForFunding: false, fundedPlace: true })).toBe(false);
  });

  it('shows states dasherized, the duplicate reason only when ineligible, uplift only when paid started TDF', () => {
    expect(ineligibleForFundingReason({ state: 'ineligible', stateReason: 'duplicate' })).toBe(
      'duplicate_declaration',
    );
    expect(ineligibleForFundingReason({ state: 'voided', stateReason: 'duplicate' })).toBeNull();
    const paidStarted = {
      courseIdentifier: 'npq-headship',
      state: 'paid' as const,
      declarationType: 'started',
      targetedDeliveryFundingEligibility: true,
    };
    expect(upliftPaid(paidStarted)).toBe(true);
    expect(upliftPaid({ ...paidStarted, state: 'payable' })).toBe(false);
    expect(upliftPaid({ ...paidStarted, declarationType: 'retained-1' })).toBe(false);
    expect(upliftPaid({ ...paidStarted, courseIdentifier: 'npq-early-headship-coaching-offer' })).toBe(false);
  });

  it('treats ASO and EHCO as one course for locks; names months; makes stable seed ids', () => {
    expect(courseKey('npq-additional-support-offer')).toBe(courseKey('npq-early-headship-coaching-offer'));
    expect(courseKey('npq-headship')).toBe('npq-headship');
    expect(monthName(12)).toBe('December');
    expect(seedUuid('x')).toBe(seedUuid('x'));
    expect(seedUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
