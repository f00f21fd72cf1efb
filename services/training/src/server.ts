import { runServer } from '@npq/service-kit';
import { trainingService } from './definition';

runServer(trainingService);
