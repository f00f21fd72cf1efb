import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { EVENT_CATALOGUE, type EventName } from '@npq/contracts';

/**
 * Every name on the shared infrastructure (subjects, stream, durables, queues) is derived from one
 * namespace, so test files and environments never see each other's messages or jobs.
 */
export class Naming {
  constructor(readonly namespace: string) {}

  private get dot(): string {
    return this.namespace ? `${this.namespace}.` : '';
  }

  subjectFor(name: EventName): string {
    return `${this.dot}${EVENT_CATALOGUE[name].subject}`;
  }

  /** Subject filter covering every event of the platform in this namespace. */
  get allEvents(): string {
    return `${this.dot}npq.>`;
  }

  get eventSubjectPrefix(): string {
    return this.dot;
  }

  get stream(): string {
    return `${this.namespace ? `${this.namespace.toUpperCase()}_` : ''}NPQ_EVENTS`;
  }

  durable(consumer: string): string {
    return `${this.namespace ? `${this.namespace}_` : ''}${consumer}`;
  }

  /** Core-NATS subject on which consumers confirm they applied an event (read-your-writes). */
  ackSubject(eventId: string): string {
    return `${this.dot}npq_acks.${eventId}`;
  }

  get queuePrefix(): string {
    return this.namespace ? `npq_${this.namespace}` : 'npq';
  }
}

export interface Messaging {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  naming: Naming;
  /** Replicas of the event stream when it has to be created (NPQ_STREAM_REPLICAS). */
  streamReplicas?: number;
}

/** Connects to NATS and makes sure the event stream exists (idempotent; several services race here). */
export async function connectMessaging(
  natsUrl: string,
  naming: Naming,
  name: string,
  streamReplicas = 1,
): Promise<Messaging> {
  const nc = await connect({ servers: natsUrl.split(','), name, maxReconnectAttempts: -1 });
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, naming, streamReplicas);
  return { nc, js: jetstream(nc), jsm, naming, streamReplicas };
}

const TWO_MINUTES_NS = 2 * 60 * 1_000_000_000;

/**
 * Creates the event stream when it is missing. `replicas` is NPQ_STREAM_REPLICAS: 3 on a clustered NATS in
 * production (infra/k8s/overlays/production), so the stream survives the loss of one NATS server.
 */
export async function ensureStream(jsm: JetStreamManager, naming: Naming, replicas = 1): Promise<void> {
  const config = {
    num_replicas: replicas,
    name: naming.stream,
    subjects: [naming.allEvents],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    // The relay's Nats-Msg-Id dedupe horizon; the consumers' inbox covers anything older.
    duplicate_window: TWO_MINUTES_NS,
  };
  try {
    await jsm.streams.info(naming.stream);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (err) {
      // Another process created it between our check and our add.
      await jsm.streams.info(naming.stream).catch(() => {
        throw err;
      });
    }
  }
}

/** Removes a namespace's stream (tests). */
export async function deleteStream(jsm: JetStreamManager, naming: Naming): Promise<void> {
  await jsm.streams.delete(naming.stream).catch(() => undefined);
}
