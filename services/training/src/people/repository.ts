import type { EntityManager } from '@npq/service-kit';
import { PersonSchema, type Person } from './entity';

export class PersonRepository {
  constructor(private readonly em: EntityManager) {}

  async findById(id: string): Promise<Person | null> {
    return this.em.findOne(PersonSchema, { id });
  }

  /**
   * The person a participant id stands for now: itself, or whoever it was (perhaps in several steps) merged
   * into. A snapshot written before a merge but applied after it must not re-attach an application to the
   * retired id.
   */
  async currentParticipantId(participantId: string): Promise<string> {
    let id = participantId;
    for (let hop = 0; hop < 10; hop++) {
      const person = await this.em
        .createQueryBuilder(PersonSchema)
        .select('retiredIntoId')
        .where({ id })
        .execute<Pick<Person, 'retiredIntoId'> | undefined>('get');
      const next = person?.retiredIntoId;
      if (!next) return id;
      id = next;
    }
    return id;
  }
}
