import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** The event types a subscription can ask for (docs/webhooks.md, "Event types"). */
export const WEBHOOK_EVENT_TYPES = [
  'application.created',
  'application.updated',
  'participant.training_status_changed',
  'participant.schedule_changed',
  'participant.id_changed',
  'declaration.created',
  'declaration.state_changed',
  'participant_outcome.recorded',
  'statement.paid',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent by the test-ping route whatever the subscription's event types. */
export const PING_EVENT_TYPE = 'webhook.ping';

export const MAX_URL_LENGTH = 2000;

/** A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

// Addresses a webhook must never reach outside the sandbox (SSRF; docs/webhooks.md, "Endpoints").
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is checked as the IPv4 address it carries. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

export function isLoopback(address: string): boolean {
  const a = unmapped(address);
  return LOOPBACK.check(a, family(a));
}

export function isPrivate(address: string): boolean {
  const a = unmapped(address);
  return PRIVATE.check(a, family(a));
}

/** Why `raw` cannot be a webhook URL (before any DNS lookup), or undefined. */
export function urlRefusal(raw: unknown, sandbox: boolean): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0) return "can't be blank";
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be a valid URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && sandbox) return undefined;
  return sandbox ? 'must use https (or http to a loopback address in the sandbox)' : 'must use https';
}

export type Resolver = (host: string) => Promise<string[]>;

export const dnsResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** The URL's host without IPv6 brackets, as a lookup or a literal-address check takes it. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Why a URL whose host resolved to `addresses` must not be called, or undefined: every address must be
 * public; in the sandbox loopback is also allowed (a developer's local receiver), and plain http only to
 * loopback. Checked when the subscription is created (`addressRefusal`) and by the delivery's own lookup on
 * every attempt, whose addresses are the ones connected to (`jobs/post.ts`; docs/webhooks.md, "Endpoints").
 */
export function addressesRefusal(
  addresses: readonly string[],
  protocol: string,
  sandbox: boolean,
): string | undefined {
  for (const a of addresses) {
    if (sandbox && isLoopback(a)) continue;
    if (isPrivate(a)) return 'must not point to a private, loopback or link-local address';
  }
  if (protocol === 'http:' && !addresses.every(isLoopback)) return 'must use https';
  return undefined;
}

/** `addressesRefusal` for a URL, resolving its host name (a literal address is taken as it is). */
export async function addressRefusal(
  raw: string,
  sandbox: boolean,
  resolve: Resolver = dnsResolver,
): Promise<string | undefined> {
  const url = new URL(raw);
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return 'must have a host name that resolves';
  }
  if (addresses.length === 0) return 'must have a host name that resolves';
  return addressesRefusal(addresses, url.protocol, sandbox);
}

/** Why `raw` is not a list of known event types, or undefined. */
export function eventTypesRefusal(raw: unknown): string | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return 'must be a non-empty list of event types';
  if (raw.length > WEBHOOK_EVENT_TYPES.length) return 'must not repeat event types';
  for (const t of raw) {
    if (typeof t !== 'string' || !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t)) {
      return `must each be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`;
    }
  }
  if (new Set(raw).size !== raw.length) return 'must not repeat event types';
  return undefined;
}
