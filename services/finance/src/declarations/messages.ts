/** DfE's messages for declaration create, void and change-delivery-partner (config/locales/en.yml), verbatim. */
export const MESSAGES = {
  participantIdBlank: "The property '#/participant_id' must be present",
  participantIdChanged: (from: string, to: string) =>
    `The participant_id '${from}' has been replaced with '${to}'.`,
  invalidParticipant:
    "Your update cannot be made as the '#/participant_id' is not recognised. Check participant details and try again.",
  withdrawn: (at: string) =>
    `This participant withdrew from this course on ${at}. Enter a '#/declaration_date' that's on or before the withdrawal date.`,
  courseInvalid:
    "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again.",
  dateInvalid: "Enter a valid RFC3339 '#/declaration_date'.",
  dateBeforeScheduleStart: "Enter a '#/declaration_date' that's on or after the schedule start.",
  dateBlank: "Enter a '#/declaration_date'.",
  dateInFuture: "The '#/declaration_date' value cannot be a future date. Check the date and try again.",
  typeBlank: "Enter a '#/declaration_type'.",
  typeInclusion: "The entered '#/declaration_type' is not recognised.",
  typeNotInSchedule: "The property '#/declaration_type' does not exist for this schedule.",
  scheduleMissing: 'The application is missing a schedule.',
  missingContract:
    'You cannot submit a declaration for this participant as you do not have a contract for the cohort and course. Contact the DfE for assistance.',
  contractEnded: (year: number) =>
    `You cannot submit or void declarations for the ${year} cohort. The funding contract for this cohort has ended. Get in touch if you need to discuss this with us.`,
  hasPassedInvalid:
    "Enter 'true' or 'false' in the '#/has_passed' field to indicate whether this participant has passed or failed their course.",
  slotTaken: 'A declaration has already been submitted that will be, or has been, paid for this event',
  duplicateOnApplication: (state: string) =>
    `There is already a declaration with state ${state} for this application`,
  deliveryPartnerNotFound: "The property '#/delivery_partner_id' does not exist",
  secondaryNotFound: "The property '#/secondary_delivery_partner_id' does not exist",
  deliveryPartnerRequired: "The property '#/delivery_partner_id' must be present",
  deliveryPartnerNotPartnered:
    "The entered '#/delivery_partner_id' is not from your list of confirmed Delivery Partners for the Cohort",
  deliveryPartnerOverseas:
    "The property '#/delivery_partner_id' cannot be specified for Applications from outside of England",
  secondaryWithoutPrimary:
    "The property '#/secondary_delivery_partner_id' cannot be specified without the property '#/delivery_partner_id'",
  secondaryOverseas:
    "The property '#/secondary_delivery_partner_id' cannot be specified for Applications from outside of England",
  secondaryNotPartnered:
    "The entered '#/secondary_delivery_partner_id' is not from your list of confirmed Delivery Partners for the Cohort",
  secondarySameAsPrimary:
    "The property '#/secondary_delivery_partner_id' cannot have the same value as the property '#/delivery_partner_id'",
  completedOutcomeFailed: 'Could not create completed declaration. Contact the DfE for support.',
  alreadyVoided: 'This declaration has already been voided.',
  alreadyRefunded: 'The declaration will or has been be refunded.',
  mustBePaid: 'The declaration must be paid before it can be clawed back.',
  cannotModifyTitle: 'Cannot modify declaration',
  cannotModifyDetail: 'The declaration cannot be modified because it was created by another lead provider',
} as const;
