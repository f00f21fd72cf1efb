import type { TrainingStatus } from '@npq/contracts';
import type { EntityManager, SortKey } from '@npq/service-kit';
import { ApplicationRecordSchema, type ApplicationRecord } from '../applications/entity';
import {
  ApplicationStateSchema,
  EnrolmentSchema,
  type ApplicationState,
  type Enrolment,
} from '../enrolments/entity';
import { ParticipantIdChangeSchema, PersonSchema, type Person } from '../people/entity';
import { participantUpdatedAt, shownState } from './rules';

export interface ParticipantIdChangeView {
  fromParticipantId: string;
  toParticipantId: string;
  changedAt: Date;
}

export interface StateView {
  reason: string | null;
  date: Date;
}

export interface EnrolmentView {
  applicationId: string;
  courseIdentifier: string;
  scheduleIdentifier: string | null;
  cohortIdentifier: string;
  eligibleForFunding: boolean;
  trainingStatus: TrainingStatus;
  schoolUrn: string | null;
  targetedDeliveryFundingEligibility: boolean;
  acceptedAt: Date;
  fundedPlace: boolean | null;
  withdrawal: StateView | null;
  deferral: StateView | null;
}

export interface ParticipantView {
  id: string;
  fullName: string;
  email: string | null;
  trn: string | null;
  trnVerified: boolean;
  previousNames: string[];
  /** See participants/rules.ts `participantUpdatedAt`. */
  updatedAt: Date;
  enrolments: EnrolmentView[];
  participantIdChanges: ParticipantIdChangeView[];
}

export interface ParticipantListQuery {
  leadProviderId: string;
  updatedSince?: Date;
  trainingStatus?: TrainingStatus;
  /** Already checked to be a UUID (anything else matches nobody). */
  fromParticipantId?: string;
  sort: SortKey[];
  limit: number;
  offset: number;
}

/** Sortable participant properties (DfE sorts on `users.*`; `updated_at` is the person's own update time). */
export const PARTICIPANT_SORT_COLUMNS: Record<string, string> = {
  created_at: 'createdAt',
  updated_at: 'significantlyUpdatedAt',
};

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * Participants as a lead provider sees them (docs/domain.md, "Participants"): people with at least one
 * accepted application with it. A page is loaded in a fixed number of queries (people, applications,
 * enrolments, their withdrawal/deferral rows, the people's other applications, id changes), whatever its
 * size.
 */
export class ParticipantRepository {
  constructor(private readonly em: EntityManager) {}

  /** The ids of people with an accepted application with the provider (in that training status). */
  private acceptedWith(leadProviderId: string, trainingStatus?: TrainingStatus) {
    const accepted = this.em
      .createQueryBuilder(ApplicationRecordSchema, 'a')
      .select('a.participantId')
      .where({ leadProviderId, status: 'accepted' });
    if (trainingStatus) {
      accepted.andWhere({
        id: {
          $in: this.em.createQueryBuilder(EnrolmentSchema, 'e').select('e.id').where({ trainingStatus }),
        },
      });
    }
    return accepted;
  }

  async list(q: ParticipantListQuery): Promise<ParticipantView[]> {
    const qb = this.em
      .createQueryBuilder(PersonSchema, 'p')
      .select('*')
      .where({ id: { $in: this.acceptedWith(q.leadProviderId, q.trainingStatus) } });
    if (q.updatedSince) {
      const since = q.updatedSince;
      qb.andWhere({
        $or: [
          { significantlyUpdatedAt: { $gte: since } },
          {
            id: {
              $in: this.em
                .createQueryBuilder(ApplicationRecordSchema, 'u')
                .select('u.participantId')
                .where({ updatedAt: { $gte: since } }),
            },
          },
          {
            id: {
              $in: this.em
                .createQueryBuilder(ParticipantIdChangeSchema, 'c')
                .select('c.personId')
                .where({ updatedAt: { $gte: since } }),
            },
          },
        ],
      });
    }
    if (q.fromParticipantId) {
      qb.andWhere({
        id: {
          $in: this.em
            .createQueryBuilder(ParticipantIdChangeSchema, 'f')
            .select('f.personId')
            .where({ fromParticipantId: q.fromParticipantId }),
        },
      });
    }
    qb.orderBy([...q.sort.map((k) => ({ [k.column]: k.direction })), { id: 'asc' }])
      .limit(q.limit)
      .offset(q.offset);
    const people = await qb.getResultList();
    return this.hydrate(people, q.leadProviderId, {
      trainingStatus: q.trainingStatus,
      fromParticipantId: q.fromParticipantId,
    });
  }

  /** The participant if the provider can see them (an accepted application with it), else null. */
  async findVisible(id: string, leadProviderId: string): Promise<ParticipantView | null> {
    if (!(await this.isVisible(id, leadProviderId))) return null;
    const person = await this.em.findOne(PersonSchema, { id });
    return person ? ((await this.hydrate([person], leadProviderId, {}))[0] ?? null) : null;
  }

  async isVisible(id: string, leadProviderId: string): Promise<boolean> {
    const found = await this.em.findOne(
      ApplicationRecordSchema,
      { participantId: id, leadProviderId, status: 'accepted' },
      { fields: ['id'] },
    );
    return found !== null;
  }

  /** DfE's participant-id-change lookup: global (any provider), first recorded wins. */
  async changeFrom(id: string): Promise<ParticipantIdChangeView | null> {
    const change = await this.em.findOne(
      ParticipantIdChangeSchema,
      { fromParticipantId: id },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return change
      ? {
          fromParticipantId: change.fromParticipantId,
          toParticipantId: change.toParticipantId,
          changedAt: change.createdAt,
        }
      : null;
  }

  private async hydrate(
    people: Person[],
    leadProviderId: string,
    filters: { trainingStatus?: TrainingStatus | undefined; fromParticipantId?: string | undefined },
  ): Promise<ParticipantView[]> {
    if (people.length === 0) return [];
    const ids = people.map((p) => p.id);

    // Every application of these people (any provider, any status): the provider's accepted ones are their
    // enrolments; all of them count for `updated_at`.
    const applications = await this.em.find(
      ApplicationRecordSchema,
      { participantId: { $in: ids } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    const accepted = applications.filter(
      (a) => a.leadProviderId === leadProviderId && a.status === 'accepted',
    );
    const enrolments =
      accepted.length === 0
        ? []
        : await this.em.find(EnrolmentSchema, {
            id: { $in: accepted.map((a) => a.id) },
            ...(filters.trainingStatus ? { trainingStatus: filters.trainingStatus } : {}),
          });
    const enrolmentOf = new Map(enrolments.map((e) => [e.id, e]));
    const shown = accepted.filter((a) => enrolmentOf.has(a.id));

    // The withdrawals and deferrals this provider recorded on them, latest first.
    const states =
      shown.length === 0
        ? []
        : await this.em.find(
            ApplicationStateSchema,
            {
              applicationId: { $in: shown.map((a) => a.id) },
              leadProviderId,
              state: { $in: ['withdrawn', 'deferred'] },
            },
            { orderBy: { createdAt: 'desc', seq: 'desc' } },
          );
    const statesOf = groupBy(states, (s) => s.applicationId);

    const changes = await this.em.find(
      ParticipantIdChangeSchema,
      {
        personId: { $in: ids },
        ...(filters.fromParticipantId ? { fromParticipantId: filters.fromParticipantId } : {}),
      },
      { orderBy: { personId: 'asc', createdAt: 'desc', id: 'desc' } },
    );

    const shownOf = groupBy(shown, (a) => a.participantId);
    const applicationsOf = groupBy(applications, (a) => a.participantId);
    const changesOf = groupBy(changes, (c) => c.personId);

    return people.map((p) => {
      const own = shownOf.get(p.id) ?? [];
      const ownChanges = changesOf.get(p.id) ?? [];
      return {
        id: p.id,
        fullName: p.fullName,
        email: p.email,
        trn: p.trn,
        trnVerified: p.trnVerified,
        previousNames: p.previousNames ?? [],
        updatedAt: participantUpdatedAt({
          significantlyUpdatedAt: p.significantlyUpdatedAt,
          // With a training-status filter only the applications it loaded count (DfE restricts the
          // loaded association); otherwise every application of the person does.
          applications: filters.trainingStatus ? own : (applicationsOf.get(p.id) ?? []),
          idChanges: ownChanges,
        }),
        enrolments: own.map((a) => enrolmentView(a, enrolmentOf.get(a.id)!, statesOf.get(a.id) ?? [])),
        participantIdChanges: ownChanges.map((c) => ({
          fromParticipantId: c.fromParticipantId,
          toParticipantId: c.toParticipantId,
          changedAt: c.createdAt,
        })),
      };
    });
  }
}

function enrolmentView(a: ApplicationRecord, e: Enrolment, states: ApplicationState[]): EnrolmentView {
  return {
    applicationId: a.id,
    courseIdentifier: a.courseIdentifier,
    scheduleIdentifier: e.scheduleIdentifier,
    cohortIdentifier: e.cohortIdentifier,
    eligibleForFunding: e.eligibleForFunding,
    trainingStatus: e.trainingStatus,
    schoolUrn: e.schoolUrn,
    targetedDeliveryFundingEligibility: e.targetedDeliveryFundingEligibility,
    acceptedAt: e.acceptedAt,
    fundedPlace: e.fundedPlace,
    withdrawal: shownState(e.trainingStatus, 'withdrawn', states),
    deferral: shownState(e.trainingStatus, 'deferred', states),
  };
}
