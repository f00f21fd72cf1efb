import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';

/**
 * Deterministic ids for the sandbox dataset (docs/sandbox.md). Everywhere else ids are random; only the
 * sandbox seeder, which talks to the services directly with the internal credential, sends a seed key
 * (`x-npq-sandbox-seed`, honoured only when `SANDBOX` is true), and the resources a request creates then get
 * UUID v5 ids derived from that key and their kind. The gateway strips the header from clients' requests.
 */

/** The namespace of every sandbox id (a fixed UUID, so docs can quote the ids the seeder makes). */
export const SANDBOX_ID_NAMESPACE = '6d1f3c2a-8e4b-5a79-9c10-4f2e7b3d5a61';

/** RFC 4122 version 5 (SHA-1, name-based) UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string = SANDBOX_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The id a sandbox seed key gives the resource of `kind` its request creates. */
export function sandboxId(seedKey: string, kind: string): string {
  return uuidV5(`${seedKey}#${kind}`);
}

const seeds = new AsyncLocalStorage<string>();
let derivedIds = false;

/** Called once per process from its configuration: whether sandbox-derived ids may be used at all. */
export function enableSandboxIds(enabled: boolean): void {
  derivedIds = enabled;
}

export function sandboxIdsEnabled(): boolean {
  return derivedIds;
}

/** Runs `fn` with the request's sandbox seed key (if any), for `newId`. */
export function runWithIdSeed<T>(seedKey: string | undefined, fn: () => T): T {
  if (seedKey === undefined || !derivedIds) return fn();
  return seeds.run(seedKey, fn);
}

/**
 * A new resource id: random, except in the sandbox, where a request carrying a seed key gets the id its key
 * and `kind` derive, and a resource another one determines (`derivedFrom`, e.g. the outcome a completed
 * declaration records in a consumer, outside any request) gets one derived from that.
 */
export function newId(kind: string, derivedFrom?: string): string {
  if (!derivedIds) return randomUUID();
  const seed = seeds.getStore();
  if (seed !== undefined) return sandboxId(seed, kind);
  if (derivedFrom !== undefined) return uuidV5(`${kind}:${derivedFrom}`);
  return randomUUID();
}
