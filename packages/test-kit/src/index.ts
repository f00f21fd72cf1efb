export * from './database';
export * from './messaging';
export * from './openapi-validator';
export * from './api-client';
export * from './private-infra';
