import { runServer } from '@npq/service-kit';
import { applicationsService } from './definition';

runServer(applicationsService);
