import { LEAD_PROVIDERS } from '@npq/contracts';
import { validateIntake } from '../src/intake/validation';
import { errorsOf, linesOf } from './errors';

const LEAD_PROVIDER = LEAD_PROVIDERS[0].id;

const minimal = (extra: Record<string, unknown> = {}) => ({
  lead_provider_id: LEAD_PROVIDER,
  course_identifier: 'npq-headship',
  cohort: '2025',
  full_name: 'Grace Hopper',
  ...extra,
});

describe('intake validation', () => {
  it('reads a new applicant with defaults (cohort suffix a, not eligible, no funded place)', () => {
    const input = validateIntake(
      minimal({ email: 'grace@example.com', lead_provider_id: LEAD_PROVIDER.toUpperCase() }),
    );
    expect(input).toMatchObject({
      leadProviderId: LEAD_PROVIDER,
      courseIdentifier: 'npq-headship',
      cohort: { identifier: '2025a' },
      applicant: {
        participantId: null,
        fullName: 'Grace Hopper',
        email: 'grace@example.com',
        trn: null,
        trnVerified: false,
      },
      eligibleForFunding: false,
      targetedDeliveryFundingEligibility: false,
      fundedPlace: null,
    });
  });

  it('reads an existing participant’s identity as a change (only the attributes sent)', () => {
    const participantId = '5F9C1E1A-1B2C-4D5E-8F90-A1B2C3D4E5F6';
    const input = validateIntake({
      lead_provider_id: LEAD_PROVIDER,
      course_identifier: 'npq-headship',
      cohort: '2025',
      participant_id: participantId,
      email: 'new@example.com',
    });
    expect(input.applicant).toEqual({
      participantId: participantId.toLowerCase(),
      identity: { email: 'new@example.com' },
    });
  });

  it('reports every problem at once, unknown attributes included', () => {
    const titles = errorsOf(() =>
      validateIntake({
        lead_provider_id: 'not-a-provider',
        course_identifier: 'npq-juggling',
        cohort: '25',
        full_name: '',
        teacher_reference_number: '123',
        school_urn: 'abc',
        senco_start_date: '2025-02-30',
        works_as_senco: 'maybe',
        colour: 'blue',
      }),
    ).map((e) => e.title);
    expect(titles).toEqual([
      'colour',
      'lead_provider_id',
      'course_identifier',
      'cohort',
      'full_name',
      'teacher_reference_number',
      'senco_start_date',
      'school_urn',
      'works_as_senco',
    ]);
  });

  it('refuses an unknown cohort and a validated TRN without a TRN', () => {
    expect(linesOf(() => validateIntake(minimal({ cohort: '2030' })))).toEqual([
      'cohort: The cohort 2030a does not exist',
    ]);
    expect(linesOf(() => validateIntake(minimal({ teacher_reference_number_validated: true })))).toEqual([
      "teacher_reference_number_validated: A TRN can only be validated when '#/teacher_reference_number' is given",
    ]);
  });

  it('does not coerce: "true" is not a boolean', () => {
    expect(
      errorsOf(() => validateIntake(minimal({ eligible_for_funding: 'true' }))).map((e) => e.title),
    ).toEqual(['eligible_for_funding']);
  });

  describe('funded place by cohort funding', () => {
    it('zero-funding cohorts store false and refuse true', () => {
      expect(validateIntake(minimal({ cohort: '2026' })).fundedPlace).toBe(false);
      expect(linesOf(() => validateIntake(minimal({ cohort: '2026', funded_place: true })))).toEqual([
        "funded_place: The '#/funded_place' field should be false for unfunded cohorts.",
      ]);
    });

    it('fully funded cohorts refuse any funded place', () => {
      expect(linesOf(() => validateIntake(minimal({ cohort: '2023', funded_place: false })))).toEqual([
        "funded_place: The '#/funded_place' field should not be set for cohorts that do not have a funding cap.",
      ]);
    });

    it('capped cohorts give a funded place only to someone eligible for funding', () => {
      expect(validateIntake(minimal({ funded_place: true, eligible_for_funding: true })).fundedPlace).toBe(
        true,
      );
      expect(validateIntake(minimal({ funded_place: false })).fundedPlace).toBe(false);
      expect(linesOf(() => validateIntake(minimal({ funded_place: true })))).toEqual([
        "funded_place: The participant is not eligible for funding, so '#/funded_place' cannot be set to true.",
      ]);
    });
  });
});
