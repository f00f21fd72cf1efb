import {
  DECLARATION_TYPES,
  findSchedule,
  isDeclarationTypeAllowed,
  type Cohort,
  type Schedule,
} from '@npq/contracts';
import {
  isUuid,
  now,
  parseRfc3339Strict,
  startOfDayUtc,
  today,
  toRfc3339,
  ValidationErrors,
  type EntityManager,
} from '@npq/service-kit';
import { ApplicationQueries, type DeclarableApplication } from '../applications/queries';
import { cohortOrFail, insideCatchment, isFundable } from '../applications/rules';
import { DeliveryPartnerRepository } from '../delivery-partners/repository';
import { StatementRepository } from '../statements/repository';
import { DeclarationRepository } from './repository';
import {
  castDeclarationDate,
  checkDeliveryPartners,
  courseAlternatives,
  courseHasOutcomes,
  isBlank,
  MESSAGES,
  partnerInput,
  rubyToS,
  type DeclarationPartners,
} from './rules';

/**
 * The delivery partner rules (docs/domain.md#delivery-partner-rules) with the provider's partnerships read
 * for the given partners; shared by create and change-delivery-partner.
 */
export async function validateDeliveryPartners(
  em: EntityManager,
  errors: ValidationErrors,
  ctx: {
    leadProviderId: string;
    cohort: Cohort;
    application: { teacherCatchment: string | null; cohortStartYear: number; schoolUrn: string | null };
    partners: DeclarationPartners;
    changed: { primary: boolean; secondary: boolean };
  },
): Promise<void> {
  const { primaryId, secondaryId } = ctx.partners;
  const partnered = await new DeliveryPartnerRepository(em).partneredFor(
    ctx.leadProviderId,
    ctx.cohort.identifier,
    [primaryId, secondaryId].filter((x): x is string => x !== null),
  );
  checkDeliveryPartners(errors, {
    cohortStartYear: ctx.cohort.startYear,
    insideEngland: insideCatchment(ctx.application),
    partners: ctx.partners,
    changed: ctx.changed,
    partnered,
  });
}

/** Everything the create transaction needs, once every check passed. */
export interface ValidCreate {
  leadProviderId: string;
  participantId: string;
  application: DeclarableApplication;
  schedule: Schedule;
  cohort: Cohort;
  /** As requested (may be the ASO/EHCO alternative of the application's course). */
  courseIdentifier: string;
  declarationType: string;
  declarationDate: Date;
  /** Set when this is a completed leadership/specialist declaration: the outcome to record. */
  outcomePassed: boolean | null;
  partners: DeclarationPartners;
}

/**
 * POST /api/v3/participant-declarations, DfE's 20 checks in DfE's order (docs/domain.md#creating-a-declaration).
 * "skip-if-any" checks run only when nothing failed before them; the others always run. Runs outside the
 * create transaction, as DfE's does; the transaction re-checks what a concurrent request could change.
 */
export async function validateCreate(
  em: EntityManager,
  leadProviderId: string,
  attrs: Record<string, unknown>,
): Promise<ValidCreate> {
  const errors = new ValidationErrors();
  const projections = new ApplicationQueries(em);
  const declarations = new DeclarationRepository(em);
  const statements = new StatementRepository(em);

  // 1–4: the participant.
  const rawParticipant = attrs.participant_id;
  if (isBlank(rawParticipant)) errors.add('participant_id', MESSAGES.participantIdBlank);
  const participantId = isUuid(rawParticipant) ? rawParticipant.toLowerCase() : null;
  if (participantId) {
    const replacedBy = await projections.participantChange(participantId);
    if (replacedBy) errors.add('participant_id', MESSAGES.participantIdChanged(participantId, replacedBy));
  }
  const participantKnown =
    participantId !== null && (await projections.isParticipantOfProvider(participantId, leadProviderId));
  if (!errors.any() && !participantKnown) errors.add('participant_id', MESSAGES.invalidParticipant);

  const courseIdentifier = typeof attrs.course_identifier === 'string' ? attrs.course_identifier : '';
  const courses = courseAlternatives(courseIdentifier);
  const application = participantKnown
    ? await projections.findDeclarableApplication(participantId, leadProviderId, courses)
    : null;
  const schedule = application?.scheduleIdentifier
    ? findSchedule(application.cohortIdentifier, application.scheduleIdentifier)
    : undefined;

  const rawDate = attrs.declaration_date;
  const declarationDate = castDeclarationDate(rawDate);

  // 5: a declaration must be strictly before the provider's latest withdrawal (the message says "on or before").
  // DfE answers 400 when the date is missing here (a nil comparison); we leave that to the date checks below.
  if (!errors.any() && application && declarationDate) {
    const latest = await projections.latestState(application.id, leadProviderId);
    if (latest?.state === 'withdrawn' && latest.changedAt.getTime() <= declarationDate.getTime()) {
      errors.add('participant_id', MESSAGES.withdrawn(toRfc3339(latest.changedAt)));
    }
  }

  // 6: an accepted application for the course (or its alternative) at any provider.
  if (
    !errors.any() &&
    !(participantKnown && (await projections.hasAcceptedApplicationForCourses(participantId, courses)))
  ) {
    errors.add('course_identifier', MESSAGES.courseInvalid);
  }

  // 7–8: RFC 3339 and the schedule start, evaluated together.
  if (!errors.any()) {
    if (!isBlank(rawDate) && (typeof rawDate !== 'string' || !parseRfc3339Strict(rawDate))) {
      errors.add('declaration_date', MESSAGES.dateInvalid);
    }
    if (schedule && declarationDate && declarationDate < startOfDayUtc(schedule.appliesFrom)) {
      errors.add('declaration_date', MESSAGES.dateBeforeScheduleStart);
    }
  }
  // 9–11: always.
  if (!declarationDate) errors.add('declaration_date', MESSAGES.dateBlank);
  const rawType = attrs.declaration_type;
  const declarationType =
    rawType === undefined || rawType === null ? '' : typeof rawType === 'string' ? rawType : rubyToS(rawType);
  if (declarationType.trim() === '') errors.add('declaration_type', MESSAGES.typeBlank);
  if (!(DECLARATION_TYPES as readonly string[]).includes(declarationType))
    errors.add('declaration_type', MESSAGES.typeInclusion);

  // 12–13: the schedule (an application at another provider only counts as "no schedule").
  if (!errors.any() && !schedule) errors.add('application', MESSAGES.scheduleMissing);
  if (!errors.any() && schedule && !isDeclarationTypeAllowed(schedule, declarationType)) {
    errors.add('declaration_type', MESSAGES.typeNotInSchedule);
  }

  // The declaration's cohort is its schedule's.
  const cohort = schedule ? cohortOrFail(schedule.cohortIdentifier) : undefined;

  // 14: a contract for the requested course in the cohort.
  if (
    !errors.any() &&
    cohort &&
    !(await statements.hasContract(leadProviderId, cohort.identifier, courseIdentifier))
  ) {
    errors.add('cohort', MESSAGES.missingContract);
  }

  // 15: a declaration that will be eligible needs an open output-fee statement ("the contract has ended").
  if (!errors.any() && application && cohort && participantId && declarationDate) {
    const existing = await declarations.findIdentical({
      participantId,
      courseIdentifier,
      declarationDate,
      declarationType,
      leadProviderId,
    });
    const needsStatement = existing ? existing.state !== 'submitted' : isFundable(application);
    if (
      needsStatement &&
      !(await statements.nextOutputFeeStatement(leadProviderId, cohort.identifier, today()))
    ) {
      errors.add('cohort', MESSAGES.contractEnded(cohort.startYear));
    }
  }

  // 16: has_passed, for completed declarations on leadership/specialist courses only (always).
  const recordsOutcome = declarationType === 'completed' && courseHasOutcomes(courseIdentifier);
  const hasPassed = rubyToS(attrs.has_passed);
  if (recordsOutcome && hasPassed !== 'true' && hasPassed !== 'false')
    errors.add('has_passed', MESSAGES.hasPassedInvalid);

  // 17: one live declaration per application and type (any provider). The slot is read once per request, so
  // a request racing a concurrent create gets this message (or, under the create lock, the declaration
  // that won), never DfE's model-level variant of it.
  const live =
    !errors.any() && application ? await declarations.findLiveOfType(application.id, declarationType) : null;
  if (live) errors.add('base', MESSAGES.slotTaken);

  // 18–19: a partner id that is given (even "") must exist (always).
  const primary = partnerInput(attrs.delivery_partner_id);
  const secondary = partnerInput(attrs.secondary_delivery_partner_id);
  const known = await new DeliveryPartnerRepository(em).existing([primary.id, secondary.id]);
  if (primary.given && !(primary.id && known.has(primary.id)))
    errors.add('delivery_partner_id', MESSAGES.deliveryPartnerNotFound);
  if (secondary.given && !(secondary.id && known.has(secondary.id))) {
    errors.add('secondary_delivery_partner_id', MESSAGES.secondaryNotFound);
  }

  // 20: the would-be declaration's own validations.
  if (!errors.any() && application && schedule && cohort && declarationDate) {
    if (declarationDate.getTime() > now().getTime()) errors.add('declaration_date', MESSAGES.dateInFuture);
    await validateDeliveryPartners(em, errors, {
      leadProviderId,
      cohort,
      application,
      partners: { primaryId: primary.id, secondaryId: secondary.id },
      changed: { primary: true, secondary: true },
    });
    // DfE's model-level duplicate check (the live-declaration rule again) is pre-empted by 17, which read the same
    // slot: with one read it can never fire here (it still applies to change-delivery-partner).
  }

  errors.throwIfAny();
  return {
    leadProviderId,
    participantId: participantId!,
    application: application!,
    schedule: schedule!,
    cohort: cohort!,
    courseIdentifier,
    declarationType,
    declarationDate: declarationDate!,
    outcomePassed: recordsOutcome ? hasPassed === 'true' : null,
    partners: { primaryId: primary.id, secondaryId: secondary.id },
  };
}
