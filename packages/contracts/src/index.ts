export * from './reference';
export * from './events';
export * from './openapi';
