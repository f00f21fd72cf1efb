import { COHORTS, LEAD_PROVIDERS, seedStatementPeriods } from '@npq/contracts';
import { createOrm, migrateUp, type MikroORM } from '@npq/service-kit';
import { createTestDatabase, type TestDatabase } from '@npq/test-kit';
import { financeOrmSettings } from '../src/orm-settings';
import { SEED_DELIVERY_PARTNERS, seedFinance } from '../src/seed';

let db: TestDatabase;
let orm: MikroORM;
beforeAll(async () => {
  db = await createTestDatabase('npq_finance_seed');
  orm = await createOrm(financeOrmSettings(db.url));
  await migrateUp(orm);
});
afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

async function count(table: string): Promise<number> {
  const rows: { n: string }[] = await orm.em
    .fork()
    .execute(`select count(*)::text as n from finance.${table}`);
  return Number(rows[0]!.n);
}

describe('seedFinance', () => {
  it('seeds statements, contracts and delivery partners, and a second run changes nothing', async () => {
    const first = await seedFinance(orm);
    const periods = COHORTS.reduce((n, c) => n + seedStatementPeriods(c).length, 0);
    expect(first.statements).toBe(periods * LEAD_PROVIDERS.length);
    expect(first.deliveryPartners).toBe(SEED_DELIVERY_PARTNERS.length);
    const counts = {
      statements: await count('statements'),
      contracts: await count('contracts'),
      templates: await count('contract_templates'),
      partners: await count('delivery_partners'),
      partnerships: await count('delivery_partnerships'),
    };
    const second = await seedFinance(orm);
    expect(second).toMatchObject({
      statements: 0,
      contracts: 0,
      deliveryPartners: 0,
      deliveryPartnerships: 0,
    });
    expect({
      statements: await count('statements'),
      contracts: await count('contracts'),
      templates: await count('contract_templates'),
      partners: await count('delivery_partners'),
      partnerships: await count('delivery_partnerships'),
    }).toEqual(counts);
  });

  it("follows DfE's seed formula: 27 months, output fee in Mar/Jun/Sep/Dec and the last month, cut-off = 1st minus 6 days", async () => {
    const rows: { year: number; month: number; deadline: string; payment: string; output_fee: boolean }[] =
      await orm.em.fork().execute(
        `select year, month, deadline_date::text as deadline, payment_date::text as payment, output_fee from finance.statements
       where lead_provider_id = ? and cohort_identifier = '2025a' order by year, month`,
        [LEAD_PROVIDERS[0].id],
      );
    expect(rows).toHaveLength(27);
    expect(rows[0]).toMatchObject({ year: 2025, month: 2 });
    expect(rows[26]).toMatchObject({ year: 2027, month: 4, output_fee: true });
    expect(rows.find((r) => r.year === 2025 && r.month === 3)).toMatchObject({
      deadline: '2025-02-23',
      payment: '2025-03-23',
      output_fee: true,
    });
    expect(rows.find((r) => r.year === 2025 && r.month === 6)).toMatchObject({
      deadline: '2025-05-26',
      payment: '2025-06-26',
      output_fee: true,
    });
    expect(rows.find((r) => r.year === 2025 && r.month === 4)!.output_fee).toBe(false);
  });

  it('gives every statement a contract per course with a seed template (none for NPQLPM before 2023 or NPQSENCO before 2024)', async () => {
    const rows: {
      cohort_identifier: string;
      course_identifier: string;
      per_participant: string;
      periods: number;
      special_course: boolean;
      monthly: string;
    }[] = await orm.em.fork().execute(
      `select distinct s.cohort_identifier, c.course_identifier, t.per_participant::text as per_participant,
           t.number_of_payment_periods as periods, t.special_course, t.monthly_service_fee::text as monthly
         from finance.contracts c join finance.statements s on s.id = c.statement_id join finance.contract_templates t on t.id = c.contract_template_id`,
    );
    const find = (cohort: string, course: string) =>
      rows.find((r) => r.cohort_identifier === cohort && r.course_identifier === course);
    expect(find('2022a', 'npq-leading-primary-mathematics')).toBeUndefined();
    expect(find('2023a', 'npq-senco')).toBeUndefined();
    expect(find('2023a', 'npq-leading-primary-mathematics')).toMatchObject({ special_course: true });
    expect(find('2025a', 'npq-headship')).toMatchObject({
      per_participant: '800.00',
      periods: 4,
      special_course: false,
      monthly: '0.00',
    });
    expect(find('2025a', 'npq-leading-teaching')).toMatchObject({ periods: 3 });
    const perStatement: { n: string }[] = await orm.em.fork().execute(
      `select count(*)::text as n from finance.contracts c join finance.statements s on s.id = c.statement_id
       where s.cohort_identifier = '2025a' group by s.id limit 1`,
    );
    expect(Number(perStatement[0]!.n)).toBe(12);
  });
});
