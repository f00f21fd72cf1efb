import { runDbMain } from '@npq/service-kit';
import { trainingOrmSettings } from './orm-settings';

runDbMain(trainingOrmSettings);
