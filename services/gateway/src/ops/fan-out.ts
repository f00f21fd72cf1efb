import { INTERNAL_HEADERS } from '@npq/service-kit';
import type { Owner } from '../proxy/route-table';

export type Service = Exclude<Owner, 'gateway'>;
export const SERVICES: readonly Service[] = ['applications', 'training', 'finance', 'webhooks'];

/** A service's answer, or `undefined` when it did not answer in time (or at all). */
export interface ServiceAnswer<T> {
  service: Service;
  status: number;
  body: T;
}

/**
 * The gateway's calls to every service's internal operator routes (docs/operations.md, "System status"):
 * the internal credential and the admin scope, as the proxy sends them, and a deadline per call, so a
 * service that hangs is reported down instead of holding the operator's request.
 */
export class ServiceFanOut {
  constructor(
    private readonly urls: Record<Service, string>,
    private readonly internalSecret: string,
    private readonly timeoutMs = 1000,
  ) {}

  async call<T>(
    service: Service,
    method: 'GET' | 'POST',
    path: string,
    requestId: string,
  ): Promise<ServiceAnswer<T> | undefined> {
    try {
      const res = await fetch(`${this.urls[service]}${path}`, {
        method,
        headers: {
          [INTERNAL_HEADERS.secret]: this.internalSecret,
          [INTERNAL_HEADERS.scope]: 'admin',
          [INTERNAL_HEADERS.requestId]: requestId,
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      return { service, status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    } catch {
      return undefined;
    }
  }

  /** The same call to every service at once; each answers or is `undefined`. */
  all<T>(method: 'GET' | 'POST', path: string, requestId: string) {
    return Promise.all(SERVICES.map((s) => this.call<T>(s, method, path, requestId)));
  }
}
