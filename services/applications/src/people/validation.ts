import type { AttributeReader } from '@npq/service-kit';
import { EMAIL_FORMAT, TRN_FORMAT, type IdentityChange } from './rules';

/**
 * Reads the identity attributes (`full_name`, `email`, `teacher_reference_number`,
 * `teacher_reference_number_validated`) of PATCH /admin/v1/participants/{id}, recording each problem on the
 * reader. Intake for an existing participant reads them with this too, so both endpoints accept exactly
 * the same values.
 */
export function readIdentityChange(r: AttributeReader): IdentityChange {
  const change: IdentityChange = {};
  if (r.has('full_name')) {
    const fullName = r.string('full_name', { required: true, max: 200 });
    if (fullName !== null) change.fullName = fullName;
  }
  if (r.has('email')) {
    const email = r.string('email', {
      max: 254,
      pattern: EMAIL_FORMAT,
      patternMessage: "The '#/email' is not a valid email address",
    });
    if (!r.errors.has('email')) change.email = email;
  }
  if (r.has('teacher_reference_number')) {
    const trn = r.string('teacher_reference_number', {
      pattern: TRN_FORMAT,
      patternMessage: "The '#/teacher_reference_number' must be 7 digits",
    });
    if (!r.errors.has('teacher_reference_number')) change.trn = trn;
  }
  if (r.has('teacher_reference_number_validated')) {
    const trnVerified = r.boolean('teacher_reference_number_validated', null);
    if (trnVerified !== null) change.trnVerified = trnVerified;
    else if (!r.errors.has('teacher_reference_number_validated')) {
      r.errors.add(
        'teacher_reference_number_validated',
        "The '#/teacher_reference_number_validated' attribute must be true or false",
      );
    }
  }
  return change;
}
