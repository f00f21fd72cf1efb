import { runDbMain } from '@npq/service-kit';
import { webhooksOrmSettings } from './orm-settings';

runDbMain(webhooksOrmSettings);
