import { loadOpenApiDocument, type ServiceName } from '@npq/contracts';
import type { CallerScope } from '@npq/service-kit';

export type Owner = ServiceName;

export interface GatewayRoute {
  method: string;
  /** OpenAPI template, e.g. `/api/v3/npq-applications/{id}`. */
  path: string;
  /** Fastify form, e.g. `/api/v3/npq-applications/:id`. */
  url: string;
  owner: Owner;
  scope: CallerScope;
}

const OWNERS: [RegExp, Owner][] = [
  [/^\/api\/v3\/npq-applications(\/|$)/, 'applications'],
  [/^\/api\/v3\/participants\/npq(\/|$)/, 'training'],
  [/^\/api\/v3\/(participant-declarations|statements|delivery-partners)(\/|$)/, 'finance'],
  [/^\/api\/(teacher-record-service|teaching-record-system)\//, 'training'],
  [/^\/admin\/v1\/(lead-providers|api-tokens|teacher-record-service|sandbox)(\/|$)/, 'gateway'],
  // Served by the gateway asking every service (docs/operations.md, "System status", "Parked messages").
  [/^\/admin\/v1\/(system|parked-messages)(\/|$)/, 'gateway'],
  // A person's declarations are finance's, under the applications-owned participants path: first.
  [/^\/admin\/v1\/participants\/[^/]+\/declarations$/, 'finance'],
  [/^\/admin\/v1\/(npq-applications|participants)(\/|$)/, 'applications'],
  [/^\/admin\/v1\/outcome-deliveries(\/|$)/, 'training'],
  [/^\/admin\/v1\/(delivery-partners|statements|finance)(\/|$)/, 'finance'],
  // Not a DfE route: this platform's webhooks (docs/webhooks.md).
  [/^\/(api\/v3|admin\/v1)\/webhook-subscriptions(\/|$)/, 'webhooks'],
];

export function ownerOf(path: string): Owner | undefined {
  return OWNERS.find(([pattern]) => pattern.test(path))?.[1];
}

export function scopeOf(path: string): CallerScope | undefined {
  if (path.startsWith('/api/v3/')) return 'lead_provider';
  if (path.startsWith('/admin/v1/')) return 'admin';
  if (/^\/api\/(teacher-record-service|teaching-record-system)\//.test(path)) return 'teacher_record_service';
  return undefined;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Every public route, straight from the OpenAPI document: the gateway knows exactly which paths and
 * verbs exist, so an unknown path or a wrong verb is a 404 without bothering a service.
 */
export function buildRouteTable(): GatewayRoute[] {
  const doc = loadOpenApiDocument();
  const routes: GatewayRoute[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const owner = ownerOf(path);
    const scope = scopeOf(path);
    if (!owner || !scope) continue;
    for (const method of Object.keys(item)) {
      if (!METHODS.includes(method)) continue;
      routes.push({
        method: method.toUpperCase(),
        path,
        url: path.replace(/\{(\w+)\}/g, ':$1'),
        owner,
        scope,
      });
    }
  }
  return routes;
}
