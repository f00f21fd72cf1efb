import { runDbMain } from '@npq/service-kit';
import { applicationsOrmSettings } from './orm-settings';

runDbMain(applicationsOrmSettings);
