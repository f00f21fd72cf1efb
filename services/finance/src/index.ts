export { buildFinanceApp } from './app';
export { financeService } from './definition';
export { financeOrmSettings, FINANCE_SCHEMA } from './orm-settings';
