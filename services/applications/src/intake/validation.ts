import {
  cohortByIdentifier,
  FUNDING_CHOICES,
  HEADTEACHER_STATUSES,
  isCourseIdentifier,
  leadProviderById,
  TEACHER_CATCHMENTS,
  WORKS_AS_SENCO_VALUES,
  type Cohort,
  type CourseIdentifier,
} from '@npq/contracts';
import { AttributeReader, isUuid, isValidDateOnly } from '@npq/service-kit';
import type { ApplicationDetails } from '../applications/entity';
import { EMAIL_FORMAT, TRN_FORMAT, type IdentityChange } from '../people/rules';
import { readIdentityChange } from '../people/validation';

/** The identity of a person new to the platform, as the registration sent it. */
export interface NewApplicant {
  participantId: null;
  fullName: string;
  email: string | null;
  trn: string | null;
  trnVerified: boolean;
}

/**
 * An existing participant applying again. The registration sends the person's current details with every
 * application; those sent change the person as PATCH /admin/v1/participants/{id} would.
 */
export interface ExistingApplicant {
  participantId: string;
  identity: IdentityChange;
}

/** The intake attributes, validated and normalised. */
export interface IntakeInput extends ApplicationDetails {
  leadProviderId: string;
  courseIdentifier: CourseIdentifier;
  cohort: Cohort;
  applicant: NewApplicant | ExistingApplicant;
}

const KNOWN_ATTRIBUTES = [
  'lead_provider_id',
  'course_identifier',
  'cohort',
  'cohort_suffix',
  'participant_id',
  'full_name',
  'email',
  'teacher_reference_number',
  'teacher_reference_number_validated',
  'eligible_for_funding',
  'targeted_delivery_funding_eligibility',
  'funding_choice',
  'school_urn',
  'school_ukprn',
  'private_childcare_provider_urn',
  'works_in_school',
  'employer_name',
  'employment_role',
  'headteacher_status',
  'teacher_catchment',
  'teacher_catchment_country',
  'teacher_catchment_iso_country_code',
  'itt_provider',
  'lead_mentor',
  'works_as_senco',
  'senco_start_date',
  'funded_place',
] as const;

/**
 * Validates an intake request's `data.attributes` (docs/domain.md, "Intake"); throws DfE's 422 envelope listing
 * every problem.
 */
export function validateIntake(attrs: Record<string, unknown>): IntakeInput {
  const r = new AttributeReader(attrs);
  const { errors } = r;

  r.rejectUnknown(KNOWN_ATTRIBUTES);

  const leadProviderId = r.string('lead_provider_id', { required: true });
  if (
    leadProviderId !== null &&
    (!isUuid(leadProviderId) || !leadProviderById(leadProviderId.toLowerCase()))
  ) {
    errors.add('lead_provider_id', `The '#/lead_provider_id' is not a current lead provider`);
  }

  const course = r.string('course_identifier', { required: true });
  if (course !== null && !isCourseIdentifier(course)) {
    errors.add('course_identifier', `The entered '#/course_identifier' is not recognised`);
  }

  const cohortYear = r.string('cohort', {
    required: true,
    pattern: /^\d{4}$/,
    patternMessage: 'The \'#/cohort\' must be a start year such as "2025"',
  });
  const suffix = r.has('cohort_suffix')
    ? r.string('cohort_suffix', {
        pattern: /^[a-z]$/,
        patternMessage: "The '#/cohort_suffix' must be one lower-case letter",
      })
    : 'a';
  const cohort =
    cohortYear !== null && suffix !== null ? cohortByIdentifier(`${cohortYear}${suffix}`) : undefined;
  if (cohortYear !== null && suffix !== null && !cohort) {
    errors.add('cohort', `The cohort ${cohortYear}${suffix} does not exist`);
  }

  const participantId = r.string('participant_id');
  if (participantId !== null && !isUuid(participantId)) {
    errors.add('participant_id', `The '#/participant_id' must be a UUID`);
  }
  const applicant =
    participantId === null
      ? readNewApplicant(r)
      : { participantId: participantId.toLowerCase(), identity: readIdentityChange(r) };

  const sencoStartDate = r.string('senco_start_date');
  if (sencoStartDate !== null && !isValidDateOnly(sencoStartDate)) {
    errors.add('senco_start_date', `The '#/senco_start_date' must be a date in the format YYYY-MM-DD`);
  }

  let fundedPlace = r.boolean('funded_place', null);
  if (cohort?.funding === 'zero') {
    if (fundedPlace === true)
      errors.add('funded_place', `The '#/funded_place' field should be false for unfunded cohorts.`);
    fundedPlace = false;
  } else if (cohort?.funding === 'full' && fundedPlace !== null) {
    errors.add(
      'funded_place',
      `The '#/funded_place' field should not be set for cohorts that do not have a funding cap.`,
    );
  }

  const input: IntakeInput = {
    leadProviderId: leadProviderId?.toLowerCase() ?? '',
    courseIdentifier: course as CourseIdentifier,
    cohort: cohort!,
    applicant,
    eligibleForFunding: r.boolean('eligible_for_funding', false) ?? false,
    targetedDeliveryFundingEligibility: r.boolean('targeted_delivery_funding_eligibility', false) ?? false,
    fundingChoice: r.oneOf('funding_choice', FUNDING_CHOICES),
    schoolUrn: r.string('school_urn', {
      pattern: /^\d{5,7}$/,
      patternMessage: "The '#/school_urn' must be 5 to 7 digits",
    }),
    schoolUkprn: r.string('school_ukprn', {
      pattern: /^\d{8}$/,
      patternMessage: "The '#/school_ukprn' must be 8 digits",
    }),
    privateChildcareProviderUrn: r.string('private_childcare_provider_urn', { max: 20 }),
    worksInSchool: r.boolean('works_in_school', null),
    employerName: r.string('employer_name', { max: 500 }),
    employmentRole: r.string('employment_role', { max: 500 }),
    headteacherStatus: r.oneOf('headteacher_status', HEADTEACHER_STATUSES),
    teacherCatchment: r.oneOf('teacher_catchment', TEACHER_CATCHMENTS),
    teacherCatchmentCountry: r.string('teacher_catchment_country', { max: 200 }),
    teacherCatchmentIsoCountryCode: r.string('teacher_catchment_iso_country_code', {
      pattern: /^[A-Z]{3}$/,
      patternMessage: "The '#/teacher_catchment_iso_country_code' must be three upper-case letters",
    }),
    ittProvider: r.string('itt_provider', { max: 500 }),
    leadMentor: r.boolean('lead_mentor', null),
    worksAsSenco: r.oneOf('works_as_senco', WORKS_AS_SENCO_VALUES),
    sencoStartDate: errors.has('senco_start_date') ? null : sencoStartDate,
    fundedPlace,
  };
  // Capped cohorts: a funded place only for someone eligible for funding (DfE's Application model rule).
  if (cohort?.funding === 'capped' && input.fundedPlace === true && !input.eligibleForFunding) {
    errors.add(
      'funded_place',
      "The participant is not eligible for funding, so '#/funded_place' cannot be set to true.",
    );
  }
  errors.throwIfAny();
  return input;
}

/** A new person: `full_name` is required; a TRN is validated only when the registration says so. */
function readNewApplicant(r: AttributeReader): NewApplicant {
  const fullName = r.string('full_name', { required: true, max: 200 });
  const email = r.string('email', {
    max: 254,
    pattern: EMAIL_FORMAT,
    patternMessage: "The '#/email' is not a valid email address",
  });
  const trn = r.string('teacher_reference_number', {
    pattern: TRN_FORMAT,
    patternMessage: "The '#/teacher_reference_number' must be 7 digits",
  });
  const trnVerified = r.boolean('teacher_reference_number_validated', false) ?? false;
  if (trnVerified && trn === null && !r.errors.has('teacher_reference_number')) {
    r.errors.add(
      'teacher_reference_number_validated',
      `A TRN can only be validated when '#/teacher_reference_number' is given`,
    );
  }
  return { participantId: null, fullName: fullName ?? '', email, trn, trnVerified };
}
