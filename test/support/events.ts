import { randomUUID } from 'node:crypto';
import {
  consumersOf,
  EVENT_CATALOGUE,
  type DeclarationSnapshotV1,
  type EventEnvelope,
  type EventName,
  type EventPayloads,
} from '@npq/contracts';
import type { System } from './system';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Publishes an event onto the system's stream exactly as its producer's outbox relay would (envelope,
 * subject, Nats-Msg-Id), then waits until every consumer the catalogue names has confirmed applying it:
 * the read-your-writes wait a producing command would do.
 *
 * Only for situations no endpoint can produce; every test that uses it says why at the call.
 */
export async function publishEvent<N extends EventName>(
  system: System,
  name: N,
  aggregate: { id: string; version: number },
  data: EventPayloads[N],
  occurredAt: Date = new Date(),
): Promise<EventEnvelope<N>> {
  const { nc, js, naming } = system.services.training.runtime.messaging;
  const envelope: EventEnvelope<N> = {
    id: randomUUID(),
    name,
    version: EVENT_CATALOGUE[name].version,
    producer: EVENT_CATALOGUE[name].producer,
    occurredAt: occurredAt.toISOString(),
    aggregateId: aggregate.id,
    aggregateVersion: aggregate.version,
    data,
  };
  const waiting = new Set<string>(consumersOf(name));
  const subscription = nc.subscribe(naming.ackSubject(envelope.id));
  const confirmed = (async () => {
    for await (const msg of subscription) {
      waiting.delete(decoder.decode(msg.data));
      if (waiting.size === 0) return;
    }
  })();
  await nc.flush();
  await js.publish(naming.subjectFor(name), encoder.encode(JSON.stringify(envelope)), { msgID: envelope.id });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name} not confirmed by ${[...waiting].join(', ')}`)),
      10_000,
    );
  });
  try {
    await Promise.race([confirmed, timeout]);
  } finally {
    clearTimeout(timer);
    subscription.unsubscribe();
  }
  return envelope;
}

/** A declaration as finance would announce it, and the version of its last event. */
export interface PublishedDeclaration {
  snapshot: DeclarationSnapshotV1;
  version: number;
}

export interface PublishDeclarationOptions {
  type?: DeclarationSnapshotV1['declarationType'];
  /** RFC 3339; default 2025-11-01T10:00:00Z. */
  date?: string;
  state?: DeclarationSnapshotV1['state'];
  hasPassed?: boolean | null;
}

type AcceptedApplication = { id: string; attributes: Record<string, any> };

/**
 * The `declaration.created` event finance would emit, for a declaration finance itself would refuse to
 * make (a completed leadership declaration without `has_passed`, a type the schedule does not allow).
 * Finance never hears of it; applications and training apply it. Real declarations: `declareFor` in
 * ./finance.
 */
export async function publishDeclaration(
  system: System,
  application: AcceptedApplication,
  leadProviderId: string,
  options: PublishDeclarationOptions = {},
): Promise<PublishedDeclaration> {
  const at = new Date();
  const snapshot: DeclarationSnapshotV1 = {
    declarationId: randomUUID(),
    applicationId: application.id,
    participantId: application.attributes.participant_id,
    leadProviderId,
    courseIdentifier: application.attributes.course_identifier,
    declarationType: options.type ?? 'started',
    declarationDate: options.date ?? '2025-11-01T10:00:00Z',
    state: options.state ?? 'eligible',
    hasPassed: options.hasPassed ?? null,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
  };
  await publishEvent(
    system,
    'declaration.created',
    { id: snapshot.declarationId, version: 1 },
    { declaration: snapshot },
    at,
  );
  return { snapshot, version: 1 };
}

/** The `declaration.voided` event finance would emit for a declaration made by `publishDeclaration`. */
export async function publishDeclarationVoided(
  system: System,
  declaration: PublishedDeclaration,
  state: 'voided' | 'awaiting_clawback',
): Promise<PublishedDeclaration> {
  const at = new Date().toISOString();
  const snapshot: DeclarationSnapshotV1 = { ...declaration.snapshot, state, updatedAt: at };
  const version = declaration.version + 1;
  await publishEvent(
    system,
    'declaration.voided',
    { id: snapshot.declarationId, version },
    { declaration: snapshot },
    new Date(at),
  );
  return { snapshot, version };
}
