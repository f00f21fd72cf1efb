import { runDbMain } from '@npq/service-kit';
import { gatewayOrmSettings } from './orm-settings';

runDbMain(gatewayOrmSettings);
