import type { TrainingStatus } from '@npq/contracts';
import { pgArray, type EntityManager, type SortKey } from '@npq/service-kit';
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

interface PersonRow {
  id: string;
  full_name: string;
  email: string | null;
  trn: string | null;
  trn_verified: boolean;
  previous_names: string[];
  significantly_updated_at: Date;
}

interface EnrolmentRow {
  application_id: string;
  participant_id: string;
  course_identifier: string;
  updated_at: Date;
  schedule_identifier: string | null;
  cohort_identifier: string;
  eligible_for_funding: boolean;
  training_status: TrainingStatus;
  school_urn: string | null;
  targeted_delivery_funding_eligibility: boolean;
  accepted_at: Date;
  funded_place: boolean | null;
}

interface StateRow {
  application_id: string;
  state: 'withdrawn' | 'deferred';
  reason: string | null;
  created_at: Date;
}

interface ChangeRow {
  person_id: string;
  from_participant_id: string;
  to_participant_id: string;
  created_at: Date;
  updated_at: Date;
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

/** Sortable participant columns (DfE sorts on `users.*`; `updated_at` is the person's own update time). */
export const PARTICIPANT_SORT_COLUMNS: Record<string, string> = {
  created_at: 'p.created_at',
  updated_at: 'p.significantly_updated_at',
};

const PERSON_COLUMNS = `p.id, p.full_name, p.email, p.trn, p.trn_verified, p.previous_names, p.significantly_updated_at`;

/** The provider's accepted applications (with a training status, when filtering by it). */
function acceptedWith(alias: string, trainingStatus: boolean): string {
  return `training.applications ${alias}${trainingStatus ? ` join training.enrolments ${alias}e on ${alias}e.id = ${alias}.id` : ''}
    where ${alias}.participant_id = p.id and ${alias}.lead_provider_id = ? and ${alias}.status = 'accepted'${
      trainingStatus ? ` and ${alias}e.training_status = ?` : ''
    }`;
}

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
 * accepted application with it. A page is loaded in a fixed number of queries (people, enrolments, their
 * latest withdrawal/deferral rows, application update times, id changes), whatever its size.
 *
 * The list and its hydration stay hand-written SQL: measured on 50,000 people (8,300 accepted with one provider),
 * the same queries through the QueryBuilder and `em.find` (IN-lists of the page's ids, entity hydration)
 * took 3× as long for a page of 100 and 4× for a page of 3,000. So do `isVisible` and `changeFrom`, which
 * every participant action runs (see there).
 */
export class ParticipantRepository {
  constructor(private readonly em: EntityManager) {}

  async list(q: ParticipantListQuery): Promise<ParticipantView[]> {
    const where = [`exists (select 1 from ${acceptedWith('a', q.trainingStatus !== undefined)})`];
    const params: unknown[] = [q.leadProviderId];
    if (q.trainingStatus) params.push(q.trainingStatus);
    if (q.updatedSince) {
      where.push(`(p.significantly_updated_at >= ?
        or exists (select 1 from training.applications u where u.participant_id = p.id and u.updated_at >= ?)
        or exists (select 1 from training.participant_id_changes c where c.person_id = p.id and c.updated_at >= ?))`);
      params.push(q.updatedSince, q.updatedSince, q.updatedSince);
    }
    if (q.fromParticipantId) {
      where.push(
        `exists (select 1 from training.participant_id_changes f where f.person_id = p.id and f.from_participant_id = ?)`,
      );
      params.push(q.fromParticipantId);
    }
    const order = [...q.sort.map((k) => `${k.column} ${k.direction}`), 'p.id asc'].join(', ');
    params.push(q.limit, q.offset);
    // raw SQL: measured hot list (index-driven `exists` branches; see the class comment).
    const people: PersonRow[] = await this.em.execute(
      `select ${PERSON_COLUMNS} from training.people p where ${where.join(' and ')} order by ${order} limit ? offset ?`,
      params,
    );
    return this.hydrate(people, q.leadProviderId, {
      trainingStatus: q.trainingStatus,
      fromParticipantId: q.fromParticipantId,
    });
  }

  /** The participant if the provider can see them (an accepted application with it), else null. */
  async findVisible(id: string, leadProviderId: string): Promise<ParticipantView | null> {
    // raw SQL: shares the hot list's row shape and hydration.
    const people: PersonRow[] = await this.em.execute(
      `select ${PERSON_COLUMNS} from training.people p where p.id = ? and exists (select 1 from ${acceptedWith('a', false)})`,
      [id, leadProviderId],
    );
    return (await this.hydrate(people, leadProviderId, {}))[0] ?? null;
  }

  async isVisible(id: string, leadProviderId: string): Promise<boolean> {
    // raw SQL: measured hot path (twice per participant action). An ORM findOne costs 0.4–1 ms of CPU per
    // call on the benchmark machine against 0.15–0.2 ms for the statement (docs/performance.md, "The ORM's
    // cost per statement").
    const rows: unknown[] = await this.em.execute(
      `select 1 from training.applications where participant_id = ? and lead_provider_id = ? and status = 'accepted' limit 1`,
      [id, leadProviderId],
    );
    return rows.length > 0;
  }

  /** DfE's participant-id-change lookup: global (any provider), first recorded wins. */
  async changeFrom(id: string): Promise<ParticipantIdChangeView | null> {
    // raw SQL: measured hot path (every participant action), as isVisible.
    const rows: { from_participant_id: string; to_participant_id: string; created_at: Date }[] =
      await this.em.execute(
        `select from_participant_id, to_participant_id, created_at from training.participant_id_changes
         where from_participant_id = ? order by created_at asc, id asc limit 1`,
        [id],
      );
    const change = rows[0];
    return change
      ? {
          fromParticipantId: change.from_participant_id,
          toParticipantId: change.to_participant_id,
          changedAt: new Date(change.created_at),
        }
      : null;
  }

  private async hydrate(
    people: PersonRow[],
    leadProviderId: string,
    filters: { trainingStatus?: TrainingStatus | undefined; fromParticipantId?: string | undefined },
  ): Promise<ParticipantView[]> {
    if (people.length === 0) return [];
    const ids = pgArray(people.map((p) => p.id));

    const enrolmentParams: unknown[] = [ids, leadProviderId];
    if (filters.trainingStatus) enrolmentParams.push(filters.trainingStatus);
    // raw SQL: measured hot list (the page's rows in one array-parameter query each; see the class comment).
    const enrolments: EnrolmentRow[] = await this.em.execute(
      `select a.id as application_id, a.participant_id, a.course_identifier, a.updated_at, e.schedule_identifier,
         e.cohort_identifier, e.eligible_for_funding, e.training_status, e.school_urn,
         e.targeted_delivery_funding_eligibility, e.accepted_at, e.funded_place
       from training.applications a join training.enrolments e on e.id = a.id
       where a.participant_id = any(?::uuid[]) and a.lead_provider_id = ? and a.status = 'accepted'
         ${filters.trainingStatus ? 'and e.training_status = ?' : ''}
       order by a.created_at, a.id`,
      enrolmentParams,
    );

    // The latest withdrawal and deferral this provider recorded on each enrolment.
    const states: StateRow[] =
      enrolments.length === 0
        ? []
        : // raw SQL: measured hot list; `distinct on` keeps only the latest row per enrolment and state.
          await this.em.execute(
            `select distinct on (application_id, state) application_id, state, reason, created_at
             from training.application_states
             where application_id = any(?::uuid[]) and lead_provider_id = ? and state in ('withdrawn', 'deferred')
             order by application_id, state, created_at desc, seq desc`,
            [pgArray(enrolments.map((e) => e.application_id)), leadProviderId],
          );

    // Normally every application of the person (any provider, any status) counts for `updated_at`; with a
    // training-status filter only the applications it loaded do (DfE restricts the loaded association).
    const appUpdates: { participant_id: string; updated_at: Date }[] = filters.trainingStatus
      ? []
      : // raw SQL: measured hot list; the database aggregates instead of loading every application.
        await this.em.execute(
          `select participant_id, max(updated_at) as updated_at from training.applications
           where participant_id = any(?::uuid[]) group by participant_id`,
          [ids],
        );

    const changeParams: unknown[] = [ids];
    if (filters.fromParticipantId) changeParams.push(filters.fromParticipantId);
    // raw SQL: measured hot list.
    const changes: ChangeRow[] = await this.em.execute(
      `select person_id, from_participant_id, to_participant_id, created_at, updated_at from training.participant_id_changes
       where person_id = any(?::uuid[]) ${filters.fromParticipantId ? 'and from_participant_id = ?' : ''}
       order by person_id, created_at desc, id desc`,
      changeParams,
    );

    const statesOf = groupBy(
      states.map((s) => ({
        applicationId: s.application_id,
        state: s.state,
        reason: s.reason,
        createdAt: new Date(s.created_at),
      })),
      (s) => s.applicationId,
    );
    const lastAppUpdate = new Map(appUpdates.map((u) => [u.participant_id, new Date(u.updated_at)]));

    const enrolmentsOf = groupBy(enrolments, (e) => e.participant_id);
    const changesOf = groupBy(changes, (c) => c.person_id);

    return people.map((p) => {
      const own = enrolmentsOf.get(p.id) ?? [];
      const ownChanges = changesOf.get(p.id) ?? [];
      const lastUpdate = lastAppUpdate.get(p.id);
      const updatedAt = participantUpdatedAt({
        significantlyUpdatedAt: new Date(p.significantly_updated_at),
        // With a training-status filter only the enrolments it loaded count (DfE restricts the loaded
        // association); otherwise every application of the person does.
        applications: filters.trainingStatus
          ? own.map((e) => ({ updatedAt: new Date(e.updated_at) }))
          : lastUpdate
            ? [{ updatedAt: lastUpdate }]
            : [],
        idChanges: ownChanges.map((c) => ({ updatedAt: new Date(c.updated_at) })),
      });
      return {
        id: p.id,
        fullName: p.full_name,
        email: p.email,
        trn: p.trn,
        trnVerified: p.trn_verified,
        previousNames: p.previous_names ?? [],
        updatedAt,
        enrolments: own.map((e) => ({
          applicationId: e.application_id,
          courseIdentifier: e.course_identifier,
          scheduleIdentifier: e.schedule_identifier,
          cohortIdentifier: e.cohort_identifier,
          eligibleForFunding: e.eligible_for_funding,
          trainingStatus: e.training_status,
          schoolUrn: e.school_urn,
          targetedDeliveryFundingEligibility: e.targeted_delivery_funding_eligibility,
          acceptedAt: new Date(e.accepted_at),
          fundedPlace: e.funded_place,
          withdrawal: shownState(e.training_status, 'withdrawn', statesOf.get(e.application_id) ?? []),
          deferral: shownState(e.training_status, 'deferred', statesOf.get(e.application_id) ?? []),
        })),
        participantIdChanges: ownChanges.map((c) => ({
          fromParticipantId: c.from_participant_id,
          toParticipantId: c.to_participant_id,
          changedAt: new Date(c.created_at),
        })),
      };
    });
  }
}
