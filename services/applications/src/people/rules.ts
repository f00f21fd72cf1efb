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
