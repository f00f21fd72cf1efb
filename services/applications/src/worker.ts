import { runWorker } from '@npq/service-kit';
import { applicationsService } from './definition';

runWorker(applicationsService);
