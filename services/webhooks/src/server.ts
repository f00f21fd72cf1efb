import { runServer } from '@npq/service-kit';
import { webhooksService } from './definition';

runServer(webhooksService);
