import { runWorker } from '@npq/service-kit';
import { trainingService } from './definition';

runWorker(trainingService);
