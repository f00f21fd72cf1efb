import { INTERNAL_HEADERS } from '@npq/service-kit';

/** The v3 resource a message is about, as the owning service shows it to the provider; null if unavailable. */
export type ResourceFetcher = (
  leadProviderId: string,
  data: Record<string, unknown>,
) => Promise<Record<string, unknown> | null>;

export interface OwningServices {
  applications: string;
  training: string;
  finance: string;
}

/** Where each resource type is read (the same v3 routes providers call; docs/webhooks.md, "Payload"). */
function routeOf(urls: OwningServices, type: unknown, id: string): string | undefined {
  const safe = encodeURIComponent(id);
  switch (type) {
    case 'npq_application':
      return `${urls.applications}/api/v3/npq-applications/${safe}`;
    case 'npq-participant':
      return `${urls.training}/api/v3/participants/npq/${safe}`;
    case 'participant-declaration':
      return `${urls.finance}/api/v3/participant-declarations/${safe}`;
    case 'statement':
      return `${urls.finance}/api/v3/statements/${safe}`;
    default:
      return undefined;
  }
}

/**
 * Reads the resource from its owning service's internal API with the provider's identity, as the gateway
 * would forward a provider's own GET, so a message never shows what the provider could not read itself.
 */
export function internalResourceFetcher(
  urls: OwningServices,
  secret: string,
  timeoutMs: number,
): ResourceFetcher {
  return async (leadProviderId, data) => {
    if (typeof data.id !== 'string') return null;
    const url = routeOf(urls, data.type, data.id);
    if (!url) return null;
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          accept: 'application/json',
          [INTERNAL_HEADERS.secret]: secret,
          [INTERNAL_HEADERS.scope]: 'lead_provider',
          [INTERNAL_HEADERS.leadProviderId]: leadProviderId,
        },
      });
      if (res.status !== 200) return null;
      const body = (await res.json()) as { data?: unknown };
      return typeof body.data === 'object' && body.data !== null
        ? (body.data as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  };
}
