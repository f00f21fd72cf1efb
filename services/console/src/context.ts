import type { Config, Logger } from '@npq/service-kit';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import { AdminApi } from './gateway/admin-api';
import { GatewayClient } from './gateway/client';
import type { SessionKeys } from './session/keys';
import type { SessionData, SessionStore } from './session/store';

/** What every part of the console shares (built once in app.ts). */
export interface ConsoleContext {
  config: Config;
  logger: Logger;
  /** Sessions and the sign-in throttle. */
  redis: Redis;
  /** Key prefix in Redis (the namespace's queue prefix). */
  prefix: string;
  gatewayUrl: string;
  gatewayTimeoutMs: number;
  store: SessionStore;
  keys: SessionKeys;
  /** Cookies carry `Secure` (everywhere but development, where the console is plain http on localhost). */
  secureCookies: boolean;
  sessionCookie: string;
  signInCookie: string;
  actions: Counter<'action' | 'outcome'>;
}

/** The signed-in operator of a request. */
export interface ActiveSession {
  id: string;
  data: SessionData;
  /** A digest of the session id, for the logs. */
  ref: string;
  operatorId: string;
  api: AdminApi;
}

export function adminApi(ctx: ConsoleContext, token: string, requestId: string): AdminApi {
  return new AdminApi(
    new GatewayClient(token, { baseUrl: ctx.gatewayUrl, timeoutMs: ctx.gatewayTimeoutMs, requestId }),
  );
}
