import { runWorker } from '@npq/service-kit';
import { financeService } from './definition';

runWorker(financeService);
