import { sql } from '@mikro-orm/postgresql';
import { isUuid, type EntityManager } from '@npq/service-kit';
import { ApplicationSchema, type Application } from '../applications/entity';
import { ParticipantIdChangeSchema, PersonSchema, type ParticipantIdChange, type Person } from './entity';

/** Whether an active person other than `exceptId` uses this email, case-insensitively (`people_email_unique`). */
export async function emailInUse(em: EntityManager, email: string, exceptId?: string): Promise<boolean> {
  const found = await em.count(PersonSchema, {
    [sql.lower('email')]: email.toLowerCase(),
    retiredIntoId: null,
    ...(exceptId ? { id: { $ne: exceptId } } : {}),
  });
  return found > 0;
}

/** The person's accepted applications, in id order (what a merge checks for clashes). */
export function acceptedApplicationsOf(em: EntityManager, personId: string): Promise<Application[]> {
  return em.find(ApplicationSchema, { personId, status: 'accepted' }, { orderBy: { id: 'asc' } });
}

/**
 * The operators' search: active people whose id or TRN is `q`, or whose email is `q` ignoring case; every
 * active person without `q`. By creation, then id.
 */
export function searchPeople(
  em: EntityManager,
  q: string | undefined,
  page: { limit: number; offset: number },
): Promise<Person[]> {
  const term = q?.trim();
  const where = term
    ? {
        retiredIntoId: null,
        $or: [
          ...(isUuid(term) ? [{ id: term.toLowerCase() }] : []),
          { trn: term },
          { [sql.lower('email')]: term.toLowerCase() },
        ],
      }
    : { retiredIntoId: null };
  return em.find(PersonSchema, where, {
    orderBy: { createdAt: 'asc', id: 'asc' },
    limit: page.limit,
    offset: page.offset,
  });
}

/** Every application a person holds, with any provider, oldest first. */
export function applicationsOfPerson(em: EntityManager, personId: string): Promise<Application[]> {
  return em.find(ApplicationSchema, { personId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/** The ids retired into a person, oldest first. */
export function idChangesOfPerson(em: EntityManager, personId: string): Promise<ParticipantIdChange[]> {
  return em.find(ParticipantIdChangeSchema, { personId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}
