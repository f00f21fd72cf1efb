export { buildTrainingApp } from './app';
export { trainingService } from './definition';
export { trainingOrmSettings, TRAINING_SCHEMA } from './orm-settings';
