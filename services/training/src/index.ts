export { buildTrainingApp } from './app';
export { trainingService, createDqtPushService } from './definition';
export { trainingOrmSettings, TRAINING_SCHEMA } from './orm-settings';
export { DqtPushService, DQT_PUSH_QUEUE, type DqtWorkerOptions } from './jobs/dqt-push';
export { attemptsToCover, backoffDelay, DQT_BACKOFF, ONE_DAY_MS } from './jobs/backoff';
