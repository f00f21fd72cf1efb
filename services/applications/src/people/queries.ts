import { sql } from '@mikro-orm/postgresql';
import type { EntityManager } from '@npq/service-kit';
import { ApplicationSchema, type Application } from '../applications/entity';
import { PersonSchema } from './entity';

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
