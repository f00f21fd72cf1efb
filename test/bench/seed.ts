import {
  COHORTS,
  COURSES,
  FUNDING_CHOICES,
  HEADTEACHER_STATUSES,
  LEAD_PROVIDERS,
  WORKS_AS_SENCO_VALUES,
  type CourseIdentifier,
} from '@npq/contracts';
import type { ProcessGroup } from './processes';
import { literal, psql, textArray } from './psql';

export interface SeedVolume {
  applicationsPerProvider: number;
  people: number;
}

/** Relative frequency of each course (out of 100), roughly as providers see them. */
const COURSE_WEIGHTS: Record<CourseIdentifier, number> = {
  'npq-senior-leadership': 18,
  'npq-headship': 14,
  'npq-leading-teaching': 12,
  'npq-senco': 12,
  'npq-leading-teaching-development': 8,
  'npq-leading-behaviour-culture': 8,
  'npq-early-headship-coaching-offer': 6,
  'npq-early-years-leadership': 5,
  'npq-leading-literacy': 5,
  'npq-leading-primary-mathematics': 5,
  'npq-executive-leadership': 4,
  'npq-additional-support-offer': 3,
};

const FIRST_NAMES = [
  'Amelia',
  'Olivia',
  'Isla',
  'Ava',
  'Mia',
  'Grace',
  'Sophie',
  'Emily',
  'Hannah',
  'Lucy',
  'Charlotte',
  'Ruth',
  'Priya',
  'Aisha',
  'Fatima',
  'Zara',
  'Chloe',
  'Ellie',
  'Megan',
  'Sarah',
  'Oliver',
  'George',
  'Harry',
  'Jack',
  'Noah',
  'Leo',
  'Arthur',
  'Oscar',
  'Thomas',
  'James',
  'Mohammed',
  'Ali',
  'Daniel',
  'David',
  'Samuel',
  'Ben',
  'Rhys',
  'Owen',
  'Callum',
  'Tom',
];
const LAST_NAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Jackson',
  'Clarke',
  'Khan',
  'Hughes',
  'Edwards',
  'Hussain',
  'Lewis',
  'Turner',
  'Hill',
  'Moore',
  'Cooper',
  'Ward',
  'Morris',
  'King',
  "O'Brien",
  'Baker',
  'Harris',
  'Martin',
  'Begum',
  'Shah',
  'Ahmed',
];
const EMAIL_DOMAINS = ['example-school.org.uk', 'example-academy.sch.uk', 'example-trust.org', 'example.com'];
const INELIGIBLE_CODES = [
  'ineligible_establishment_type',
  'ineligible_institution_type',
  'no_institution',
  'not_in_england',
  'previously_funded',
];

/** `(array[...])[1 + floor(r * n)]`: one element of the list picked by a random number r in [0, 1). */
function pick(values: readonly string[], r: string): string {
  return `(${textArray(values)})[1 + floor(${r} * ${values.length})::int]`;
}

function weightedCourses(): string[] {
  return Object.entries(COURSE_WEIGHTS).flatMap(([course, weight]) => Array<string>(weight).fill(course));
}

function courseGroupCase(column: string): string {
  return `case ${column} ${COURSES.map((c) => `when ${literal(c.identifier)} then ${literal(c.courseGroup)}`).join(' ')} end`;
}

/**
 * The whole data set in one transaction of set-based SQL (generate_series, INSERT … SELECT): a few seconds
 * for 100,000 applications. Deterministic (setseed, ids derived from md5) so runs are comparable.
 *
 * - people: `people` rows; application i (1-based) belongs to person i while i <= people, and the surplus
 *   goes to a pool of people who already applied (some end up with two or three applications, half of
 *   them for the same course, so the "previously funded" subquery finds matches);
 * - applications: provider i mod 8 (exactly `applicationsPerProvider` each); created_at spread over the
 *   last three years; cohort = the latest cohort whose registration had opened; status mostly decided for
 *   older applications, mostly pending for the last 90 days; about 65% eligible for funding; never two
 *   accepted (not withdrawn) applications of one person for one course and cohort (the later is rejected
 *   with other_application_in_this_cohort_accepted).
 */
export function seedSql(volume: SeedVolume): string {
  const providers = LEAD_PROVIDERS.map((lp) => lp.id);
  const total = volume.applicationsPerProvider * providers.length;
  const people = volume.people;
  const surplus = Math.max(0, total - people);
  const pool = Math.max(1, Math.min(people, Math.ceil((surplus * 2) / 3)));
  const courses = weightedCourses();
  const cohorts = COHORTS.map(
    (c) =>
      `(${literal(c.identifier)}, ${c.startYear}, ${literal(c.suffix)}, date ${literal(c.registrationStartDate)})`,
  ).join(', ');
  const day = `interval '1 day'`;

  return `
create or replace function pg_temp.bench_uuid(seed text) returns uuid language sql immutable as $$
  select (substr(h, 1, 12) || '4' || substr(h, 14, 3) || '8' || substr(h, 18, 15))::uuid from (select md5(seed) as h) x
$$;

begin;
select setseed(0.2026);

create temp table seed_people on commit drop as
select n,
  pg_temp.bench_uuid('bench-person-' || n) as id,
  ${pick(FIRST_NAMES, 'random()')} as first_name,
  ${pick(LAST_NAMES, 'random()')} as last_name,
  now() - 3 * 365 * ${day} + random() * (3 * 365 - 1) * ${day} as first_applied_at,
  ${pick(courses, 'random()')} as course,
  random() as r1, random() as r2, random() as r3
from generate_series(1, ${people}) n;

insert into applications.people (id, full_name, email, trn, trn_verified, previous_names, retired_into_id,
  retired_at, created_at, updated_at, significantly_updated_at, version)
select id,
  first_name || ' ' || last_name,
  lower(replace(first_name || '.' || last_name, '''', '') || '.' || n || '@' || ${pick(EMAIL_DOMAINS, 'r3')}),
  case when r1 < 0.92 then to_char(1000000 + n, 'FM0000000') end,
  r1 < 0.92 and r2 < 0.85,
  case when r3 < 0.05 then array[first_name || ' ' || ${pick(LAST_NAMES, 'r2')}] else '{}'::text[] end,
  null, null,
  first_applied_at - interval '5 minutes',
  first_applied_at + r2 * (now() - first_applied_at) * 0.3,
  first_applied_at + r2 * (now() - first_applied_at) * 0.3,
  1
from seed_people;

create temp table seed_applications on commit drop as
with base as (
  select i,
    pg_temp.bench_uuid('bench-application-' || i) as id,
    sp.id as person_id,
    (${textArray(providers)})[1 + (i - 1) % ${providers.length}]::uuid as lead_provider_id,
    case when i <= ${people} or random() < 0.5 then sp.course else ${pick(courses, 'random()')} end as course_identifier,
    case when i <= ${people} then sp.first_applied_at
      else least(now() - interval '1 hour', sp.first_applied_at + random() * 365 * ${day}) end as created_at,
    random() as r_status, random() as r_funding, random() as r1, random() as r2, random() as r3,
    random() as r4, random() as r5, random() as r6, random() as r7, random() as r8
  from generate_series(1, ${total}) i
  join seed_people sp
    on sp.n = case when i <= ${people} then i else 1 + ((i - ${people} - 1)::bigint * 7919) % ${pool} end
)
select b.*,
  c.identifier as cohort_identifier, c.start_year as cohort_start_year, c.suffix as cohort_suffix,
  case when b.created_at > now() - 90 * ${day}
    then case when r_status < 0.6 then 'pending' when r_status < 0.9 then 'accepted' else 'rejected' end
    else case when r_status < 0.08 then 'pending' when r_status < 0.73 then 'accepted' else 'rejected' end
  end as status,
  r_funding < 0.65 as eligible,
  case when r8 < 0.85 then 'active' when r8 < 0.9 then 'deferred' else 'withdrawn' end as training_status,
  false as superseded,
  case when b.course_identifier in ('npq-additional-support-offer', 'npq-early-headship-coaching-offer')
    then 'ehco-aso' else b.course_identifier end as course_key,
  r3 < 0.88 as works_in_school,
  case when r5 < 0.95 then 'england' when r5 < 0.97 then 'wales' when r5 < 0.98 then 'scotland'
    when r5 < 0.99 then 'northern_ireland' else 'another' end as catchment,
  ${courseGroupCase('b.course_identifier')} as course_group
from base b
cross join lateral (
  select identifier, start_year, suffix
  from (values ${cohorts}) as c(identifier, start_year, suffix, registration_start)
  where c.registration_start <= b.created_at::date
  order by c.registration_start desc, md5(b.id::text || c.identifier)
  limit 1
) c;

-- One accepted (not withdrawn) application per person, course (ASO and EHCO count as one) and cohort, as
-- applications_one_accepted_per_course_idx requires: a later one is rejected, as DfE would reject it.
update seed_applications s set status = 'rejected', superseded = true
from (
  select i, row_number() over (partition by person_id, course_key, cohort_identifier order by i) as rn
  from seed_applications where status = 'accepted' and training_status <> 'withdrawn'
) d
where d.i = s.i and d.rn > 1;

insert into applications.applications (id, person_id, lead_provider_id, course_identifier, cohort_identifier,
  cohort_start_year, cohort_suffix, status, reason_for_rejection, eligible_for_funding,
  funding_eligibility_status_code, targeted_delivery_funding_eligibility, funding_choice, school_urn, school_ukprn,
  private_childcare_provider_urn, works_in_school, employer_name, employment_role, headteacher_status,
  teacher_catchment, teacher_catchment_country, teacher_catchment_iso_country_code, itt_provider, lead_mentor,
  works_as_senco, senco_start_date, funded_place, schedule_identifier, accepted_at, training_status, created_at,
  updated_at, version)
select s.id, s.person_id, s.lead_provider_id, s.course_identifier, s.cohort_identifier,
  s.cohort_start_year, s.cohort_suffix, s.status,
  case when s.superseded then 'other_application_in_this_cohort_accepted'
    when s.status = 'rejected' then case when r1 < 0.5 then 'registration_expired'
    when r1 < 0.85 then 'rejected_by_provider' else 'other_application_in_this_cohort_accepted' end end,
  s.eligible,
  case when s.eligible then 'funded' else ${pick(INELIGIBLE_CODES, 'r2')} end,
  s.eligible and r2 < 0.15,
  case when not s.eligible then ${pick(FUNDING_CHOICES, 'r1')} end,
  case when s.works_in_school then (100000 + floor(r4 * 50000))::int::text end,
  case when s.works_in_school then (10000000 + floor(r4 * 9000000))::int::text end,
  case when not s.works_in_school and s.course_identifier = 'npq-early-years-leadership'
    then 'EY' || (300000 + floor(r4 * 99999))::int end,
  s.works_in_school,
  case when not s.works_in_school then ${pick(['Local authority', 'Academy trust central team', 'Hospital school', 'Supply agency'], 'r6')} end,
  case when not s.works_in_school then ${pick(['Supply teacher', 'Trust leader', 'Consultant', 'Virtual school head'], 'r7')} end,
  case when s.course_identifier in ('npq-headship', 'npq-early-headship-coaching-offer')
    then ${pick(HEADTEACHER_STATUSES, 'r6')} end,
  s.catchment,
  case when s.catchment = 'another' then 'Spain' else 'United Kingdom of Great Britain and Northern Ireland' end,
  case when s.catchment = 'another' then 'ESP' else 'GBR' end,
  case when r8 < 0.03 then 'Example ITT Partnership' end,
  r8 < 0.03,
  case when s.course_identifier = 'npq-senco' then ${pick(WORKS_AS_SENCO_VALUES, 'r7')} end,
  case when s.course_identifier = 'npq-senco' and r7 < 1.0 / 3 then (s.created_at - r6 * 5 * 365 * ${day})::date end,
  case when s.status = 'accepted' and s.eligible and s.cohort_start_year >= 2024 then r2 < 0.85 end,
  case when s.status = 'accepted' then case s.course_group
    when 'leadership' then 'npq-leadership-' || case when extract(month from s.created_at) between 4 and 11 then 'autumn' else 'spring' end
    when 'specialist' then 'npq-specialist-' || case when extract(month from s.created_at) between 4 and 11 then 'autumn' else 'spring' end
    when 'support' then 'npq-aso-december'
    else 'npq-ehco-december' end end,
  case when s.status = 'accepted' then least(now(), s.created_at + r1 * 30 * ${day}) end,
  case when s.status = 'accepted' then s.training_status end,
  s.created_at,
  least(now(), s.created_at + r3 * 45 * ${day}),
  case when s.status = 'pending' then 1 else 2 end
from seed_applications s;

commit;
vacuum analyze applications.people;
vacuum analyze applications.applications;
`;
}

export interface DataSummary {
  applications: number;
  people: number;
  providers: number;
  minPerProvider: number;
  maxPerProvider: number;
  peopleWithSeveral: number;
  byStatus: Record<string, number>;
  byCohort: Record<string, number>;
  previouslyFunded: number;
}

/** Counts that describe the seeded volume, for the report. */
export async function summarise(group: ProcessGroup, url: string): Promise<DataSummary> {
  const rows = await psql(
    group,
    url,
    `
select 'total', (select count(*) from applications.applications)::text, (select count(*) from applications.people)::text;
select 'providers', count(*)::text, min(n)::text || ',' || max(n)::text
  from (select count(*) as n from applications.applications group by lead_provider_id) x;
select 'several', count(*)::text, ''
  from (select person_id from applications.applications group by person_id having count(*) > 1) x;
select 'status', status, count(*)::text from applications.applications group by status order by status;
select 'cohort', cohort_identifier, count(*)::text from applications.applications group by cohort_identifier order by cohort_identifier;
select 'previously_funded', count(*)::text, '' from applications.applications a where exists (
  select 1 from applications.applications o
  where o.person_id = a.person_id and o.id <> a.id and o.status = 'accepted' and o.eligible_for_funding
    and (o.funded_place is null or o.funded_place)
    and (o.course_identifier = a.course_identifier
         or (a.course_identifier in ('npq-additional-support-offer', 'npq-early-headship-coaching-offer')
             and o.course_identifier in ('npq-additional-support-offer', 'npq-early-headship-coaching-offer'))));
`,
  );
  const summary: DataSummary = {
    applications: 0,
    people: 0,
    providers: 0,
    minPerProvider: 0,
    maxPerProvider: 0,
    peopleWithSeveral: 0,
    byStatus: {},
    byCohort: {},
    previouslyFunded: 0,
  };
  for (const [kind, a = '', b = ''] of rows) {
    if (kind === 'total') {
      summary.applications = Number(a);
      summary.people = Number(b);
    } else if (kind === 'providers') {
      summary.providers = Number(a);
      const [min = '0', max = '0'] = b.split(',');
      summary.minPerProvider = Number(min);
      summary.maxPerProvider = Number(max);
    } else if (kind === 'several') summary.peopleWithSeveral = Number(a);
    else if (kind === 'status') summary.byStatus[a] = Number(b);
    else if (kind === 'cohort') summary.byCohort[a] = Number(b);
    else if (kind === 'previously_funded') summary.previouslyFunded = Number(a);
  }
  return summary;
}

/** A stable sample of the provider's application ids (the show scenarios pick one at random per request). */
export async function sampleApplicationIds(
  group: ProcessGroup,
  url: string,
  leadProviderId: string,
  n: number,
): Promise<string[]> {
  const rows = await psql(
    group,
    url,
    `select id from applications.applications where lead_provider_id = ${literal(leadProviderId)} order by md5(id::text) limit ${n};`,
  );
  return rows.map(([id]) => id!);
}

/** How many of the provider's applications `filter[updated_since]` matches (reported next to that scenario). */
export async function countUpdatedSince(
  group: ProcessGroup,
  url: string,
  leadProviderId: string,
  since: Date,
): Promise<number> {
  const rows = await psql(
    group,
    url,
    `select count(*) from applications.applications a join applications.people p on p.id = a.person_id
     where a.lead_provider_id = ${literal(leadProviderId)}
       and (a.updated_at >= ${literal(since.toISOString())} or p.significantly_updated_at >= ${literal(since.toISOString())});`,
  );
  return Number(rows[0]?.[0] ?? 0);
}
