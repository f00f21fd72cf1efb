export { buildGateway, type GatewayDeps } from './app';
export { gatewayOrmSettings, GATEWAY_SCHEMA } from './orm-settings';
export { seedGateway, type SeededToken } from './seed';
export { bootstrapToken, digestToken } from './tokens/token-digest';
export { Sandbox, type SeedReport } from './sandbox/sandbox';
export * from './sandbox/dataset';
