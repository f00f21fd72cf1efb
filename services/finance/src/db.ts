import { runDbMain } from '@npq/service-kit';
import { financeOrmSettings } from './orm-settings';

runDbMain(financeOrmSettings);
