import { runServer } from '@npq/service-kit';
import { financeService } from './definition';

runServer(financeService);
