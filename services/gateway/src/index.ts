export { buildGateway, type GatewayDeps } from './app';
export { gatewayOrmSettings, GATEWAY_SCHEMA } from './orm-settings';
export { seedGateway, type SeededToken } from './seed';
export { bootstrapToken, digestToken } from './tokens/token-digest';
