import { runWorker } from '@npq/service-kit';
import { webhooksService } from './definition';

runWorker(webhooksService);
