import { unprocessable, type ApiError, type EntityManager } from '@npq/service-kit';
import type { Person } from './entity';

export const EMAIL_TAKEN = unprocessable([
  { title: 'email', detail: "The '#/email' is already used by another participant" },
]);

/** DfE's `participant_id :changed` message, for a retired participant id used in a write. */
export function participantReplaced(person: Person): ApiError {
  return unprocessable([
    {
      title: 'participant_id',
      detail: `The participant_id '${person.id}' has been replaced with '${person.retiredIntoId}'.`,
    },
  ]);
}

/** 422 when an active person (other than `exceptId`) already uses this email, case-insensitively. */
export async function assertEmailFree(em: EntityManager, email: string, exceptId?: string): Promise<void> {
  const rows: unknown[] = await em.execute(
    `select 1 from applications.people where lower(email) = lower(?) and retired_into_id is null and id <> ? limit 1`,
    [email, exceptId ?? '00000000-0000-0000-0000-000000000000'],
  );
  if (rows.length > 0) throw EMAIL_TAKEN;
}
