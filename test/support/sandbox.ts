import type { ApiClient } from '@npq/test-kit';
import type { System } from './system';

type Resource = { id: string; type: string; attributes: Record<string, any> };

async function all(client: ApiClient, path: string): Promise<Resource[]> {
  const res = await client.get(`${path}${path.includes('?') ? '&' : '?'}page[per_page]=3000`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`);
  return res.body.data as Resource[];
}

/** Everything a provider sees through the v3 API, in the API's order. */
export async function providerView(system: System, leadProviderId: string) {
  const client = system.provider(leadProviderId);
  return {
    applications: await all(client, '/api/v3/npq-applications'),
    participants: await all(client, '/api/v3/participants/npq'),
    declarations: await all(client, '/api/v3/participant-declarations'),
    outcomes: await all(client, '/api/v3/participants/npq/outcomes'),
    statements: await all(client, '/api/v3/statements'),
    deliveryPartners: await all(client, '/api/v3/delivery-partners'),
  };
}

export type ProviderView = Awaited<ReturnType<typeof providerView>>;

const TIMESTAMPS = new Set(['created_at', 'updated_at']);

/** A view without its timestamps (a reset writes the same data at another time). */
export function withoutTimestamps(view: ProviderView): unknown {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([k]) => !TIMESTAMPS.has(k))
          .map(([k, v]) => [k, strip(v)]),
      );
    }
    return value;
  };
  return strip(view);
}
