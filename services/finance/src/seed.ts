import { createHash } from 'node:crypto';
import type { QueryResult } from '@mikro-orm/postgresql';
import {
  COHORTS,
  COURSE_IDENTIFIERS,
  contractTemplateFor,
  LEAD_PROVIDER_IDS,
  LEAD_PROVIDERS,
  seedStatementPeriods,
  type ContractTemplateSeed,
} from '@npq/contracts';
import { createOrm, loadConfig, pgArray, type MikroORM } from '@npq/service-kit';
import { DeliveryPartnershipSchema, DeliveryPartnerSchema } from './delivery-partners/entity';
import { financeOrmSettings } from './orm-settings';
import { ContractTemplateSchema } from './statements/entity';

/** A stable UUID (v5 layout) for seeded rows, so every environment seeds the same ids. */
export function seedUuid(name: string): string {
  const h = createHash('sha1').update(`npq-finance-seed:${name}`).digest('hex');
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function templateId(t: ContractTemplateSeed): string {
  return seedUuid(`template:${JSON.stringify(t)}`);
}

const P = LEAD_PROVIDER_IDS;
const ALL_PROVIDERS = LEAD_PROVIDERS.map((lp) => lp.id);
const ALL_COHORTS = COHORTS.map((c) => c.identifier);

/** A few delivery partners with fixed ids, each partnered with several providers for several cohorts. */
export const SEED_DELIVERY_PARTNERS: readonly {
  id: string;
  name: string;
  providers: readonly string[];
  cohorts: readonly string[];
}[] = [
  {
    id: '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a01',
    name: 'Ashworth Teaching School Hub',
    providers: ALL_PROVIDERS,
    cohorts: ALL_COHORTS,
  },
  {
    id: '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a02',
    name: 'Brightwater Learning Trust',
    providers: ALL_PROVIDERS,
    cohorts: ['2024a', '2025a', '2025b', '2026a', '2026b'],
  },
  {
    id: '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a03',
    name: 'Castleford Education Partnership',
    providers: [P.ambition, P.bestPracticeNetwork, P.churchOfEngland],
    cohorts: ['2022a', '2023a', '2024a', '2025a'],
  },
  {
    id: '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a04',
    name: 'Dunmore Schools Network',
    providers: [P.llse, P.niot, P.teachFirst, P.ucl],
    cohorts: ALL_COHORTS,
  },
  {
    id: '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a05',
    name: 'Evergreen Leadership Centre',
    providers: [P.ambition, P.teachFirst],
    cohorts: ['2025a', '2025b', '2026a', '2026b'],
  },
  {
    id: '8f5b8a3e-2c1d-4e6f-9a0b-1c2d3e4f5a06',
    name: 'Fairfield Teaching Alliance',
    providers: [P.bestPracticeNetwork, P.ucl, P.schoolLedNetwork],
    cohorts: ['2023a', '2024a'],
  },
];

export interface FinanceSeedSummary {
  contractTemplates: number;
  statements: number;
  contracts: number;
  deliveryPartners: number;
  deliveryPartnerships: number;
}

/**
 * Idempotent development/sandbox seed: the 27 monthly statements of DfE's
 * seed formula for every lead provider × cohort, a contract on each for every course with a seed template
 * (£800 per participant, 60% output / 40% service fee, the course group's payment periods), and the delivery
 * partners above. Existing rows are kept as they are, so running it twice changes nothing.
 */
export async function seedFinance(orm: MikroORM): Promise<FinanceSeedSummary> {
  return orm.em.fork().transactional(async (em) => {
    const at = new Date();
    const templates = new Map<string, ContractTemplateSeed>();
    const contractsByCohort = new Map<string, { course: string; templateId: string }[]>();
    for (const cohort of COHORTS) {
      const rows: { course: string; templateId: string }[] = [];
      for (const course of COURSE_IDENTIFIERS) {
        const template = contractTemplateFor(course, cohort.identifier);
        if (!template) continue;
        const id = templateId(template);
        templates.set(id, template);
        rows.push({ course, templateId: id });
      }
      contractsByCohort.set(cohort.identifier, rows);
    }
    await em
      .createQueryBuilder(ContractTemplateSchema)
      .insert([...templates].map(([id, t]) => ({ id, ...t, createdAt: at })))
      .onConflict('id')
      .ignore()
      .execute('run');

    const s = {
      id: [] as string[],
      lp: [] as string[],
      cohort: [] as string[],
      startYear: [] as number[],
      suffix: [] as string[],
      year: [] as number[],
      month: [] as number[],
      deadline: [] as string[],
      payment: [] as string[],
      outputFee: [] as boolean[],
    };
    for (const lp of LEAD_PROVIDERS) {
      for (const cohort of COHORTS) {
        for (const period of seedStatementPeriods(cohort)) {
          // Fixed ids (like the delivery partners'), so the sandbox's statements are the same everywhere.
          s.id.push(seedUuid(`statement:${lp.id}:${cohort.identifier}:${period.year}-${period.month}`));
          s.lp.push(lp.id);
          s.cohort.push(cohort.identifier);
          s.startYear.push(cohort.startYear);
          s.suffix.push(cohort.suffix);
          s.year.push(period.year);
          s.month.push(period.month);
          s.deadline.push(period.deadlineDate);
          s.payment.push(period.paymentDate);
          s.outputFee.push(period.outputFee);
        }
      }
    }
    // raw SQL: a set-based seed (one insert from unnest arrays, skipping existing periods).
    const statements: unknown[] = await em.execute(
      `insert into finance.statements (id, lead_provider_id, cohort_identifier, cohort_start_year, cohort_suffix, year, month,
         deadline_date, payment_date, output_fee, state, reconcile_amount, created_at, updated_at, version)
       select id, lp, cohort, start_year, suffix, year, month, deadline, payment, output_fee, 'open', 0, ?, ?, 1
       from unnest(?::uuid[], ?::uuid[], ?::text[], ?::int[], ?::text[], ?::int[], ?::int[], ?::date[], ?::date[], ?::boolean[])
         as t(id, lp, cohort, start_year, suffix, year, month, deadline, payment, output_fee)
       on conflict (lead_provider_id, cohort_identifier, year, month) do nothing returning id`,
      [
        at,
        at,
        pgArray(s.id),
        pgArray(s.lp),
        pgArray(s.cohort),
        pgArray(s.startYear),
        pgArray(s.suffix),
        pgArray(s.year),
        pgArray(s.month),
        pgArray(s.deadline),
        pgArray(s.payment),
        pgArray(s.outputFee.map(String)),
      ],
    );

    let contracts = 0;
    for (const [cohort, rows] of contractsByCohort) {
      if (rows.length === 0) continue;
      // raw SQL: a set-based seed (every statement of the cohort × every course with a template).
      const inserted: unknown[] = await em.execute(
        `insert into finance.contracts (statement_id, course_identifier, contract_template_id)
         select s.id, c.course, c.template from finance.statements s
         cross join unnest(?::text[], ?::uuid[]) as c(course, template)
         where s.cohort_identifier = ?
         on conflict (statement_id, course_identifier) do nothing returning id`,
        [pgArray(rows.map((r) => r.course)), pgArray(rows.map((r) => r.templateId)), cohort],
      );
      contracts += inserted.length;
    }

    const partners = await em
      .createQueryBuilder(DeliveryPartnerSchema)
      .insert(
        SEED_DELIVERY_PARTNERS.map((dp) => ({ id: dp.id, name: dp.name, createdAt: at, updatedAt: at })),
      )
      .onConflict('id')
      .ignore()
      .execute<QueryResult>('run');
    const partnerships = await em
      .createQueryBuilder(DeliveryPartnershipSchema)
      .insert(
        SEED_DELIVERY_PARTNERS.flatMap((dp) =>
          dp.providers.flatMap((lp) =>
            dp.cohorts.map((cohortIdentifier) => {
              const cohort = COHORTS.find((c) => c.identifier === cohortIdentifier)!;
              return {
                id: seedUuid(`partnership:${dp.id}:${lp}:${cohort.identifier}`),
                deliveryPartnerId: dp.id,
                leadProviderId: lp,
                cohortIdentifier: cohort.identifier,
                cohortStartYear: cohort.startYear,
                cohortSuffix: cohort.suffix,
                createdAt: at,
                updatedAt: at,
              };
            }),
          ),
        ),
      )
      .onConflict(['deliveryPartnerId', 'leadProviderId', 'cohortIdentifier'])
      .ignore()
      .execute<QueryResult>('run');
    return {
      contractTemplates: templates.size,
      statements: statements.length,
      contracts,
      deliveryPartners: partners.affectedRows,
      deliveryPartnerships: partnerships.affectedRows,
    };
  });
}

if (require.main === module) {
  const config = loadConfig();
  createOrm(financeOrmSettings(config.DATABASE_URL))
    .then(async (orm) => {
      try {
        const summary = await seedFinance(orm);
        process.stdout.write(`${JSON.stringify({ finance: summary })}\n`);
      } finally {
        await orm.close();
      }
    })
    .catch((err: unknown) => {
      process.stderr.write(
        `finance seed failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    });
}
