import { monthName } from '@npq/contracts';
import { ValidationErrors } from '@npq/service-kit';
import {
  castDeclarationDate,
  checkDeliveryPartners,
  courseAlternatives,
  courseHasOutcomes,
  courseKey,
  goesOnStatement,
  hasPassedFromOutcome,
  ineligibleForFundingReason,
  isBlank,
  MESSAGES,
  partnerInput,
  rubyToS,
  stateOnCreate,
  upliftPaid,
  voidsByClawback,
} from '../src/declarations/rules';
import { seedUuid } from '../src/seed';

const ASO = 'npq-additional-support-offer';
const EHCO = 'npq-early-headship-coaching-offer';
const DP1 = '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a01';
const DP2 = '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a02';

/** The delivery partner errors for a new declaration (both partners "changed"). */
function partnerErrors(ctx: {
  cohortStartYear?: number;
  insideEngland?: boolean;
  primaryId?: string | null;
  secondaryId?: string | null;
  partnered?: string[];
  changed?: { primary: boolean; secondary: boolean };
}) {
  const errors = new ValidationErrors();
  checkDeliveryPartners(errors, {
    cohortStartYear: ctx.cohortStartYear ?? 2025,
    insideEngland: ctx.insideEngland ?? true,
    partners: { primaryId: ctx.primaryId ?? null, secondaryId: ctx.secondaryId ?? null },
    changed: ctx.changed ?? { primary: true, secondary: true },
    partnered: new Set(ctx.partnered ?? [DP1, DP2]),
  });
  return errors.items();
}

describe('reading request values as Rails does', () => {
  it('blank: nil, false, whitespace, empty arrays and hashes; not 0 or "x"', () => {
    for (const v of [undefined, null, false, '', '  ', [], {}]) expect(isBlank(v)).toBe(true);
    for (const v of [0, 'x', [1], { a: 1 }, true]) expect(isBlank(v)).toBe(false);
  });

  it('to_s of has_passed: booleans and numbers as text, nil as empty', () => {
    expect(rubyToS(true)).toBe('true');
    expect(rubyToS(false)).toBe('false');
    expect(rubyToS(null)).toBe('');
    expect(rubyToS(undefined)).toBe('');
    expect(rubyToS(1)).toBe('1');
    expect(rubyToS('true')).toBe('true');
  });

  it('casts declaration dates Rails can read, and nothing else', () => {
    expect(castDeclarationDate('2025-03-01T10:00:00Z')?.toISOString()).toBe('2025-03-01T10:00:00.000Z');
    expect(castDeclarationDate('2025-03-01T10:00Z')?.toISOString()).toBe('2025-03-01T10:00:00.000Z');
    expect(castDeclarationDate('01/03/2025')?.toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(castDeclarationDate('2025-02-30T10:00:00Z')).toBeNull();
    expect(castDeclarationDate('not a date')).toBeNull();
    expect(castDeclarationDate('')).toBeNull();
    expect(castDeclarationDate(20250301)).toBeNull();
  });

  it('a partner id that is given (even "") but not a UUID names no partner', () => {
    expect(partnerInput(undefined)).toEqual({ given: false, id: null });
    expect(partnerInput(null)).toEqual({ given: false, id: null });
    expect(partnerInput('')).toEqual({ given: true, id: null });
    expect(partnerInput('nope')).toEqual({ given: true, id: null });
    expect(partnerInput(DP1.toUpperCase())).toEqual({ given: true, id: DP1 });
  });
});

describe('courses', () => {
  it('ASO and EHCO are one course for alternatives and locks; unknown courses have none', () => {
    expect(courseAlternatives(ASO).sort()).toEqual([ASO, EHCO].sort());
    expect(courseAlternatives(EHCO).sort()).toEqual([ASO, EHCO].sort());
    expect(courseAlternatives('npq-headship')).toEqual(['npq-headship']);
    expect(courseAlternatives('npq-nope')).toEqual([]);
    expect(courseAlternatives(42)).toEqual([]);
    expect(courseKey(ASO)).toBe(courseKey(EHCO));
    expect(courseKey('npq-headship')).toBe('npq-headship');
  });

  it('only leadership and specialist courses record outcomes', () => {
    expect(courseHasOutcomes('npq-headship')).toBe(true);
    expect(courseHasOutcomes(EHCO)).toBe(false);
    expect(courseHasOutcomes(undefined)).toBe(false);
  });
});

describe('delivery partner rules (docs/domain.md#delivery-partner-rules)', () => {
  it('a primary partner is required inside England from 2024 only', () => {
    expect(partnerErrors({})).toEqual([
      { title: 'delivery_partner_id', detail: MESSAGES.deliveryPartnerRequired },
    ]);
    expect(partnerErrors({ cohortStartYear: 2023 })).toEqual([]);
    expect(partnerErrors({ insideEngland: false })).toEqual([]);
    // Not required when the primary did not change (change-delivery-partner on an older declaration).
    expect(partnerErrors({ changed: { primary: false, secondary: false } })).toEqual([]);
  });

  it('no partners outside England', () => {
    expect(partnerErrors({ insideEngland: false, primaryId: DP1, secondaryId: DP2 })).toEqual([
      { title: 'delivery_partner_id', detail: MESSAGES.deliveryPartnerOverseas },
      { title: 'secondary_delivery_partner_id', detail: MESSAGES.secondaryOverseas },
    ]);
  });

  it('a set or changed partner must be partnered for the cohort; an unchanged one is not re-checked', () => {
    expect(partnerErrors({ primaryId: DP1, partnered: [] })).toEqual([
      { title: 'delivery_partner_id', detail: MESSAGES.deliveryPartnerNotPartnered },
    ]);
    expect(
      partnerErrors({ primaryId: DP1, partnered: [], changed: { primary: false, secondary: false } }),
    ).toEqual([]);
    expect(partnerErrors({ primaryId: DP1, secondaryId: DP2, partnered: [DP1] })).toEqual([
      { title: 'secondary_delivery_partner_id', detail: MESSAGES.secondaryNotPartnered },
    ]);
  });

  it('a secondary partner needs a primary one and must differ from it', () => {
    expect(partnerErrors({ cohortStartYear: 2023, secondaryId: DP2 })).toEqual([
      { title: 'secondary_delivery_partner_id', detail: MESSAGES.secondaryWithoutPrimary },
    ]);
    expect(partnerErrors({ primaryId: DP1, secondaryId: DP1 })).toEqual([
      { title: 'secondary_delivery_partner_id', detail: MESSAGES.secondarySameAsPrimary },
    ]);
    expect(partnerErrors({ primaryId: DP1, secondaryId: DP2 })).toEqual([]);
  });
});

describe('declaration states (docs/domain.md#declaration-states)', () => {
  it('a new declaration: duplicate → ineligible, fundable → eligible, else submitted', () => {
    expect(stateOnCreate({ duplicate: true, fundable: true })).toBe('ineligible');
    expect(stateOnCreate({ duplicate: false, fundable: true })).toBe('eligible');
    expect(stateOnCreate({ duplicate: false, fundable: false })).toBe('submitted');
    expect(goesOnStatement('eligible')).toBe(true);
    expect(goesOnStatement('ineligible')).toBe(true);
    expect(goesOnStatement('submitted')).toBe(false);
  });

  it('voiding claws back what was paid and voids the rest', () => {
    for (const s of ['paid', 'awaiting_clawback', 'clawed_back'] as const)
      expect(voidsByClawback(s)).toBe(true);
    for (const s of ['submitted', 'eligible', 'payable', 'ineligible', 'voided'] as const)
      expect(voidsByClawback(s)).toBe(false);
  });

  it('has_passed follows the latest outcome; voided or none is null', () => {
    expect(hasPassedFromOutcome('passed')).toBe(true);
    expect(hasPassedFromOutcome('failed')).toBe(false);
    expect(hasPassedFromOutcome('voided')).toBeNull();
    expect(hasPassedFromOutcome(undefined)).toBeNull();
  });

  it('the duplicate reason only when ineligible; uplift only when a paid started TDF declaration', () => {
    expect(ineligibleForFundingReason({ state: 'ineligible', stateReason: 'duplicate' })).toBe(
      'duplicate_declaration',
    );
    expect(ineligibleForFundingReason({ state: 'ineligible', stateReason: null })).toBeNull();
    expect(ineligibleForFundingReason({ state: 'voided', stateReason: 'duplicate' })).toBeNull();
    const paidStarted = {
      courseIdentifier: 'npq-headship',
      state: 'paid' as const,
      declarationType: 'started',
      targetedDeliveryFundingEligibility: true,
    };
    expect(upliftPaid(paidStarted)).toBe(true);
    expect(upliftPaid({ ...paidStarted, state: 'clawed_back' })).toBe(true);
    expect(upliftPaid({ ...paidStarted, state: 'payable' })).toBe(false);
    expect(upliftPaid({ ...paidStarted, declarationType: 'retained-1' })).toBe(false);
    expect(upliftPaid({ ...paidStarted, targetedDeliveryFundingEligibility: false })).toBe(false);
    expect(upliftPaid({ ...paidStarted, courseIdentifier: EHCO })).toBe(false);
  });
});

describe('helpers', () => {
  it('names months; makes stable seed ids', () => {
    expect(monthName(12)).toBe('December');
    expect(() => monthName(13)).toThrow(RangeError);
    expect(seedUuid('x')).toBe(seedUuid('x'));
    expect(seedUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
