export { buildFinanceApp } from './app';
export { financeService } from './definition';
export { financeOrmSettings, FINANCE_SCHEMA } from './orm-settings';
export { seedFinance, SEED_DELIVERY_PARTNERS, type FinanceSeedSummary } from './seed';
export { startFinanceWorkers, type FinanceWorkerOptions, type FinanceWorkers } from './jobs/workers';
export { runStatementCutoff, runPaymentRun } from './statements/commands';
export { CUTOFF_QUEUE, PAYMENT_QUEUE } from './jobs/queues';
