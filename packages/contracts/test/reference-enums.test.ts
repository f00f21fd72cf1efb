import {
  API_DECLARATION_STATES,
  API_TOKEN_SCOPES,
  APPLICATION_INELIGIBLE_REASONS,
  APPLICATION_STATUSES,
  BILLABLE_OR_VOIDABLE_STATES,
  BILLABLE_STATEMENT_ITEM_STATES,
  BILLABLE_STATES,
  CHANGEABLE_STATES,
  CLAWBACK_STATES,
  DECLARATION_STATE_REASONS,
  DECLARATION_STATE_TRANSITIONS,
  DECLARATION_STATES,
  DEFERRAL_REASONS,
  DUPLICATE_DECLARATION_REASON,
  EMPLOYMENT_TYPES,
  FUNDING_CHOICES,
  HEADTEACHER_STATUSES,
  KINDS_OF_NURSERY,
  LEAD_PROVIDER_APPROVAL_STATUSES,
  LIVE_DECLARATION_STATES,
  NOT_ELIGIBLE_STATEMENT_ITEM_STATES,
  OUTCOME_STATES,
  REASONS_FOR_REJECTION,
  REFUNDABLE_STATEMENT_ITEM_STATES,
  REVIEW_STATUSES,
  STATEMENT_ITEM_STATES,
  STATEMENT_STATES,
  SUBMITTABLE_OUTCOME_STATES,
  TEACHER_CATCHMENTS,
  TRAINING_STATUSES,
  UK_CATCHMENTS,
  UPLIFT_PAID_STATES,
  VOIDABLE_STATES,
  WITHDRAWAL_REASONS,
  WORKS_AS_SENCO_VALUES,
  dasherizeState,
  isApiDeclarationState,
  isApplicationIneligibleReason,
  isApplicationStatus,
  isBillableState,
  isChangeableState,
  isDeclarationState,
  isDeferralReason,
  isFundingChoice,
  isHeadteacherStatus,
  isLiveDeclarationState,
  isOutcomeState,
  isReasonForRejection,
  isSubmittableOutcomeState,
  isTeacherCatchment,
  isTrainingStatus,
  isUkCatchment,
  isUpliftPaidState,
  isVoidableState,
  isWithdrawalReason,
  isWorksAsSenco,
  oneOf,
  teacherCatchmentFlag,
} from '../src/reference';

describe('enumeration values', () => {
  it.each([
    ['APPLICATION_STATUSES', APPLICATION_STATUSES, ['pending', 'accepted', 'rejected']],
    ['LEAD_PROVIDER_APPROVAL_STATUSES', LEAD_PROVIDER_APPROVAL_STATUSES, ['pending', 'accepted', 'rejected']],
    [
      'REASONS_FOR_REJECTION',
      REASONS_FOR_REJECTION,
      ['registration_expired', 'rejected_by_provider', 'other_application_in_this_cohort_accepted'],
    ],
    ['TRAINING_STATUSES', TRAINING_STATUSES, ['active', 'deferred', 'withdrawn']],
    ['FUNDING_CHOICES', FUNDING_CHOICES, ['school', 'trust', 'self', 'another', 'employer']],
    [
      'HEADTEACHER_STATUSES',
      HEADTEACHER_STATUSES,
      [
        'no',
        'yes_when_course_starts',
        'yes_in_first_two_years',
        'yes_over_two_years',
        'yes_in_first_five_years',
        'yes_over_five_years',
      ],
    ],
    [
      'WORKS_AS_SENCO_VALUES',
      WORKS_AS_SENCO_VALUES,
      ['yes', 'no_but_i_plan_to_become_one', 'no_i_do_not_plan_to_be_a_SENCO'],
    ],
    [
      'TEACHER_CATCHMENTS',
      TEACHER_CATCHMENTS,
      ['england', 'scotland', 'wales', 'northern_ireland', 'jersey_guernsey_isle_of_man', 'another'],
    ],
    [
      'KINDS_OF_NURSERY',
      KINDS_OF_NURSERY,
      [
        'local_authority_maintained_nursery',
        'preschool_class_as_part_of_school',
        'private_nursery',
        'another_early_years_setting',
        'childminder',
      ],
    ],
    [
      'EMPLOYMENT_TYPES',
      EMPLOYMENT_TYPES,
      [
        'hospital_school',
        'lead_mentor_for_accredited_itt_provider',
        'local_authority_supply_teacher',
        'local_authority_virtual_school',
        'young_offender_institution',
        'other',
      ],
    ],
    [
      'REVIEW_STATUSES',
      REVIEW_STATUSES,
      ['needs_review', 'awaiting_information', 'reregister', 'decision_made'],
    ],
    [
      'APPLICATION_INELIGIBLE_REASONS',
      APPLICATION_INELIGIBLE_REASONS,
      ['previously-funded', 'establishment-ineligible'],
    ],
    [
      'DEFERRAL_REASONS',
      DEFERRAL_REASONS,
      ['bereavement', 'long-term-sickness', 'parental-leave', 'career-break', 'other'],
    ],
    [
      'DECLARATION_STATES',
      DECLARATION_STATES,
      [
        'submitted',
        'eligible',
        'payable',
        'paid',
        'voided',
        'ineligible',
        'awaiting_clawback',
        'clawed_back',
      ],
    ],
    [
      'API_DECLARATION_STATES',
      API_DECLARATION_STATES,
      [
        'submitted',
        'eligible',
        'payable',
        'paid',
        'voided',
        'ineligible',
        'awaiting-clawback',
        'clawed-back',
      ],
    ],
    ['DECLARATION_STATE_REASONS', DECLARATION_STATE_REASONS, ['duplicate']],
    ['BILLABLE_STATES', BILLABLE_STATES, ['eligible', 'payable', 'paid']],
    ['CHANGEABLE_STATES', CHANGEABLE_STATES, ['eligible', 'submitted']],
    ['LIVE_DECLARATION_STATES', LIVE_DECLARATION_STATES, ['submitted', 'eligible', 'payable', 'paid']],
    ['VOIDABLE_STATES', VOIDABLE_STATES, ['submitted', 'eligible', 'payable', 'ineligible']],
    [
      'BILLABLE_OR_VOIDABLE_STATES',
      BILLABLE_OR_VOIDABLE_STATES,
      ['submitted', 'eligible', 'payable', 'paid', 'ineligible'],
    ],
    ['UPLIFT_PAID_STATES', UPLIFT_PAID_STATES, ['paid', 'awaiting_clawback', 'clawed_back']],
    ['CLAWBACK_STATES', CLAWBACK_STATES, ['paid', 'awaiting_clawback', 'clawed_back']],
    ['OUTCOME_STATES', OUTCOME_STATES, ['passed', 'failed', 'voided']],
    ['SUBMITTABLE_OUTCOME_STATES', SUBMITTABLE_OUTCOME_STATES, ['passed', 'failed']],
    ['STATEMENT_STATES', STATEMENT_STATES, ['open', 'payable', 'paid']],
    [
      'STATEMENT_ITEM_STATES',
      STATEMENT_ITEM_STATES,
      ['eligible', 'payable', 'paid', 'voided', 'ineligible', 'awaiting_clawback', 'clawed_back'],
    ],
    ['BILLABLE_STATEMENT_ITEM_STATES', BILLABLE_STATEMENT_ITEM_STATES, ['eligible', 'payable', 'paid']],
    [
      'REFUNDABLE_STATEMENT_ITEM_STATES',
      REFUNDABLE_STATEMENT_ITEM_STATES,
      ['awaiting_clawback', 'clawed_back'],
    ],
    ['NOT_ELIGIBLE_STATEMENT_ITEM_STATES', NOT_ELIGIBLE_STATEMENT_ITEM_STATES, ['ineligible', 'voided']],
    ['API_TOKEN_SCOPES', API_TOKEN_SCOPES, ['lead_provider', 'teacher_record_service']],
  ] as const)('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  it('WITHDRAWAL_REASONS in exact order, with the trailing full stop', () => {
    expect(WITHDRAWAL_REASONS).toEqual([
      'insufficient-capacity-to-undertake-programme',
      'personal-reason-health-or-pregnancy-related',
      'personal-reason-moving-school',
      'personal-reason-other',
      'insufficient-capacity',
      'change-in-developmental-or-personal-priorities',
      'change-in-school-circumstances',
      'change-in-school-leadership',
      'quality-of-programme-structure-not-suitable.',
      'quality-of-programme-content-not-suitable',
      'quality-of-programme-facilitation-not-effective',
      'quality-of-programme-accessibility',
      'quality-of-programme-other',
      'programme-not-appropriate-for-role-and-cpd-needs',
      'started-in-error',
      'expected-commitment-unclear',
      'assessment-requirements-not-met',
      'change-in-career',
      'disengaged-and-unresponsive',
      'non-payment-of-invoice',
      'other',
    ]);
    expect(WITHDRAWAL_REASONS[8]).toBe('quality-of-programme-structure-not-suitable.');
    expect(isWithdrawalReason('quality-of-programme-structure-not-suitable.')).toBe(true);
    expect(isWithdrawalReason('quality-of-programme-structure-not-suitable')).toBe(false);
  });

  it('DUPLICATE_DECLARATION_REASON', () => {
    expect(DUPLICATE_DECLARATION_REASON).toBe('duplicate_declaration');
  });
});

describe('guards', () => {
  it.each([
    ['isApplicationStatus', isApplicationStatus, 'accepted', 'active'],
    ['isReasonForRejection', isReasonForRejection, 'registration_expired', 'registration-expired'],
    ['isTrainingStatus', isTrainingStatus, 'deferred', 'pending'],
    ['isFundingChoice', isFundingChoice, 'employer', 'employers'],
    ['isHeadteacherStatus', isHeadteacherStatus, 'yes_over_five_years', 'yes'],
    ['isWorksAsSenco', isWorksAsSenco, 'no_i_do_not_plan_to_be_a_SENCO', 'no_i_do_not_plan_to_be_a_senco'],
    ['isTeacherCatchment', isTeacherCatchment, 'another', 'france'],
    ['isUkCatchment', isUkCatchment, 'jersey_guernsey_isle_of_man', 'another'],
    [
      'isApplicationIneligibleReason',
      isApplicationIneligibleReason,
      'previously-funded',
      'previously_funded',
    ],
    ['isDeferralReason', isDeferralReason, 'career-break', 'career_break'],
    ['isDeclarationState', isDeclarationState, 'awaiting_clawback', 'awaiting-clawback'],
    ['isApiDeclarationState', isApiDeclarationState, 'awaiting-clawback', 'awaiting_clawback'],
    ['isBillableState', isBillableState, 'paid', 'submitted'],
    ['isChangeableState', isChangeableState, 'submitted', 'payable'],
    ['isLiveDeclarationState', isLiveDeclarationState, 'submitted', 'voided'],
    ['isVoidableState', isVoidableState, 'ineligible', 'paid'],
    ['isUpliftPaidState', isUpliftPaidState, 'clawed_back', 'payable'],
    ['isOutcomeState', isOutcomeState, 'voided', 'pass'],
    ['isSubmittableOutcomeState', isSubmittableOutcomeState, 'failed', 'voided'],
  ] as const)('%s accepts %p and rejects %p', (_name, guard, good, bad) => {
    expect(guard(good)).toBe(true);
    expect(guard(bad)).toBe(false);
    expect(guard(undefined)).toBe(false);
    expect(guard(null)).toBe(false);
    expect(guard(1)).toBe(false);
    expect(guard([good])).toBe(false);
  });

  it('oneOf builds a guard for any literal list', () => {
    const isColour = oneOf(['red', 'green'] as const);
    expect(isColour('red')).toBe(true);
    expect(isColour('blue')).toBe(false);
  });
});

describe('teacher catchment', () => {
  it('UK_CATCHMENTS are the five that make teacher_catchment true', () => {
    expect([...UK_CATCHMENTS].sort()).toEqual(
      ['england', 'jersey_guernsey_isle_of_man', 'northern_ireland', 'scotland', 'wales'].sort(),
    );
  });

  it.each([
    ['england', true],
    ['scotland', true],
    ['wales', true],
    ['northern_ireland', true],
    ['jersey_guernsey_isle_of_man', true],
    ['another', false],
    [null, false],
    ['', false],
  ])('teacherCatchmentFlag(%p) is %p', (raw, expected) => {
    expect(teacherCatchmentFlag(raw)).toBe(expected);
  });
});

describe('declaration states', () => {
  it.each([
    ['submitted', 'submitted'],
    ['eligible', 'eligible'],
    ['payable', 'payable'],
    ['paid', 'paid'],
    ['voided', 'voided'],
    ['ineligible', 'ineligible'],
    ['awaiting_clawback', 'awaiting-clawback'],
    ['clawed_back', 'clawed-back'],
  ] as const)('dasherizeState(%s) is %s', (state, api) => {
    expect(dasherizeState(state)).toBe(api);
  });

  it('API_DECLARATION_STATES is DECLARATION_STATES dasherized', () => {
    expect(DECLARATION_STATES.map((s) => dasherizeState(s))).toEqual(API_DECLARATION_STATES);
  });

  it('groupings are subsets of DECLARATION_STATES', () => {
    for (const group of [
      BILLABLE_STATES,
      CHANGEABLE_STATES,
      LIVE_DECLARATION_STATES,
      VOIDABLE_STATES,
      UPLIFT_PAID_STATES,
    ]) {
      for (const state of group) expect(DECLARATION_STATES).toContain(state);
    }
    expect([...LIVE_DECLARATION_STATES].sort()).toEqual(
      [...new Set([...BILLABLE_STATES, ...CHANGEABLE_STATES])].sort(),
    );
  });

  it('transitions', () => {
    expect(DECLARATION_STATE_TRANSITIONS).toEqual({
      mark_eligible: { from: ['submitted'], to: 'eligible' },
      mark_payable: { from: ['eligible'], to: 'payable' },
      mark_paid: { from: ['payable'], to: 'paid' },
      mark_ineligible: { from: ['submitted'], to: 'ineligible' },
      mark_awaiting_clawback: { from: ['paid'], to: 'awaiting_clawback' },
      mark_clawed_back: { from: ['awaiting_clawback'], to: 'clawed_back' },
      mark_voided: { from: ['submitted', 'eligible', 'payable', 'ineligible'], to: 'voided' },
      revert_to_eligible: { from: ['payable'], to: 'eligible' },
    });
    expect(DECLARATION_STATE_TRANSITIONS.mark_voided.from).toEqual(VOIDABLE_STATES);
  });
});
